"""`advisor rewrite --verify CMD`: the project's own tests decide which conversions stay.

CMD runs on a temporary copy of the project, first unchanged (the baseline), then with the
whole rewrite applied. When the results get worse, the converted views are bisected (each
run bounded by a timeout) until the views that make tests fail are found; those are dropped,
naming the tests, and the rest is run once more. CMD runs under advisor's observer (the same
`sitecustomize` as `advisor observe`), which records every test's outcome and every view a
request reached, so a converted view no test requested is flagged. Counts come from the
observer, else from pytest's or unittest's summary line, else from the exit code alone.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.runtime.observe import merge_records, observed_environment

_NOT_COPIED = frozenset({".git", ".hg", ".svn", ".advisor_cache", "__pycache__", ".tox", ".nox"})
_FAILING = frozenset({"failed", "error"})


class VerifyError(Exception):
    """CMD cannot be run at all; the message is one line."""


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """One run of CMD: what passed and failed, and which views its requests reached."""

    returncode: int
    seconds: float
    timed_out: bool = False
    passed: int | None = None
    failed: int | None = None  # failures and errors together
    failing_tests: frozenset[str] = frozenset()
    requested_views: frozenset[str] = frozenset()
    counted_by: str = "exit code"  # "observer", "pytest output", "unittest output"
    tail: str = ""  # the last lines of its output, for a run that could not be counted

    def describe(self) -> str:
        if self.timed_out:
            return f"timed out after {self.seconds:.0f} s"
        if self.passed is None:
            return f"exit code {self.returncode}"
        return f"{self.passed} passed, {self.failed or 0} failed (exit code {self.returncode})"


def worse(baseline: SuiteRun, run: SuiteRun) -> bool:
    """True when `run` is worse than `baseline`: a timeout, a test failing that passed in
    the baseline, fewer tests passing, or (when neither run could be counted) an exit code
    that went from success to failure."""
    if run.timed_out and not baseline.timed_out:
        return True
    if run.failing_tests - baseline.failing_tests:
        return True
    if run.passed is not None and baseline.passed is not None:
        return run.passed < baseline.passed or (run.failed or 0) > (baseline.failed or 0)
    return baseline.returncode == 0 and run.returncode != 0


def new_failures(baseline: SuiteRun, run: SuiteRun) -> list[str]:
    return sorted(run.failing_tests - baseline.failing_tests)


# --- running CMD ----------------------------------------------------------------------------

_PYTEST_SUMMARY = re.compile(r"^=*\s*(?P<body>(?:\d+ \w+(?:, )?)+) in [\d.]+\s*s", re.MULTILINE)
_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|xpassed)")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in [\d.]+s\s*$", re.MULTILINE)
_UNITTEST_VERDICT = re.compile(r"^(OK|FAILED)\b(?: \((?P<detail>[^)]*)\))?\s*$", re.MULTILINE)
_PYTEST_FAILED_ID = re.compile(r"^(?:FAILED|ERROR) (\S+::\S+)", re.MULTILINE)
_UNITTEST_FAILED_ID = re.compile(r"^(?:FAIL|ERROR): (\w+) \(([\w.]+)\)", re.MULTILINE)


def parse_counts(output: str) -> tuple[int, int, str] | None:
    """(passed, failed, which parser) from a pytest or unittest summary, or None."""
    pytest_lines = list(_PYTEST_SUMMARY.finditer(output))
    if pytest_lines:
        counts: dict[str, int] = {}
        for number, word in _PYTEST_COUNT.findall(pytest_lines[-1].group("body")):
            key = "error" if word.startswith("error") else word
            counts[key] = counts.get(key, 0) + int(number)
        passed = counts.get("passed", 0) + counts.get("xpassed", 0)
        return passed, counts.get("failed", 0) + counts.get("error", 0), "pytest output"
    ran = list(_UNITTEST_RAN.finditer(output))
    verdict = list(_UNITTEST_VERDICT.finditer(output))
    if ran and verdict:
        total = int(ran[-1].group(1))
        detail = dict(
            (name.strip(), int(value))
            for name, value in re.findall(r"(\w+)=(\d+)", verdict[-1].group("detail") or "")
        )
        failed = detail.get("failures", 0) + detail.get("errors", 0)
        failed += detail.get("unexpected_successes", 0)
        not_run = detail.get("skipped", 0) + detail.get("expected_failures", 0)
        return max(total - failed - not_run, 0), failed, "unittest output"
    return None


def _failing_from_output(output: str) -> set[str]:
    found = set(_PYTEST_FAILED_ID.findall(output))
    found |= {f"{where}.{name}" for name, where in _UNITTEST_FAILED_ID.findall(output)}
    found |= {where for name, where in _UNITTEST_FAILED_ID.findall(output) if "." in where}
    return found


def run_suite(command: Sequence[str], cwd: Path, timeout: float) -> SuiteRun:
    """Run `command` in `cwd` under the observer, bounded by `timeout` seconds."""
    with tempfile.TemporaryDirectory(prefix="advisor-verify-") as folder:
        environ, records = observed_environment(Path(folder), cwd, os.environ)
        # Files are swapped between runs within the same second: never trust a .pyc.
        environ["PYTHONDONTWRITEBYTECODE"] = "1"
        started = time.perf_counter()
        timed_out = False
        try:
            process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise VerifyError(f"--verify: cannot run {command[0]}: {error.strerror}") from error
        try:
            raw, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            raw, _ = process.communicate()
        except BaseException:
            # Ctrl-C reaches only advisor (CMD runs in a session of its own): end CMD too.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        seconds = time.perf_counter() - started
        parts = []
        for path in sorted(records.glob("*.json")):
            try:
                parts.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue  # a worker killed mid-write
    output = raw.decode("utf-8", errors="replace")
    merged = merge_records(parts) if parts else {"tests": {}, "views": {}}
    return _suite_run(process.returncode, seconds, timed_out, output, merged)


def _suite_run(
    returncode: int, seconds: float, timed_out: bool, output: str, merged: dict[str, Any]
) -> SuiteRun:
    tests: dict[str, Any] = merged.get("tests", {})
    views = frozenset(str(v) for v in merged.get("views", {}))
    tail = "\n".join(output.rstrip().splitlines()[-5:])
    failing = {t for t, entry in tests.items() if entry.get("outcome") in _FAILING}
    counted = parse_counts(output)
    if tests:
        passed = sum(1 for entry in tests.values() if entry.get("outcome") == "passed")
        return SuiteRun(
            returncode, seconds, timed_out, passed, len(failing), frozenset(failing), views,
            "observer", tail,
        )  # fmt: skip
    failing |= _failing_from_output(output)
    if counted is not None:
        passed, failed, parser = counted
        return SuiteRun(
            returncode, seconds, timed_out, passed, failed, frozenset(failing), views, parser,
            tail,
        )  # fmt: skip
    return SuiteRun(
        returncode, seconds, timed_out, None, None, frozenset(failing), views, "exit code", tail
    )


# --- the copy and the bisection -------------------------------------------------------------


def copy_project(root: Path, into: Path) -> Path:
    """Copy the project for the runs; virtualenvs inside it are linked, not copied."""

    links: list[tuple[Path, Path]] = []

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in _NOT_COPIED}
        for name in names:
            if (Path(folder) / name / "pyvenv.cfg").is_file():
                links.append((Path(folder, name).resolve(), Path(folder, name)))
                skipped.add(name)
        return skipped

    target = into / root.name
    shutil.copytree(root, target, ignore=ignore, symlinks=True)
    for venv, where in links:
        (target / where.relative_to(root)).symlink_to(venv, target_is_directory=True)
    return target


Changes = dict[str, tuple[bytes, bytes]]


@dataclass
class Verification:
    """What --verify found: the baseline, the views dropped (with the tests each one
    broke), every run made, and the views the tests requested."""

    command: str
    baseline: SuiteRun
    dropped: dict[str, list[str]] = field(default_factory=dict)
    runs: int = 0
    final: SuiteRun | None = None

    @property
    def requested_views(self) -> frozenset[str]:
        final = self.final.requested_views if self.final else frozenset()
        return self.baseline.requested_views | final


class Verifier:
    """Runs CMD in one copy of the project, swapping in the files of a set of views."""

    def __init__(self, root: Path, command: str, timeout: float | None, workdir: Path) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as error:
            raise VerifyError(f"--verify: cannot split {command!r}: {error}") from error
        if not self.argv:
            raise VerifyError("--verify needs a command, e.g. --verify 'python manage.py test'")
        if (
            shutil.which(self.argv[0], path=os.environ.get("PATH")) is None
            and not (root / self.argv[0]).is_file()
        ):
            raise VerifyError(f"--verify: cannot run {self.argv[0]}: not found or not executable")
        self.command = command
        self.copy = copy_project(root, workdir)
        self.timeout = timeout
        self.touched: Changes = {}

    def run(self, changes: Changes) -> SuiteRun:
        for path, (before, _) in changes.items():
            self.touched.setdefault(path, (before, before))
        for path, (before, _) in self.touched.items():
            wanted = changes[path][1] if path in changes else before
            (self.copy / path).write_bytes(wanted)
        return run_suite(self.argv, self.copy, self.timeout or 3600.0)

    def baseline(self) -> SuiteRun:
        run = self.run({})
        if self.timeout is None:
            # Each later run gets a generous multiple of the baseline's time.
            self.timeout = max(120.0, 5 * run.seconds)
        return run


def verify(
    verifier: Verifier,
    views: Sequence[str],
    changes_for: Callable[[Sequence[str]], Changes],
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[Verification, list[str]]:
    """The views among `views` (converted ones) that keep CMD at its baseline, and what the
    runs found. `changes_for(subset)` is the rewrite of just those views."""
    progress(f"--verify: baseline run of `{verifier.command}`")
    baseline = verifier.baseline()
    found = Verification(verifier.command, baseline)
    found.runs = 1
    kept = list(views)
    if not kept:
        return found, kept

    runs: dict[frozenset[str], SuiteRun] = {frozenset(): baseline}

    def attempt(subset: Sequence[str]) -> SuiteRun:
        key = frozenset(subset)
        if key not in runs:
            found.runs += 1
            progress(f"--verify: run {found.runs} with {len(subset)} converted view(s)")
            runs[key] = verifier.run(changes_for(subset))
        return runs[key]

    def culprits(good: list[str], suspects: list[str], known_bad: SuiteRun | None) -> list[str]:
        if not suspects:
            return []
        run = known_bad or attempt(good + suspects)
        if not worse(baseline, run):
            return []
        if len(suspects) == 1:
            found.dropped[suspects[0]] = new_failures(baseline, run) or [run.describe()]
            return suspects
        half = len(suspects) // 2
        bad = culprits(good, suspects[:half], None)
        good = good + [v for v in suspects[:half] if v not in bad]
        return bad + culprits(good, suspects[half:], None)

    run = attempt(kept)
    while kept and worse(baseline, run):
        bad = culprits([], kept, run)
        if not bad:
            # Worse only all together, or flaky: nothing is kept that was not proven.
            for view in kept:
                found.dropped[view] = new_failures(baseline, run) or [run.describe()]
            kept, run = [], baseline
            break
        kept = [v for v in kept if v not in bad]
        run = attempt(kept)
    found.final = run
    return found, kept
