"""Helpers for the rewrite proof (issue 7): build the Django environments of the matrix,
copy a sample project, run its own test suite and the `advisor` CLI as subprocesses.

A rewrite is only proven by the project's own tests passing on the target Django, so
everything here runs the way a user would: a fresh interpreter per Django version, the
project copied out of the repository, `manage.py test` with nothing of ours on its path.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PROJECTS = ROOT / "sample_projects"
EXPECTATIONS = ROOT / "tests" / "expectations"

# Cached virtualenvs live here (one per matrix row); CI may point this at a cached
# directory. Nothing in it belongs in git.
PROOF_ENVS = Path(os.environ.get("ADVISOR_PROOF_ENVS", ROOT / ".proof_envs"))

# Set in CI so a matrix row that cannot get its interpreter fails instead of skipping.
REQUIRE_ALL_ROWS = os.environ.get("ADVISOR_PROOF_REQUIRE_ALL", "") not in ("", "0")

# What a sample project's suite needs on top of Django: DRF for opsdesk, requests for
# the tests' own calls, httpx for the views once they are rewritten to an async client.
PROJECT_REQUIREMENTS = ("djangorestframework", "requests", "httpx")

# A variable that silences the very error this proof looks for, and variables that
# would make the suite import something other than the copied project.
_STRIPPED_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "VIRTUAL_ENV",
)

SUITE_TIMEOUT_S = 600
PIP_TIMEOUT_S = 1200


class EnvUnavailable(Exception):
    """The machine lacks what a matrix row needs (e.g. no Python 3.12): skip, not fail."""


class EnvCreationFailed(Exception):
    """The interpreter exists but the virtualenv could not be built: a real failure."""


@dataclass(frozen=True)
class SampleProject:
    """A sample project and the files its tests depend on besides the test modules."""

    name: str
    # Test helpers that are not named like tests; a rewrite must leave them alone too.
    test_support: tuple[str, ...]

    @property
    def source(self) -> Path:
        return SAMPLE_PROJECTS / self.name


@dataclass(frozen=True)
class MatrixRow:
    """One target: a Python minor, a Django series and the version the rewrite aims at."""

    id: str
    python: tuple[int, int]
    django_series: str  # "5.2": the env must have 5.2.x
    # Passed as `advisor rewrite --django-version`; None lets advisor read the project's
    # requirements (Django>=5.2,<5.3 for both samples).
    rewrite_django_version: str | None

    @property
    def env_name(self) -> str:
        """The cached virtualenv's directory: rows that share Python and Django share it."""
        return f"django-{self.django_series}-py{self.python[0]}.{self.python[1]}"

    @property
    def requirements(self) -> tuple[str, ...]:
        major, minor = (int(part) for part in self.django_series.split("."))
        return (f"Django>={major}.{minor},<{major}.{minor + 1}", *PROJECT_REQUIREMENTS)


@dataclass(frozen=True)
class ProofEnv:
    """A ready interpreter for one matrix row."""

    row: MatrixRow
    python: Path
    django_version: str
    created: bool  # False when reused from the cache or the current interpreter
    seconds: float


@dataclass(frozen=True)
class SuiteRun:
    """The outcome of `manage.py test -v 2`."""

    returncode: int
    output: str  # stdout and stderr interleaved, as a developer would see them
    tests_run: int | None  # from "Ran N tests"
    verdict: str | None  # unittest's last word: "OK", "OK (skipped=1)", "FAILED (errors=2)"
    outcomes: dict[str, str]  # "module.Class.test_name" -> "ok" / "skipped" / "FAIL" ...
    seconds: float

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


@dataclass(frozen=True)
class CommandRun:
    """A finished `advisor` subprocess."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.args)}\nexit {self.returncode}\n"
            f"--- stdout (tail) ---\n{_tail(self.stdout)}\n"
            f"--- stderr (tail) ---\n{_tail(self.stderr)}"
        )


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


# --- interpreters and virtualenvs ---------------------------------------------------------

_PROBE = r"""
import importlib.util, json, sys
info = {"python": list(sys.version_info[:2]),
        "has_venv": all(importlib.util.find_spec(m) for m in ("venv", "ensurepip"))}
try:
    import django
    info["django"] = django.get_version()
except ImportError:
    info["django"] = None
info["missing"] = [m for m in ("rest_framework", "requests", "httpx")
                   if importlib.util.find_spec(m) is None]
print(json.dumps(info))
"""


def clean_env() -> dict[str, str]:
    """The environment for subprocesses that run a sample project: nothing of ours leaks."""
    env = {k: v for k, v in os.environ.items() if k not in _STRIPPED_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def probe(python: Path) -> dict[str, Any] | None:
    """What an interpreter is and has, or None if it does not run (e.g. a dead pyenv shim)."""
    try:
        done = subprocess.run(
            [str(python), "-c", _PROBE],
            capture_output=True,
            text=True,
            env=clean_env(),
            cwd=python.parent,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    try:
        info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    return info


def _version_key(path: Path) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", path.parent.parent.name)
    return tuple(int(n) for n in numbers)


def _pyenv_roots() -> list[Path]:
    roots: list[Path] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    pyenv = shutil.which("pyenv")
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                roots.append(Path(done.stdout.strip()))
    roots.append(Path.home() / ".pyenv")
    return roots


def python_candidates(version: tuple[int, int]) -> list[Path]:
    """Where an interpreter of this minor version may be, most specific first.

    `ADVISOR_PROOF_PYTHON_3_12=/path/to/python` (for example) overrides the search.
    """
    major, minor = version
    found: list[Path] = []
    override = os.environ.get(f"ADVISOR_PROOF_PYTHON_{major}_{minor}")
    if override:
        found.append(Path(override))
    if sys.version_info[:2] == version:
        found.append(Path(sys.executable))
    for root in _pyenv_roots():
        found.extend(
            sorted(
                root.glob(f"versions/{major}.{minor}*/bin/python"), key=_version_key, reverse=True
            )
        )
    for name in (f"python{major}.{minor}",):
        which = shutil.which(name)
        if which:
            found.append(Path(which))
        found.extend(Path(d) / name for d in ("/usr/local/bin", "/usr/bin"))
    unique: list[Path] = []
    for path in found:
        if path not in unique and path.exists():
            unique.append(path)
    return unique


def find_python(version: tuple[int, int]) -> Path:
    """A working interpreter of that minor version that can create virtualenvs."""
    tried = []
    for candidate in python_candidates(version):
        info = probe(candidate)
        tried.append(f"{candidate}: {info}")
        if info and tuple(info["python"]) == version and info["has_venv"]:
            return candidate
    raise EnvUnavailable(
        f"no Python {version[0]}.{version[1]} with venv/ensurepip found "
        f"(set ADVISOR_PROOF_PYTHON_{version[0]}_{version[1]}); tried: {tried or 'nothing'}"
    )


def _fits(info: dict[str, Any] | None, row: MatrixRow) -> bool:
    if not info or tuple(info["python"]) != row.python or info["missing"]:
        return False
    django = info.get("django") or ""
    return bool(django == row.django_series or django.startswith(row.django_series + "."))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock, so parallel test runs build each env once and never half-see it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_env(row: MatrixRow, cache: Path = PROOF_ENVS) -> ProofEnv:
    """The interpreter for a row: the current one if it already fits (the project venv for
    Django 5.2 on 3.11), else a cached virtualenv, built on first use."""
    started = time.monotonic()
    current = probe(Path(sys.executable))
    if _fits(current, row):
        assert current is not None
        return ProofEnv(
            row, Path(sys.executable), current["django"], False, time.monotonic() - started
        )

    env_dir = cache / row.env_name
    python = env_dir / "bin" / "python"
    marker = env_dir / "proof-env.json"
    wanted = {"python": list(row.python), "requirements": list(row.requirements)}
    with _locked(cache / f"{row.env_name}.lock"):
        if marker.exists() and python.exists():
            recorded = json.loads(marker.read_text(encoding="utf-8"))
            info = probe(python)
            if recorded.get("wanted") == wanted and _fits(info, row):
                assert info is not None
                return ProofEnv(row, python, info["django"], False, time.monotonic() - started)
        base = find_python(row.python)
        shutil.rmtree(env_dir, ignore_errors=True)
        _run_or_raise([str(base), "-m", "venv", str(env_dir)], timeout=300)
        _run_or_raise(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *row.requirements,
            ],
            timeout=PIP_TIMEOUT_S,
        )
        info = probe(python)
        if not _fits(info, row):
            raise EnvCreationFailed(f"{env_dir} was built but does not fit {row}: {info}")
        assert info is not None
        # Written last: a marker means the env is complete.
        marker.write_text(json.dumps({"wanted": wanted, "probe": info}, indent=2), encoding="utf-8")
        return ProofEnv(row, python, info["django"], True, time.monotonic() - started)


def _run_or_raise(args: Sequence[str], timeout: int) -> None:
    try:
        done = subprocess.run(
            list(args),
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise EnvCreationFailed(f"timed out after {timeout}s: {' '.join(args)}") from error
    if done.returncode != 0:
        raise EnvCreationFailed(
            f"{' '.join(args)} exited {done.returncode}:\n"
            f"{_tail(done.stdout)}\n{_tail(done.stderr)}"
        )


# --- copies of the sample projects --------------------------------------------------------


def copy_project(project: SampleProject, destination: Path) -> Path:
    """Copy the project as <destination>/sample_projects/<name>, with its expectations file
    at <destination>/tests/expectations/, the layout the repository has: bookshop's own
    tests read that file relative to themselves and would skip one test without it."""
    target = destination / "sample_projects" / project.name
    shutil.copytree(
        project.source,
        target,
        ignore=shutil.ignore_patterns("db.sqlite3", "__pycache__", "*.pyc", ".advisor_cache"),
    )
    expectations = EXPECTATIONS / f"{project.name}.json"
    if expectations.exists():
        (destination / "tests" / "expectations").mkdir(parents=True, exist_ok=True)
        shutil.copy2(expectations, destination / "tests" / "expectations" / expectations.name)
    return target


def _is_test_module(relative: Path) -> bool:
    name = relative.name
    return (
        "tests" in relative.parts[:-1]
        or name in ("tests.py", "conftest.py")
        or name.startswith("test_")
        or name.endswith("_tests.py")
    )


def hash_test_files(project_dir: Path, project: SampleProject) -> dict[str, str]:
    """sha256 of every test module and test helper, keyed by path relative to the project."""
    hashes: dict[str, str] = {}
    for path in sorted(project_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(project_dir)
        if (
            _is_test_module(relative)
            or relative.as_posix() in project.test_support
            or any(
                relative.as_posix().startswith(s.rstrip("/") + "/") for s in project.test_support
            )
        ):
            hashes[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def changed_files(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def added_lines(original: Path, rewritten: Path, files: Sequence[str]) -> list[tuple[str, str]]:
    """(path, line) for each line a rewrite added to the .py files among `files`."""
    found: list[tuple[str, str]] = []
    for name in files:
        if not name.endswith(".py"):
            continue
        before_path, after_path = original / name, rewritten / name
        before = (
            before_path.read_text(encoding="utf-8").splitlines() if before_path.exists() else []
        )
        after = after_path.read_text(encoding="utf-8").splitlines() if after_path.exists() else []
        for line in difflib.unified_diff(before, after, lineterm="", n=0):
            if line.startswith("+") and not line.startswith("+++"):
                found.append((name, line[1:]))
    return found


def tree_hashes(project_dir: Path) -> dict[str, str]:
    """sha256 of every file in a project copy (for reporting what a rewrite touched)."""
    return {
        p.relative_to(project_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project_dir.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".advisor_cache" not in p.parts
    }


# --- running things -----------------------------------------------------------------------

_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_VERDICT = re.compile(r"^(OK|FAILED)(?: \(.*\))?$", re.MULTILINE)
# unittest -v prints "test_x (pkg.mod.Class.test_x)" (3.11+), optionally a docstring line,
# then " ... ok" / " ... skipped 'why'" / " ... FAIL" / " ... ERROR" / " ... expected failure".
_OUTCOME = re.compile(
    r"^(?P<method>\w+) \((?P<where>[\w.]+)\)(?:\n[^\n]*?)? \.\.\. "
    r"(?P<status>ok|skipped|FAIL|ERROR|expected failure|unexpected success)",
    re.MULTILINE,
)


def parse_suite_output(output: str) -> tuple[int | None, str | None, dict[str, str]]:
    """The test count, the verdict line and each test's status.

    The count and verdict are authoritative. The per-test statuses are best effort: output
    a view prints mid-test can split a "... ok" line, so callers compare only tests seen.
    """
    ran = _RAN.findall(output)
    verdict_lines = [m.group(0) for m in _VERDICT.finditer(output)]
    outcomes: dict[str, str] = {}
    for match in _OUTCOME.finditer(output):
        where = match["where"]
        # 3.11+ already ends with the method name; older unittest printed just the class.
        test_id = where if where.endswith("." + match["method"]) else f"{where}.{match['method']}"
        outcomes[test_id] = match["status"]
    verdict = verdict_lines[-1] if verdict_lines else None
    return (int(ran[-1]) if ran else None), verdict, outcomes


def run_django_tests(python: Path, project_dir: Path) -> SuiteRun:
    """`<python> manage.py test -v 2` in the copy, as a developer would run it."""
    started = time.monotonic()
    args = [str(python), "manage.py", "test", "-v", "2", "--noinput"]
    try:
        done = subprocess.run(
            args,
            cwd=project_dir,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=SUITE_TIMEOUT_S,
            check=False,
        )
        returncode, output = done.returncode, done.stdout
    except subprocess.TimeoutExpired as error:
        captured = error.stdout or b""
        text = captured.decode(errors="replace") if isinstance(captured, bytes) else captured
        returncode, output = -1, text + f"\n[proof] timed out after {SUITE_TIMEOUT_S}s"
    tests_run, verdict, outcomes = parse_suite_output(output)
    return SuiteRun(returncode, output, tests_run, verdict, outcomes, time.monotonic() - started)


def run_advisor(*args: str, cwd: Path | None = None) -> CommandRun:
    """The installed CLI through the current interpreter, as `python -m advisor ...`."""
    command = (sys.executable, "-m", "advisor", *args)
    started = time.monotonic()
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=SUITE_TIMEOUT_S,
        check=False,
    )
    return CommandRun(
        command, done.returncode, done.stdout, done.stderr, time.monotonic() - started
    )


def scan_views(project_dir: Path, django_version: str | None) -> dict[str, dict[str, Any]]:
    """`advisor scan --format json` of a project: {view id: view dict}."""
    args = ["scan", str(project_dir), "--format", "json", "--no-cache"]
    if django_version:
        args += ["--django-version", django_version]
    run = run_advisor(*args)
    if run.returncode != 0:
        raise AssertionError(f"advisor scan failed\n{run.describe()}")
    data = json.loads(run.stdout)
    return {view["id"]: view for view in data["views"]}


def category(view: dict[str, Any]) -> str | None:
    score = view.get("score")
    return score.get("category") if score else None
