"""Where a project's imports start and which project a folder holds, read the way Python and
Django would: the folder of `manage.py` (Django puts it on sys.path), a `src/` layout, the
package folders declared in pyproject.toml (`[tool.setuptools] package-dir`,
`[tool.setuptools.packages.find] where`, poetry's `packages = [{from = ...}]`, hatch's wheel
`packages`) or setup.cfg (`[options] package_dir`, `[options.packages.find] where`), and,
when a folder holds several projects (several manage.py side by side), the one scanned."""

from __future__ import annotations

import configparser
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from advisor.files import SourceFile, module_name


class LayoutError(ValueError):
    """A `--project` that names no manage.py of the scanned tree; the message says so."""


@dataclass(frozen=True, slots=True)
class Layout:
    # Root-relative POSIX folders that imports start from, most specific first; "" is the
    # scanned folder itself.
    import_roots: tuple[str, ...]
    manage_py: str | None = None  # the chosen project's manage.py, root-relative
    # Other projects' folders (a manage.py beside the chosen one's): not scanned.
    other_projects: tuple[str, ...] = ()
    chosen_by: str = ""  # "--project", "the shallowest manage.py", ...

    # The folder the chosen project's imports start from: manage.py's, or above it when
    # manage.py sits inside a package (`wagtail/test/manage.py` names `wagtail.test.settings`).
    project_root: str = ""

    @property
    def primary_root(self) -> str:
        """Where the project runs from: manage.py's folder, else the first source root."""
        if self.manage_py is not None:
            return self.project_root
        return self.import_roots[0] if self.import_roots else ""

    def module(self, file: SourceFile) -> tuple[str, bool]:
        """The dotted name Python would import `file` as."""
        for import_root in self.import_roots:
            if import_root and file.relative.startswith(import_root + "/"):
                return module_name(file.relative[len(import_root) + 1 :])
        return file.module, file.is_package

    def skips(self, relative: str) -> bool:
        """Whether `relative` belongs to another project of the folder."""
        return any(relative.startswith(other + "/") for other in self.other_projects)

    def note(self) -> str | None:
        """One line when the folder holds several projects: which one was taken."""
        if not self.other_projects or self.manage_py is None:
            return None
        others = ", ".join(f"{o}/manage.py" for o in self.other_projects[:4])
        more = f" and {len(self.other_projects) - 4} more" if len(self.other_projects) > 4 else ""
        return (
            f"several Django projects in this folder: scanned {self.manage_py} "
            f"({self.chosen_by}); not scanned: {others}{more}; pick one with "
            "--project PATH/manage.py"
        )


def _parent(relative: str) -> str:
    parent = PurePosixPath(relative).parent.as_posix()
    return "" if parent == "." else parent


def find_layout(root: Path, files: Iterable[SourceFile], project: str | None = None) -> Layout:
    """The layout of the tree at `root` (already resolved). `project` is `--project`: a
    manage.py (or its folder), absolute or relative to the current folder or to `root`."""
    files = list(files)
    manages = sorted(
        (
            f.relative
            for f in files
            if f.relative.rsplit("/", 1)[-1] == "manage.py" and not _is_template(f.path)
        ),
        key=lambda r: (r.count("/"), r),
    )
    chosen: str | None = None
    chosen_by = ""
    if project is not None:
        chosen = _chosen_project(root, project, manages)
        chosen_by = "--project"
    elif manages:
        chosen = manages[0]
        chosen_by = "the shallowest manage.py" if len(manages) > 1 else "its manage.py"
    others: list[str] = []
    if chosen is not None:
        home = _parent(chosen)
        for other in manages:
            folder = _parent(other)
            # A manage.py inside the chosen project (a test project, an example) or above
            # it is part of the same tree; only a sibling is another project.
            if other == chosen or _inside(folder, home) or _inside(home, folder):
                continue
            if not any(_inside(folder, kept) for kept in others):
                others.append(folder)
    declared = declared_source_roots(root)
    roots: list[str] = []
    home = _import_home(chosen, {f.relative for f in files}) if chosen is not None else ""
    if home:
        roots.append(home)
    for folder in declared:
        if folder not in roots:
            roots.append(folder)
    # `src/pkg/__init__.py`: a src layout (unless `src` is itself the package).
    if (
        "src" not in roots
        and not any(f.relative == "src/__init__.py" for f in files)
        and any(
            f.relative.startswith("src/") and f.relative.count("/") == 2 and f.is_package
            for f in files
        )
    ):
        roots.append("src")
    # Most specific first, so a nested root wins over the folder above it.
    roots.sort(key=lambda r: (-r.count("/"), r))
    return Layout(tuple(roots), chosen, tuple(others), chosen_by, home)


def _import_home(manage_py: str, relatives: set[str]) -> str:
    """manage.py's folder, or the first folder above it that is not a package: a manage.py
    inside a package is run as part of it (its settings are named from above)."""
    folder = _parent(manage_py)
    while folder and f"{folder}/__init__.py" in relatives:
        folder = _parent(folder)
    return folder


def _is_template(path: Path) -> bool:
    """A project template's manage.py (`{{ project_name }}.settings`), not a project."""
    try:
        return "{{" in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _inside(folder: str, parent: str) -> bool:
    return parent == "" or folder == parent or folder.startswith(parent + "/")


def _chosen_project(root: Path, project: str, manages: list[str]) -> str:
    given = Path(project)
    candidates = [given, root / given] if not given.is_absolute() else [given]
    for candidate in candidates:
        target = candidate / "manage.py" if candidate.is_dir() else candidate
        try:
            relative = target.resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            continue
        if relative in manages:
            return relative
    known = ", ".join(manages[:5]) or "none"
    raise LayoutError(f"--project {project}: not a manage.py of {root} (found: {known})")


def declared_source_roots(root: Path) -> list[str]:
    """Package folders pyproject.toml or setup.cfg at `root` declare, root-relative."""
    found: list[str] = []

    def add(folder: Any) -> None:
        if not isinstance(folder, str):
            return
        folder = folder.strip().strip("/").removeprefix("./")
        if folder in ("", ".") or ".." in folder.split("/") or folder in found:
            return
        if (root / folder).is_dir():
            found.append(folder)

    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data: Any = tomllib.loads(pyproject.read_text(encoding="utf-8", errors="replace"))
        except (tomllib.TOMLDecodeError, OSError):
            data = {}
        tool = data.get("tool", {}) if isinstance(data, dict) else {}
        tool = tool if isinstance(tool, dict) else {}
        setuptools = tool.get("setuptools", {})
        if isinstance(setuptools, dict):
            package_dir = setuptools.get("package-dir", {})
            if isinstance(package_dir, dict):
                add(package_dir.get(""))
            packages = setuptools.get("packages", {})
            if isinstance(packages, dict):
                where = packages.get("find", {})
                if isinstance(where, dict):
                    for folder in _as_list(where.get("where")):
                        add(folder)
        poetry = tool.get("poetry", {})
        if isinstance(poetry, dict):
            for entry in _as_list(poetry.get("packages")):
                if isinstance(entry, dict):
                    add(entry.get("from"))
        hatch = tool.get("hatch", {})
        wheel = _dig(hatch, "build", "targets", "wheel")
        for package in _as_list(wheel.get("packages")):
            if isinstance(package, str) and "/" in package.strip("/"):
                add(package.strip("/").rsplit("/", 1)[0])
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.RawConfigParser()
        try:
            parser.read_string(setup_cfg.read_text(encoding="utf-8", errors="replace"))
        except (configparser.Error, OSError):
            return found
        if parser.has_option("options", "package_dir"):
            for line in parser.get("options", "package_dir").splitlines():
                name, equals, folder = line.partition("=")
                if equals and not name.strip():
                    add(folder)
        if parser.has_option("options.packages.find", "where"):
            for folder in parser.get("options.packages.find", "where").split():
                add(folder)
    return found


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _dig(table: Any, *keys: str) -> dict[str, Any]:
    for key in keys:
        table = table.get(key, {}) if isinstance(table, dict) else {}
    return table if isinstance(table, dict) else {}
