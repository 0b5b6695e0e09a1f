"""Per-project sdists, virtualenvs and suite runs for the accuracy harness.

Everything is cached under one folder (``$ADVISOR_ACCURACY_CACHE``, default
``~/.cache/django-async-advisor/accuracy``): the sdist as downloaded, one virtualenv per
project keyed by its pinned requirements, and the work trees. The virtualenv holds the
project's dependencies but not the project itself: every run imports the project from the
tree under test (``PYTHONPATH`` and the working directory), so the baseline runs the
pristine sdist and the rewrite proof runs the rewritten copy with the same dependencies.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .projects import RealProject

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from advisor.runtime.inject import PACKAGE  # noqa: E402

# The rewrite may turn `requests` calls into `httpx.AsyncClient` ones: the proof needs it.
REWRITE_RUNTIME = ("httpx==0.28.1",)
SUITE_TIMEOUT_S = 900


def cache_root() -> Path:
    configured = os.environ.get("ADVISOR_ACCURACY_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "django-async-advisor" / "accuracy"


def work_root() -> Path:
    """Where a run unpacks, rewrites and observes; $ADVISOR_ACCURACY_WORK keeps two
    concurrent runs (two checkouts, say) out of each other's trees."""
    configured = os.environ.get("ADVISOR_ACCURACY_WORK")
    return Path(configured).expanduser() if configured else cache_root() / "work"


Log = Callable[[str], None]


def _run(argv: list[str], log_file: Path, **kwargs: object) -> None:
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(argv)}\n")
        log.flush()
        completed = subprocess.run(
            argv, stdout=log, stderr=subprocess.STDOUT, check=False, **kwargs
        )  # type: ignore[call-overload]
    if completed.returncode != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        raise RuntimeError(
            f"{' '.join(argv[:4])}… failed (rc {completed.returncode}):\n" + "\n".join(tail)
        )


def sdist(project: RealProject, log: Log) -> Path:
    """The project's sdist from the package index (PEP 691 JSON), downloaded once, hash-checked.

    Only the file is fetched: `pip download` would build the package's metadata, which runs
    its setup.py (and setup_requires) for nothing.
    """
    folder = cache_root() / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    for candidate in folder.iterdir():
        if _is_sdist_of(candidate.name, project):
            return candidate
    log(f"{project.name}: downloading {project.dist}=={project.version}")
    index = os.environ.get("ADVISOR_ACCURACY_INDEX", "https://pypi.org/simple")
    request = urllib.request.Request(
        f"{index.rstrip('/')}/{project.dist}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    for entry in files:
        if _is_sdist_of(entry["filename"], project):
            with urllib.request.urlopen(entry["url"], timeout=120) as response:
                data = response.read()
            if hashlib.sha256(data).hexdigest() != entry["hashes"]["sha256"]:
                raise RuntimeError(f"{entry['filename']}: sha256 differs from the index's")
            target = folder / entry["filename"]
            partial = target.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(target)
            return target
    raise RuntimeError(f"{project.dist}=={project.version}: the index lists no sdist")


def _is_sdist_of(filename: str, project: RealProject) -> bool:
    stem = filename.lower().replace("-", "_")
    return stem == f"{project.dist.lower().replace('-', '_')}_{project.version}.tar.gz"


def unpack(project: RealProject, archive: Path, target: Path) -> Path:
    """A fresh tree of the sdist at `target`, with the files the harness adds written in."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    (top,) = [p for p in target.iterdir() if p.is_dir()]
    for relative, text in project.files.items():
        path = top / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for relative in project.remove:
        doomed = top / relative
        if doomed.is_dir():
            shutil.rmtree(doomed)
        elif doomed.exists():
            doomed.unlink()
    return top


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def site_packages(self) -> Path:
        (found,) = (self.root / "lib").glob("python3.*/site-packages")
        return found


def venv(project: RealProject, tree: Path, log: Log) -> Venv:
    """The project's virtualenv: its dependencies and pins, without the project itself."""
    key = hashlib.sha256(
        "\n".join([project.python, PACKAGE, *project.requirements, *REWRITE_RUNTIME]).encode()
    ).hexdigest()[:12]
    root = cache_root() / "venvs" / f"{project.name}-{project.version}-{key}"
    env = Venv(root)
    if not (root / ".complete").exists():
        log(f"{project.name}: building its virtualenv (Python {project.python})")
        if root.exists():
            shutil.rmtree(root)
        root.parent.mkdir(parents=True, exist_ok=True)
        build_log = root.parent / f"{root.name}.log"
        build_log.write_text("", encoding="utf-8")
        _run([_interpreter(project.python), "-m", "venv", str(root)], build_log)
        pip = [str(env.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        # The project from its sdist brings its declared dependencies; the pins go with it so
        # that pip resolves them together.
        _run([*pip, str(tree), *project.requirements, *REWRITE_RUNTIME], build_log)
        _run([str(env.python), "-m", "pip", "uninstall", "--quiet", "-y", project.dist], build_log)
        (root / ".complete").write_text(time.strftime("%Y-%m-%d %H:%M:%S"), encoding="utf-8")
    remove_stale_hook(env)
    return env


def _interpreter(version: str) -> str:
    found = shutil.which(f"python{version}")
    if found is None:
        raise RuntimeError(f"python{version} is not on PATH")
    return found


def remove_stale_hook(env: Venv) -> None:
    """Earlier harness versions loaded the observer from a .pth in the venv; the suite now
    runs under `advisor observe`, and two observers in one interpreter would hide each
    other's direct-call windows."""
    for stale in env.site_packages.glob("_advisor_*.pth"):
        stale.unlink()


@dataclass(frozen=True)
class SuiteRun:
    truth_file: Path
    log_file: Path
    returncode: int
    seconds: float


def run_suite(
    project: RealProject, env: Venv, tree: Path, out: Path, label: str, observed: bool = True
) -> SuiteRun:
    """Run the project's own test command on `tree` under `advisor observe`, which writes
    `out` (or plainly, with `observed=False`, to measure what observing costs)."""
    if out.exists():
        out.unlink()
    log_file = out.with_suffix(".log")
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONHOME", "PYTEST_ADDOPTS", "DJANGO_SETTINGS_MODULE"}
    }
    environ.update(
        {
            "PATH": f"{env.root / 'bin'}{os.pathsep}{environ.get('PATH', '')}",
            "VIRTUAL_ENV": str(env.root),
            "PYTHONPATH": os.pathsep.join(str(tree / p) for p in project.pythonpath),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTEST_ADDOPTS": "-p no:cacheprovider",
        }
    )
    if project.settings:
        environ["DJANGO_SETTINGS_MODULE"] = project.settings
    environ.update(project.env)
    command = [str(env.python) if part == "{python}" else part for part in project.test_command]
    # The ground truth comes from the product's own `advisor observe`.
    # (advisor imports from this checkout; the suite's own PYTHONPATH is left as it is.)
    launcher = f"import sys; sys.path.insert(0, {str(HERE.parents[1])!r}); "
    launcher += "from advisor.cli import main; sys.argv[0] = 'advisor'; main()"
    argv = [
        sys.executable,
        "-c",
        launcher,
        "observe",
        "--root",
        str(tree),
        "-o",
        str(out),
        "--",
        *command,
    ]
    if not observed:
        argv = command
    started = time.perf_counter()
    with log_file.open("w", encoding="utf-8") as log:
        log.write(f"# {label}: {' '.join(argv)} (in {tree})\n")
        log.flush()
        try:
            completed = subprocess.run(
                argv,
                cwd=tree,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=SUITE_TIMEOUT_S,
                check=False,
            )
            returncode = completed.returncode
        except subprocess.TimeoutExpired:
            log.write(f"\n# timed out after {SUITE_TIMEOUT_S} s\n")
            returncode = -1
    return SuiteRun(out, log_file, returncode, time.perf_counter() - started)
