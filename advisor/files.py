"""Finding the project's Python files: what a scan reads and what it leaves alone.

Virtualenvs (by their marker files, under any name), migrations, VCS and build folders are
skipped; the default excludes can be replaced; user excludes are glob
patterns matched against the root-relative POSIX path (`.gitignore`-like: `docs/`,
`*/legacy/*`, `settings_local.py`). Symlinked directories are not followed, so a link loop
cannot trap the walk.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Never Python sources of the project, whatever the configuration says.
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", "__pycache__", ".advisor_cache"})
# Folders that hold tooling output, dependencies or generated code. `[tool.advisor] exclude`
# replaces this list (as ruff's `exclude` does) and `--no-default-excludes` empties it;
# `extend-exclude` and `--exclude` add to it.
DEFAULT_EXCLUDES = (
    ".tox/",
    ".nox/",
    ".eggs/",
    "*.egg-info/",
    "node_modules/",
    "migrations/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".pytest_cache/",
    "site-packages/",
    # Usually a virtualenv, a build output or collected assets; skipped unless the folder
    # is a Python package (an app named `media` or `static`). Virtualenvs under any name
    # are skipped by their marker files.
    "build/",
    "dist/",
    "static/",
    "media/",
    "env/",
    ".env/",
    "venv/",
    ".venv/",
)
_UNLESS_PACKAGE = frozenset({"build", "dist", "static", "media", "env", ".env", "venv", ".venv"})
# What makes a folder a virtualenv (venv, virtualenv >= 20, uv) or a conda environment.
VIRTUALENV_MARKERS = ("pyvenv.cfg", "conda-meta")
# Kept for callers that asked which names are skipped by default.
SKIPPED_DIRECTORIES = frozenset(
    {*ALWAYS_SKIPPED, *(p.rstrip("/") for p in DEFAULT_EXCLUDES if "*" not in p)}
)

# Files larger than this are reported and skipped: generated code, vendored bundles.
MAX_FILE_BYTES = 5 * 1024 * 1024


# What proves a file unchanged without reading it: size, mtime_ns, ctime_ns, inode, device.
StatSignature = tuple[int, int, int, int, int]


def stat_signature(status: os.stat_result) -> StatSignature:
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path
    relative: str  # POSIX, relative to the scan root
    module: str  # dotted module name relative to the scan root
    is_package: bool
    size: int
    # From the walk's own stat, so the caches need not stat every file again.
    signature: StatSignature | None = None


def module_name(relative: str) -> tuple[str, bool]:
    parts = relative[: -len(".py")].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


@functools.lru_cache(maxsize=16384)
def _matches(name: str, pattern: str) -> bool:
    """`fnmatch`, remembered: the default excludes are matched against every folder name of
    every folder's path, and the same package names come up thousands of times."""
    return fnmatch.fnmatch(name, pattern)


def _excluded(relative: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        if pattern.endswith("/"):
            directory = pattern.rstrip("/")
            if "/" not in directory:  # `migrations/`, `*.egg-info/`: a folder at any depth
                if any(_matches(part, directory) for part in relative.split("/")[:-1]):
                    return True
                if relative.endswith("/") and _matches(relative.rstrip("/"), directory):
                    return True
                continue
            if (
                relative == directory
                or relative.startswith(directory + "/")
                or ("/" + directory + "/" in "/" + relative)
            ):
                return True
            continue
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(
            relative.rsplit("/", 1)[-1], pattern
        ):
            return True
    return False


def _is_virtualenv(directory: str) -> bool:
    return any(os.path.exists(os.path.join(directory, marker)) for marker in VIRTUALENV_MARKERS)


def _default_excluded(child: str, name: str, relative_dir: str, defaults: tuple[str, ...]) -> bool:
    if not _excluded(relative_dir + "/", defaults):
        return False
    # `media/` or `static/` that is an app the URLconf includes is scanned.
    return not (name in _UNLESS_PACKAGE and os.path.isfile(os.path.join(child, "__init__.py")))


def discover(
    root: Path, excludes: Iterable[str] = (), defaults: Iterable[str] = DEFAULT_EXCLUDES
) -> Iterator[SourceFile | tuple[str, str]]:
    """Yield each Python file under `root`, or `(relative path, reason)` for one skipped
    with a reason worth reporting (too large, unreadable). `excludes` are the user's
    patterns, `defaults` the default excludes (or the user's replacement for them)."""
    patterns = tuple(excludes)
    default_patterns = tuple(defaults)
    root = root.resolve()
    # Paths are built as strings (one Path per file, for SourceFile): on 6,500 files the Path
    # arithmetic cost more than the stats.
    root_text = str(root)
    prefix = os.path.join(root_text, "")
    for directory, subdirectories, filenames in os.walk(root, followlinks=False):
        current = Path(directory)
        here = "" if directory == root_text else directory[len(prefix) :].replace(os.sep, "/")
        kept = []
        for name in sorted(subdirectories):
            if name in ALWAYS_SKIPPED:
                continue
            child = os.path.join(directory, name)
            if os.path.islink(child) or _is_virtualenv(child):
                continue
            relative_dir = f"{here}/{name}" if here else name
            if _default_excluded(child, name, relative_dir, default_patterns):
                continue
            if _excluded(relative_dir + "/", patterns) or _excluded(relative_dir, patterns):
                continue
            kept.append(name)
        subdirectories[:] = kept
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            relative = f"{here}/{name}" if here else name
            if _excluded(relative, patterns):
                continue
            try:
                info = os.stat(os.path.join(directory, name))
            except OSError as error:
                yield relative, f"cannot stat: {error.strerror}"
                continue
            # A FIFO or device named *.py would block the read forever.
            if not stat.S_ISREG(info.st_mode):
                yield relative, "skipped: not a regular file"
                continue
            size = info.st_size
            if size > MAX_FILE_BYTES:
                yield relative, f"skipped: {size // 1024} KiB is larger than the 5 MiB limit"
                continue
            module, is_package = module_name(relative)
            yield SourceFile(
                current / name, relative, module, is_package, size, stat_signature(info)
            )
