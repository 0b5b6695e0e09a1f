"""Bad input gets one clear line and exit code 2 before any work; an interrupted scan exits
130 (not the `--fail-on` code); a FIFO named *.py never hangs the scan."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import cli
from advisor.cli import main


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
