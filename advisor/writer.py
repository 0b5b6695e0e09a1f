"""The one way advisor writes a user's files: atomically, and all-or-nothing across files.

Each file is staged next to its target and renamed into place, so a reader never sees half
a file. Several files (a rewrite's patch) are first all checked (a read-only file is refused,
not replaced: the user made it so), then all staged, then renamed; if a rename fails, the
files already replaced get their old content back, and one line says what happened.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


class WriteError(Exception):
    """Nothing (or nothing lasting) was written; the message is one line for the user."""


def _default_mode() -> int:
    # mkstemp makes files private (0600); use what a plain open() would have given.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _refusal(target: Path, shown: str) -> str | None:
    parent = target.parent
    if not parent.is_dir():
        return f"{shown}: the folder {parent} does not exist"
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return f"{shown}: not a regular file"
    if target.exists() and not target.stat().st_mode & _WRITE_BITS:
        return f"{shown}: the file is read-only"
    if not os.access(parent, os.W_OK):
        return f"{shown}: its folder is not writable"
    return None


def _stage(target: Path, data: bytes) -> Path:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    staged = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if target.exists():
            shutil.copymode(target, staged)
        else:
            os.chmod(staged, _default_mode())
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def _backup(target: Path) -> Path | None:
    """A copy of the current content of `target`, to put back if a later rename fails."""
    if not target.exists():
        return None
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".orig")
    os.close(handle)
    try:
        shutil.copy2(target, name)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def write_file(path: Path, data: bytes) -> None:
    """Write one file atomically (see `write_files`)."""
    path = path.absolute()
    write_files(path.parent, {path.name: data})


def write_files(root: Path, contents: Mapping[str, bytes]) -> list[str]:
    """Write every `root/path` with its bytes, all or nothing; returns the paths written.
    Raises WriteError, with nothing changed, when any file cannot be written."""
    ordered = sorted(contents)
    for path in ordered:
        problem = _refusal(root / path, path)
        if problem is not None:
            raise WriteError(f"cannot write {problem}; nothing was written")
    staged: list[tuple[Path, Path, Path | None]] = []  # target, new content, old content
    try:
        for path in ordered:
            target = root / path
            try:
                staged.append((target, _stage(target, contents[path]), _backup(target)))
            except OSError as error:
                raise WriteError(
                    f"cannot write {path}: {error.strerror or error}; nothing was written"
                ) from error
        replaced: list[tuple[Path, Path | None]] = []
        for target, new, old in staged:
            try:
                os.replace(new, target)
            except OSError as error:
                restored = _restore(replaced)
                shown = target.relative_to(root) if target.is_relative_to(root) else target
                raise WriteError(
                    f"writing {shown} failed ({error.strerror or error}); "
                    f"{restored} file(s) already replaced were restored, nothing was changed"
                ) from error
            replaced.append((target, old))
    finally:
        for _, new, old in staged:
            new.unlink(missing_ok=True)
            if old is not None:
                old.unlink(missing_ok=True)
    return ordered


def _restore(replaced: list[tuple[Path, Path | None]]) -> int:
    count = 0
    for target, old in reversed(replaced):
        with contextlib.suppress(OSError):
            if old is None:
                target.unlink()
            else:
                os.replace(old, target)
            count += 1
    return count
