"""Finding the project's Python files: what a scan reads and what it leaves alone.

Virtualenvs, migrations, VCS and build folders are skipped; user excludes are glob
patterns matched against the root-relative POSIX path (`.gitignore`-like: `docs/`,
`*/legacy/*`, `settings_local.py`). Symlinked directories are not followed, so a link loop
cannot trap the walk.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        ".env",
        "__pycache__",
        "node_modules",
        "migrations",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "build",
        "dist",
        ".eggs",
        "site-packages",
        ".advisor_cache",
        "static",
        "media",
    }
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


def _excluded(relative: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        if pattern.endswith("/"):
            directory = pattern.rstrip("/")
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


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def discover(root: Path, excludes: Iterable[str] = ()) -> Iterator[SourceFile | tuple[str, str]]:
    """Yield each Python file under `root`, or `(relative path, reason)` for one skipped
    with a reason worth reporting (too large, unreadable)."""
    patterns = tuple(excludes)
    root = root.resolve()
    for directory, subdirectories, filenames in os.walk(root, followlinks=False):
        current = Path(directory)
        kept = []
        for name in sorted(subdirectories):
            if name in SKIPPED_DIRECTORIES or name.endswith(".egg-info"):
                continue
            child = current / name
            if child.is_symlink() or _is_virtualenv(child):
                continue
            relative_dir = child.relative_to(root).as_posix()
            if _excluded(relative_dir + "/", patterns) or _excluded(relative_dir, patterns):
                continue
            kept.append(name)
        subdirectories[:] = kept
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = current / name
            relative = path.relative_to(root).as_posix()
            if _excluded(relative, patterns):
                continue
            try:
                info = path.stat()
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
            yield SourceFile(path, relative, module, is_package, size, stat_signature(info))
