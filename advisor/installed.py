"""Installed packages' source, parsed only where the project's code reaches it.

Much real I/O sits in libraries (an auth backend's `request()`, a payment SDK). When the
project's environment is known (`--python`, the active virtualenv, `PATH/.venv/`), the index
asks this module for a module it does not have; the file comes from that interpreter's
site-packages through the same content-hashed facts cache as the project's own files. Django,
DRF, the stdlib and every library the catalog describes stay the catalog's business.
"""

from __future__ import annotations

import contextlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from advisor.collect import FactsCache, load_facts

# Re-exported: the names the pipeline and tests know them by.
from advisor.environment import Environment as Environment
from advisor.environment import EnvironmentError_ as EnvironmentError_
from advisor.environment import environment_key as environment_key
from advisor.environment import project_environment as project_environment
from advisor.environment import site_packages as site_packages
from advisor.facts import ModuleFacts, collect_facts
from advisor.index import ProjectIndex
from advisor.model import INSTALLED_PREFIX, FollowedLibrary, InstalledCode

# Covered by the catalog and django_api, never followed (their source is huge and their
# behaviour is what the catalog rows describe).
ALWAYS_CATALOGUED = frozenset({"django", "rest_framework", "adrf", "asgiref", "advisor"})
_EXTENSION_SUFFIXES = (".so", ".pyd")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@dataclass(slots=True)
class InstalledSource:
    """Finds and parses installed modules on demand; remembers what it parsed."""

    roots: tuple[Path, ...]
    excluded: frozenset[str]
    cache: FactsCache | None = None
    # top-level package → modules parsed from it
    parsed: dict[str, int] = field(default_factory=dict)
    _tops: dict[str, Path | None] = field(default_factory=dict)
    _extensions: set[str] = field(default_factory=set)

    def covers(self, top: str) -> bool:
        """Whether `top` is an installed package this scan follows."""
        if top in self.excluded or top in sys.stdlib_module_names:
            return False
        if top not in self._tops:
            self._tops[top] = next((root for root in self.roots if _exists_module(root, top)), None)
        return self._tops[top] is not None

    def is_extension(self, module: str) -> bool:
        """Whether `module` was found only as compiled code (a C extension)."""
        return module in self._extensions

    def load(self, module: str) -> tuple[str, bool, ModuleFacts] | None:
        top = module.partition(".")[0]
        if not self.covers(top):
            return None
        root = self._tops[top]
        assert root is not None
        base = root.joinpath(*module.split("."))
        shown = INSTALLED_PREFIX + "/".join(module.split("."))
        for path, is_package, name in (
            (base / "__init__.py", True, f"{shown}/__init__.py"),
            (base.with_suffix(".py"), False, f"{shown}.py"),
        ):
            if path.is_file():
                facts = self._facts(path)
                if facts is None:
                    return None
                self.parsed[top] = self.parsed.get(top, 0) + 1
                # The path the result shows: inside site-packages, not this machine's.
                return name, is_package, facts
        if base.is_dir():
            return shown, True, collect_facts(b"")  # a namespace package
        if base.parent.is_dir() and any(
            entry.name.startswith(base.name + ".") and entry.name.endswith(_EXTENSION_SUFFIXES)
            for entry in base.parent.iterdir()
        ):
            self._extensions.add(module)
        return None

    def _facts(self, path: Path) -> ModuleFacts | None:
        try:
            source = path.read_bytes()
        except OSError:
            return None
        if self.cache is None:
            return collect_facts(source)
        key = self.cache.key(source)
        blob = self.cache.get_blob(key)
        if blob is not None:
            hit = load_facts(blob)
            if hit is not None:
                return hit
        facts = collect_facts(source)
        self.cache.put(key, facts)
        return facts

    def versions(self) -> dict[str, str]:
        """The distribution version of each followed top-level package, where its
        .dist-info says (RECORD-free: the name or top_level.txt)."""
        wanted = {top for top in self.parsed}
        found: dict[str, str] = {}
        for root in self.roots:
            try:
                entries = sorted(root.glob("*.dist-info"))
            except OSError:
                continue
            for entry in entries:
                name, _, version = entry.name.removesuffix(".dist-info").partition("-")
                tops = {_normalise(name)}
                with contextlib.suppress(OSError):
                    tops |= {
                        line.strip()
                        for line in (entry / "top_level.txt").read_text().splitlines()
                        if line.strip()
                    }
                for top in wanted:
                    if top not in found and (top in tops or _normalise(top) in tops):
                        found[top] = version
        return found


def _exists_module(root: Path, top: str) -> bool:
    if (root / top).is_dir() or (root / f"{top}.py").is_file():
        return True
    try:
        return any(
            entry.name.startswith(top + ".") and entry.name.endswith(_EXTENSION_SUFFIXES)
            for entry in root.iterdir()
        )
    except OSError:
        return False


def follow(
    index: ProjectIndex,
    environment: Environment,
    catalogued: frozenset[str],
    cache: FactsCache | None,
) -> InstalledSource:
    """Let `index` load installed modules on demand (all but the catalogued packages)."""
    source = InstalledSource(environment.site_packages, ALWAYS_CATALOGUED | catalogued, cache)
    index.follow_installed(source)
    return source


def report(environment: Environment, source: InstalledSource | None) -> InstalledCode:
    if source is None:
        return InstalledCode(environment.python, environment.source)
    versions = source.versions()
    return InstalledCode(
        environment.python,
        environment.source,
        tuple(
            FollowedLibrary(top, versions.get(top), count)
            for top, count in sorted(source.parsed.items())
        ),
    )
