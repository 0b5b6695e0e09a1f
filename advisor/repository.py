"""Where the scanned folder sits in its repository: the git work tree that holds it (a `.git`
folder, or the `.git` file of a worktree or submodule), else the folder itself. Reports name
files relative to that root, so SARIF annotations land on the right files when the Django
project is a subfolder, and no report carries a path of the machine it was made on."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def repository_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` that holds `.git`, or None."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def project_location(folder: Path) -> tuple[str, bool]:
    """The scanned folder as reports name it: a POSIX path relative to its repository root
    ("." when it is the root), and whether it is inside a repository at all (if not, "."
    means the scanned folder itself)."""
    folder = folder.resolve()
    root = repository_root(folder)
    if root is None:
        return ".", False
    relative = PurePosixPath(*folder.relative_to(root).parts)
    return (str(relative) if relative.parts else "."), True
