"""Bad input gets one clear line and exit code 2 before any work; an interrupted scan exits
130 (not the `--fail-on` code) and leaves a cache the next scan can trust; a FIFO named
*.py never hangs the scan; an empty folder says so."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import cli
from advisor.cli import main
from advisor.collect import FactsCache


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("flag", "target", "message"),
    [
        ("-o", "missing/dir/r.json", "does not exist"),
        ("-o", ".", "is a directory"),
        ("--html", "missing/r.html", "does not exist"),
    ],
)
def test_unwritable_report_paths_fail_before_the_scan(
    sample_projects: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str,
    target: str, message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    scanned: list[Path] = []
    monkeypatch.setattr(cli, "scan", lambda path, settings: scanned.append(path))
    code, out = invoke("scan", str(sample_projects / "bookshop"), flag, target)
    assert code == 2
    assert message in out and len(out.strip().splitlines()) == 1
    assert scanned == []


def test_a_writable_report_path_is_accepted(sample_projects: Path, tmp_path: Path) -> None:
    code, _ = invoke("scan", str(sample_projects / "bookshop"), "--no-cache", "--format", "json",
                     "-o", str(tmp_path / "r.json"))
    assert code == 0 and (tmp_path / "r.json").stat().st_size > 0


@pytest.mark.parametrize("version", ["abc", "5", "5.2.x"])
def test_a_malformed_django_version_is_refused(sample_projects: Path, version: str) -> None:
    code, out = invoke("scan", str(sample_projects / "bookshop"), "--django-version", version)
    assert code == 2 and "expected MAJOR.MINOR" in out


def test_interrupt_exits_130(sample_projects: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(path: Path, settings: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "scan", interrupted)
    code, out = invoke("scan", str(sample_projects / "bookshop"), "--no-cache")
    assert code == 130 and "interrupted" in out


def test_a_fifo_named_py_is_skipped_not_read(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("def view(request):\n    return 1\n")
    os.mkfifo(tmp_path / "app" / "x.py")
    code, out = invoke("scan", str(tmp_path), "--no-cache", "--jobs", "1")
    assert code == 0
    assert "app/x.py" in out and "not a regular file" in out


def test_an_empty_folder_says_zero_routed_views_without_a_dangling_colon(tmp_path: Path) -> None:
    code, out = invoke("scan", str(tmp_path), "--no-cache", "--jobs", "1")
    assert code == 0
    assert "0 routed views\n" in out and "0 routed views:" not in out


def test_the_summary_counts_read_as_english(sample_projects: Path) -> None:
    code, out = invoke("scan", str(sample_projects / "bookshop"), "--no-cache")
    assert code == 0
    summary = " ".join(out[out.index("16 routed views") :].split())
    assert "3 strong candidates," in summary and "1 candidate (needs work)," in summary


def test_views_on_an_empty_folder_says_no_routes_were_found(tmp_path: Path) -> None:
    code, out = invoke("views", str(tmp_path), "--no-cache")
    assert code == 0
    assert out.strip().splitlines()[-1].startswith(f"No routes found in {tmp_path}")


def test_an_interrupted_scan_leaves_a_cache_the_next_scan_can_trust(
    sample_projects: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Path(shutil.copytree(sample_projects / "bookshop", tmp_path / "bookshop"))
    writes: list[str] = []
    put_blob = FactsCache.put_blob

    def interrupted_put(self: FactsCache, key: str, blob: bytes) -> None:
        if len(writes) == 3:
            raise KeyboardInterrupt  # Ctrl-C while the cache is being filled
        writes.append(key)
        put_blob(self, key, blob)

    with monkeypatch.context() as patched:
        patched.setattr(FactsCache, "put_blob", interrupted_put)
        code, out = invoke("scan", str(project), "--jobs", "1")
    assert code == 130 and "interrupted" in out and len(writes) == 3
    cached = invoke("scan", str(project), "--jobs", "1", "--format", "json")
    fresh = invoke("scan", str(project), "--no-cache", "--format", "json")
    assert cached[0] == fresh[0] == 0
    views = [json.loads(text)["views"] for _, text in (cached, fresh)]
    assert views[0] == views[1] and views[0]
