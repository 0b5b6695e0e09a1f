"""The per-file stage: the facts cache must never change a scan's answer (warm = cold, edits
are seen, damaged or hostile entries are ignored, writes are atomic), and the process pool
must give the same answer as in-process parsing and actually be used for big scans."""

from __future__ import annotations

import dataclasses
import gc
import io
import os
import pickle
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from advisor import collect as collect_module
from advisor import pipeline as pipeline_module
from advisor.collect import (
    FACTS_DIRECTORY,
    RESULT_FILE,
    STAT_INDEX_FILE,
    FactsCache,
    collect,
    dump_facts,
    load_facts,
)
from advisor.config import build_settings
from advisor.facts import collect_facts
from advisor.model import ScanResult
from advisor.pipeline import scan
from advisor.progress import Progress


def copy_project(sample_projects: Path, name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(
        sample_projects / name,
        target,
        ignore=shutil.ignore_patterns(".advisor_cache", "*.sqlite3", "__pycache__"),
    )
    return target


def run_scan(root: Path, *, jobs: int = 1, cache: bool = True) -> ScanResult:
    return scan(root, build_settings(root, jobs=jobs, use_cache=cache))


def answer(result: ScanResult) -> ScanResult:
    """The result minus what legitimately differs between runs: timings and cache counts."""
    return dataclasses.replace(
        result, timings={}, stats=dataclasses.replace(result.stats, cached_files=0)
    )


def cache_entries(root: Path) -> list[Path]:
    return sorted((root / ".advisor_cache" / FACTS_DIRECTORY).rglob("*.pickle"))


@pytest.fixture
def trust_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by a test are seconds old, too fresh for the stat index to trust; let
    it trust them so the stat-index path itself is exercised."""
    monkeypatch.setattr(collect_module, "STAT_TRUST_MARGIN_NS", -(10**15))


def many_files_project(root: Path, count: int, padding_lines: int) -> Path:
    """A synthetic project big enough to cross the pool threshold."""
    package = root / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for number in range(count):
        body = "\n".join(
            f"    total += {line}  # padding {line:06d}" for line in range(padding_lines)
        )
        (package / f"module_{number:03d}.py").write_text(
            f"import requests\n\n\ndef view_{number}(request):\n    total = 0\n{body}\n"
            f"    return requests.get('https://example.com/{number}')\n"
        )
    return root


# --- Cache correctness ---------------------------------------------------------------------


@pytest.mark.parametrize("project", ["bookshop", "opsdesk"])
def test_warm_scan_gives_the_cold_answer(
    sample_projects: Path, tmp_path: Path, project: str
) -> None:
    root = copy_project(sample_projects, project, tmp_path)
    uncached = run_scan(root, cache=False)
    assert not (root / ".advisor_cache").exists()
    cold = run_scan(root)
    warm = run_scan(root)
    sources = [p.read_bytes() for p in root.rglob("*.py") if "migrations" not in p.parts]
    # In a cold scan only repeated contents (empty __init__.py files) come from the cache.
    assert cold.stats.cached_files == len(sources) - len(set(sources))
    assert warm.stats.cached_files == warm.stats.files == len(sources)
    assert answer(warm) == answer(cold) == answer(uncached)


def test_warm_scan_through_the_stat_index(
    sample_projects: Path, tmp_path: Path, trust_fresh_files: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_project(sample_projects, "bookshop", tmp_path)
    cold = run_scan(root)
    assert (root / ".advisor_cache" / STAT_INDEX_FILE).is_file()
    hashed: list[bytes] = []
    original_key = FactsCache.key

    def counting_key(self: FactsCache, source: bytes) -> str:
        hashed.append(source)
        return original_key(self, source)

    monkeypatch.setattr(FactsCache, "key", counting_key)
    warm = run_scan(root)
    assert hashed == []  # no file was even read: all served by (path, stat) -> key
    assert warm.stats.cached_files == warm.stats.files
    assert answer(warm) == answer(cold)


def test_fresh_files_are_not_trusted_by_stat_alone(sample_projects: Path, tmp_path: Path) -> None:
    root = copy_project(sample_projects, "bookshop", tmp_path)
    run_scan(root)
    entries = FactsCache(root / ".advisor_cache").read_stat_index()
    assert entries == {}  # every file was written moments ago: next scan re-hashes them


@pytest.mark.parametrize("same_size_same_mtime", [False, True])
def test_a_changed_file_is_parsed_again(
    sample_projects: Path, tmp_path: Path, trust_fresh_files: None, same_size_same_mtime: bool
) -> None:
    root = copy_project(sample_projects, "bookshop", tmp_path)
    views = root / "catalog" / "views.py"
    cold = run_scan(root)
    assert "catalog.views.legacy_export" in {v.id for v in cold.views}
    time.sleep(0.05)  # past the file system's timestamp tick, as any real edit is
    source = views.read_text()
    edited = source.replace("def legacy_export(", "def legacy_exprt_(")
    if same_size_same_mtime:
        edited = source.replace("def legacy_export(", "def legacy_exporx(")
        assert len(edited) == len(source)
        before = views.stat()
        views.write_text(edited)
        os.utime(views, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert views.stat().st_size == before.st_size
    else:
        views.write_text(edited)
    warm = run_scan(root)
    ids = {v.id for v in warm.views}
    assert "catalog.views.legacy_export" not in ids
    assert warm.stats.cached_files == warm.stats.files - 1
    assert answer(warm) == answer(run_scan(root, cache=False))


def test_a_corrupt_cache_entry_is_ignored_and_replaced(
    sample_projects: Path, tmp_path: Path
) -> None:
    root = copy_project(sample_projects, "bookshop", tmp_path)
    cold = run_scan(root)
    entries = cache_entries(root)
    assert entries
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes([b"", data[: len(data) // 2], b"not a pickle at all"][number % 3])
    (root / ".advisor_cache" / STAT_INDEX_FILE).write_bytes(b"\x80\x05garbage")
    again = run_scan(root)
    # Every entry was re-parsed and rewritten; only repeated contents hit the fresh entries.
    assert again.stats.cached_files == cold.stats.cached_files
    assert answer(again) == answer(cold)
    for entry in cache_entries(root):
        assert load_facts(entry.read_bytes()) is not None


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("open(__import__('os').environ['ADVISOR_PWNED'], 'w').close()",))


def test_a_hostile_cache_entry_is_not_executed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanned repository could commit its own .advisor_cache/: loading it must not run
    code (scanning never executes the project)."""
    marker = tmp_path / "pwned"
    monkeypatch.setenv("ADVISOR_PWNED", str(marker))
    assert load_facts(pickle.dumps(_Boom())) is None
    assert load_facts(pickle.dumps(Path("x"))) is None
    assert not marker.exists()
    cache = FactsCache(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / STAT_INDEX_FILE).write_bytes(pickle.dumps(_Boom()))
    assert cache.read_stat_index() == {}
    assert not marker.exists()


def test_another_tool_version_does_not_read_the_entries(tmp_path: Path) -> None:
    facts = collect_facts(b"def view(request):\n    return 1\n")
    ours = FactsCache(tmp_path, tool_fingerprint="a" * 64)
    theirs = FactsCache(tmp_path, tool_fingerprint="b" * 64)
    source = b"same bytes"
    ours.put(ours.key(source), facts)
    assert ours.get(ours.key(source)) == facts
    assert theirs.get(theirs.key(source)) is None
    ours.write_stat_index({"a.py": ((1, 2, 3, 4, 5), ours.key(source))})
    assert theirs.read_stat_index() == {}


def test_the_codec_round_trips_every_sample_file(sample_projects: Path) -> None:
    for path in sorted(sample_projects.rglob("*.py")):
        facts = collect_facts(path.read_bytes())
        assert load_facts(dump_facts(facts)) == facts, path


# --- Atomic writes -------------------------------------------------------------------------


def test_cache_writes_leave_no_partial_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FactsCache(tmp_path)
    first = collect_facts(b"x = 1\n")
    key = "ab" + "0" * 62
    cache.put(key, first)
    written = list(tmp_path.rglob("*"))

    def failing_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    cache.put(key, collect_facts(b"y = 2\n"))  # fails half-way: must not corrupt the entry
    cache.write_stat_index({"a.py": ((1, 2, 3, 4, 5), key)})
    assert list(tmp_path.rglob("*")) == written  # no temp file left behind
    assert cache.get(key) == first
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


def test_concurrent_writers_of_one_entry_leave_a_whole_entry(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cache = FactsCache(tmp_path)
    facts = collect_facts(b"def f():\n    return [" + b"1, " * 20000 + b"]\n")
    key = "cd" + "1" * 62
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: cache.put(key, facts), range(32)))
    assert cache.get(key) == facts
    assert [p.name for p in (tmp_path / FACTS_DIRECTORY / "cd").iterdir()] == [f"{key}.pickle"]


def test_a_removed_folder_or_a_leftover_temporary_file_does_not_stop_a_write(
    tmp_path: Path,
) -> None:
    cache = FactsCache(tmp_path)
    facts = [collect_facts(f"x{n} = {n}\n".encode()) for n in range(3)]
    first, second, third = ("ef" + digit * 62 for digit in "123")
    cache.put(first, facts[0])  # the instance now remembers the `ef` folder as made
    shutil.rmtree(tmp_path / FACTS_DIRECTORY)  # removed while it remembers it
    cache.put(second, facts[1])
    assert cache.get(second) == facts[1]
    # What a crashed writer that had this pid left behind: the fast path's name is taken.
    folder = tmp_path / FACTS_DIRECTORY / "ef"
    (folder / f".{third}.pickle.{os.getpid()}.tmp").write_bytes(b"partial")
    cache.put(third, facts[2])
    assert cache.get(third) == facts[2]
    assert (tmp_path / ".gitignore").is_file()


# --- The process pool ----------------------------------------------------------------------


def test_jobs_2_gives_the_jobs_1_answer(
    sample_projects: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collect_module, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(collect_module, "POOL_MIN_BYTES", 0)
    for project in ("bookshop", "opsdesk"):
        root = copy_project(sample_projects, project, tmp_path)
        one = run_scan(root, jobs=1, cache=False)
        two = run_scan(root, jobs=2, cache=False)
        assert answer(two) == answer(one)
        pooled_cold = run_scan(root, jobs=2)  # workers write the cache...
        pooled_warm = run_scan(root, jobs=2)  # ...and the parent reads it
        assert pooled_warm.stats.cached_files == pooled_warm.stats.files
        assert answer(pooled_cold) == answer(pooled_warm) == answer(one)


def test_the_pool_is_used_above_the_threshold_only(tmp_path: Path) -> None:
    count = collect_module.POOL_MIN_FILES + 16
    padding = collect_module.POOL_MIN_BYTES // (count * 30) + 1
    root = many_files_project(tmp_path / "big", count, padding)
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*.py"))
    assert sum(p.stat().st_size for _, p in files) >= collect_module.POOL_MIN_BYTES
    me = os.getpid()

    pooled = collect(files, 2, None, show_progress=False)
    assert [c.relative for c in pooled] == [r for r, _ in files]  # input order kept
    assert all(c.facts is not None and c.parsed_in is not None for c in pooled)
    assert {c.parsed_in for c in pooled} - {me}, "expected facts parsed in worker processes"
    assert me not in {c.parsed_in for c in pooled}

    in_process = collect(files, 1, None, show_progress=False)
    assert {c.parsed_in for c in in_process} == {me}
    assert [c.facts for c in in_process] == [c.facts for c in pooled]

    small = collect(files[:5], 2, None, show_progress=False)
    assert {c.parsed_in for c in small} == {me}


def test_unreadable_files_are_reported_not_raised(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("x = 1\n")
    results = collect(
        [("good.py", good), ("gone.py", tmp_path / "gone.py")],
        1,
        FactsCache(tmp_path / "cache"),
        show_progress=False,
    )
    assert results[0].facts is not None
    assert results[1].facts is None and results[1].error is not None


# --- Progress ------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal_for_big_scans() -> None:
    piped = io.StringIO()
    with Progress(1000, "parsing", stream=piped) as bar:
        bar.advance(1000)
    assert piped.getvalue() == ""

    small = _Terminal()
    with Progress(10, "parsing", stream=small) as bar:
        bar.advance(10)
    assert small.getvalue() == ""

    terminal = _Terminal()
    with Progress(1000, "parsing", stream=terminal) as bar:
        bar.advance(500)
        bar.advance(500)
    text = terminal.getvalue()
    assert "1000/1000 files" in text and text.startswith("\r")
    assert text.endswith("\r") and "\n" not in text  # erased, leaves no line behind


# --- The whole-result cache ----------------------------------------------------------------


def served_from_result_cache(result: ScanResult) -> bool:
    return "result_cache" in result.timings and "parse" not in result.timings


@pytest.fixture
def trusted_bookshop(sample_projects: Path, tmp_path: Path, trust_fresh_files: None) -> Path:
    """A bookshop copy whose files count as old enough to trust by stat, and one cold scan
    of it that stored the result."""
    root = copy_project(sample_projects, "bookshop", tmp_path)
    cold = run_scan(root)
    assert not served_from_result_cache(cold)
    assert (root / ".advisor_cache" / RESULT_FILE).is_file()
    time.sleep(0.05)  # past the file system's timestamp tick, as any real edit is
    return root


def test_an_unchanged_rescan_is_served_whole_and_gives_the_cold_answer(
    trusted_bookshop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = trusted_bookshop
    uncached = run_scan(root, cache=False)

    def no_facts(*args: object, **kwargs: object) -> None:
        raise AssertionError("a result-cache hit must not collect facts")

    monkeypatch.setattr(pipeline_module, "collect", no_facts)
    warm = run_scan(root, jobs=2)  # jobs does not change the answer, so it is not in the key
    assert served_from_result_cache(warm)
    assert set(warm.timings) == {"discover", "result_cache", "total"}
    assert warm.stats.cached_files == warm.stats.files
    assert answer(warm) == answer(uncached)
    assert warm.tool_version == uncached.tool_version


def _edit_a_view(root: Path) -> None:
    views = root / "catalog" / "views.py"
    views.write_text(views.read_text().replace("def legacy_export(", "def legacy_exprt_("))


def _add_a_file(root: Path) -> None:
    (root / "catalog" / "extra.py").write_text("def helper():\n    return 1\n")


def _delete_a_file(root: Path) -> None:
    (root / "catalog" / "views.py").unlink()


def _same_size_same_mtime_edit(root: Path) -> None:
    views = root / "catalog" / "views.py"
    before = views.stat()
    views.write_text(views.read_text().replace("def legacy_export(", "def legacy_exporx("))
    os.utime(views, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert views.stat().st_size == before.st_size


def _change_requirements(root: Path) -> None:
    requirements = root / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("5.2", "4.1"))


def _add_a_parent_lock_file(root: Path) -> None:
    (root.parent / "uv.lock").write_text('[[package]]\nname = "uvicorn"\nversion = "0.30"\n')


@pytest.mark.parametrize(
    "change",
    [
        _edit_a_view,
        _add_a_file,
        _delete_a_file,
        _same_size_same_mtime_edit,
        _change_requirements,
        _add_a_parent_lock_file,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_any_change_misses_the_result_cache(
    trusted_bookshop: Path, change: Callable[[Path], None]
) -> None:
    root = trusted_bookshop
    change(root)
    again = run_scan(root)
    assert not served_from_result_cache(again)
    assert answer(again) == answer(run_scan(root, cache=False))
    # ...and the new answer is what the next unchanged scan replays.
    replayed = run_scan(root)
    assert served_from_result_cache(replayed)
    assert answer(replayed) == answer(again)


def test_a_changed_setting_misses_the_result_cache(trusted_bookshop: Path) -> None:
    root = trusted_bookshop
    slower = scan(root, build_settings(root, use_cache=True, latencies_ms={"external_http": 900.0}))
    assert not served_from_result_cache(slower)
    assert answer(slower) == answer(
        scan(root, build_settings(root, latencies_ms={"external_http": 900.0}))
    )
    assert not served_from_result_cache(run_scan(root))  # and back: the one slot was replaced


def test_a_new_tool_version_misses_the_result_cache(
    trusted_bookshop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collect_module, "__version__", "999.0")
    assert not served_from_result_cache(run_scan(trusted_bookshop))


def test_no_cache_neither_reads_nor_writes_the_result_cache(
    sample_projects: Path, tmp_path: Path, trust_fresh_files: None
) -> None:
    root = copy_project(sample_projects, "bookshop", tmp_path)
    assert not served_from_result_cache(run_scan(root, cache=False))
    assert not (root / ".advisor_cache").exists()
    run_scan(root)
    assert not served_from_result_cache(run_scan(root, cache=False))


def test_fresh_files_do_not_use_the_result_cache(sample_projects: Path, tmp_path: Path) -> None:
    root = copy_project(sample_projects, "bookshop", tmp_path)
    run_scan(root)
    assert not (root / ".advisor_cache" / RESULT_FILE).exists()
    assert not served_from_result_cache(run_scan(root))


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "hostile", "not a result"])
def test_a_damaged_result_cache_entry_is_ignored(
    trusted_bookshop: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = trusted_bookshop
    entry = root / ".advisor_cache" / RESULT_FILE
    data = entry.read_bytes()
    header = data[: data.index(b"\n") + 1]
    marker = root.parent / "pwned"
    monkeypatch.setenv("ADVISOR_PWNED", str(marker))
    entry.write_bytes(
        {
            "empty": b"",
            "truncated": data[: len(data) // 2],
            "garbage": header + b"\x80\x05garbage",
            "hostile": header + pickle.dumps(_Boom()),
            "not a result": header + pickle.dumps({"views": ()}),
        }[damage]
    )
    again = run_scan(root)
    assert not served_from_result_cache(again)
    assert not marker.exists()
    assert answer(again) == answer(run_scan(root, cache=False))
    assert served_from_result_cache(run_scan(root))  # the entry was rewritten whole


def test_scan_leaves_the_collector_unfrozen(sample_projects: Path, tmp_path: Path) -> None:
    root = copy_project(sample_projects, "bookshop", tmp_path)
    assert gc.get_freeze_count() == 0
    run_scan(root)
    assert gc.get_freeze_count() == 0
