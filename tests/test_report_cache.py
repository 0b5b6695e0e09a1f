"""The JSON report cached under the result's key (advisor.warm): an unchanged re-scan writes
the report the scan would write — the same but for its own timings and cache counts, with the
same warnings and the same `--fail-on` verdict — without running the analysis, and anything
that changes the answer or the request is a miss."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from advisor import collect as collect_module
from advisor import pipeline as pipeline_module
from advisor.cli import main
from advisor.warm import REPORT_FILE


@pytest.fixture
def bookshop(sample_projects: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bookshop copy whose files count as old enough to trust by stat (as in
    test_collect.py), so its scans may be cached."""
    monkeypatch.setattr(collect_module, "STAT_TRUST_MARGIN_NS", -(10**15))
    target = tmp_path / "bookshop"
    shutil.copytree(
        sample_projects / "bookshop",
        target,
        ignore=shutil.ignore_patterns(".advisor_cache", "*.sqlite3", "__pycache__"),
    )
    return target


def scan(root: Path, *flags: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", str(root), "--format", "json", *flags])
    return result.exit_code, result.stdout, result.stderr


def without_timings(report: str) -> dict[str, Any]:
    """The report minus what legitimately differs between runs: timings and cache counts."""
    data: dict[str, Any] = json.loads(report)
    assert isinstance(data.pop("timings"), dict)
    data["stats"].pop("cached_files")
    return data


def report_cache(root: Path) -> Path:
    return root / ".advisor_cache" / REPORT_FILE


def analysis_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_analysis(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached report must not run the scan")

    monkeypatch.setattr(pipeline_module, "scan_prepared", no_analysis)


def test_an_unchanged_rescan_writes_the_same_report_without_scanning(
    bookshop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uncached = scan(bookshop, "--no-cache")
    cold = scan(bookshop)
    assert report_cache(bookshop).is_file()
    analysis_forbidden(monkeypatch)
    warm = scan(bookshop)
    assert warm[0] == cold[0] == uncached[0] == 0
    assert warm[2] == cold[2] == uncached[2]  # the same warning lines, if any
    assert without_timings(warm[1]) == without_timings(cold[1]) == without_timings(uncached[1])
    replayed = json.loads(warm[1])
    # This run's timings, not the cold one's; every file counted as served from the cache.
    assert set(replayed["timings"]) == {"discover", "result_cache", "total"}
    assert replayed["stats"]["cached_files"] == replayed["stats"]["files"]


def test_the_report_written_to_a_file_is_replayed_too(
    bookshop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    code, _, cold_err = scan(bookshop, "-o", str(first))
    analysis_forbidden(monkeypatch)
    again, _, warm_err = scan(bookshop, "-o", str(second))
    assert code == again == 0
    assert warm_err == cold_err.replace(str(first), str(second))
    assert without_timings(second.read_text()) == without_timings(first.read_text())


def test_fail_on_gives_the_same_verdict_from_the_cached_report(
    bookshop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = scan(bookshop, "--fail-on", "async-but-blocking")
    baseline = tmp_path / "baseline.json"
    scan(bookshop, "--no-cache", "--write-baseline", str(baseline))
    analysis_forbidden(monkeypatch)
    warm = scan(bookshop, "--fail-on", "async-but-blocking")
    assert cold[0] == warm[0] == 1
    assert "pages.views.upstream_status" in warm[2] and warm[2] == cold[2]
    known = scan(bookshop, "--fail-on", "async-but-blocking", "--baseline", str(baseline))
    assert known[0] == 0 and "already in" in known[2]


def test_an_edit_misses_the_cached_report(bookshop: Path) -> None:
    scan(bookshop)
    time.sleep(0.05)  # past the file system's timestamp tick, as any real edit is
    views = bookshop / "catalog" / "views.py"
    views.write_text(views.read_text().replace("def legacy_export(", "def legacy_exprt_("))
    code, report, _ = scan(bookshop)
    ids = {view["id"] for view in json.loads(report)["views"]}
    assert code == 0
    assert "catalog.views.legacy_exprt_" in ids and "catalog.views.legacy_export" not in ids
    assert without_timings(report) == without_timings(scan(bookshop, "--no-cache")[1])


def test_selected_rules_are_part_of_the_request(
    bookshop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = scan(bookshop)[1]
    selected = scan(bookshop, "--select", "ADV102")[1]
    assert without_timings(selected) != without_timings(everything)
    assert without_timings(selected) == without_timings(
        scan(bookshop, "--no-cache", "--select", "ADV102")[1]
    )


@pytest.mark.parametrize("damage", ["empty", "truncated", "bad meta", "short"])
def test_a_damaged_report_cache_is_ignored(bookshop: Path, damage: str) -> None:
    cold = scan(bookshop)[1]
    entry = report_cache(bookshop)
    data = entry.read_bytes()
    header = data[: data.index(b"\n") + 1]
    entry.write_bytes(
        {
            "empty": b"",
            "truncated": data[: len(data) // 2],
            "bad meta": header + b"{not json\n" + data[len(header) :],
            "short": header + b'{"prefix": 5, "unread": null}\n',
        }[damage]
    )
    code, report, _ = scan(bookshop)
    assert code == 0 and without_timings(report) == without_timings(cold)


@pytest.mark.parametrize(
    "flags",
    [("--no-cache",), ("--format", "terminal"), ("--format", "markdown")],
    ids=lambda flags: " ".join(flags),
)
def test_no_report_is_cached_for_other_requests(bookshop: Path, flags: tuple[str, ...]) -> None:
    CliRunner().invoke(main, ["scan", str(bookshop), *flags])
    assert not report_cache(bookshop).exists()


def test_fresh_files_cache_no_report(sample_projects: Path, tmp_path: Path) -> None:
    root = tmp_path / "bookshop"
    shutil.copytree(sample_projects / "bookshop", root)
    scan(root)
    assert not report_cache(root).exists()


def test_a_replayed_report_imports_neither_the_analysis_nor_the_model(
    bookshop: Path, tmp_path: Path
) -> None:
    """What makes a warm scan cheap: the cached report is found and written before any of
    the analysis, the facts or the result model is imported."""
    scan(bookshop)
    report = tmp_path / "warm.json"
    probe = (
        "import sys\n"
        "import advisor.collect\n"
        "advisor.collect.STAT_TRUST_MARGIN_NS = -(10**15)  # as the fixture does\n"
        "from advisor.cli import main\n"
        f"sys.argv = ['advisor', 'scan', {str(bookshop)!r}, '--format', 'json', '-o', "
        f"{str(report)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    assert not done.code, done.code\n"
        "heavy = ('advisor.pipeline', 'advisor.model', 'advisor.facts', 'advisor.effects')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
    assert without_timings(report.read_text()) == without_timings(scan(bookshop, "--no-cache")[1])
