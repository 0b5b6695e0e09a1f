"""Installed packages' source, parsed only where the project's code reaches it.

Much real I/O sits in libraries (an auth backend's `request()`, a payment SDK). When the
project's environment is known (`--python`, the active virtualenv, `PATH/.venv/`), the index
asks this module for a module it does not have; the file comes from that interpreter's
site-packages through the same content-hashed facts cache as the project's own files. Django,
DRF, the stdlib and every library the catalog describes stay the catalog's business.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from advisor.collect import FactsCache, load_facts
from advisor.facts import ModuleFacts, collect_facts
from advisor.index import ProjectIndex
from advisor.model import INSTALLED_PREFIX, FollowedLibrary, InstalledCode

# Asked once per scan, in a child process; a broken interpreter costs this much at most.
_ASK_TIMEOUT_S = 20.0
# Covered by the catalog and django_api, never followed (their source is huge and their
# behaviour is what the catalog rows describe).
ALWAYS_CATALOGUED = frozenset({"django", "rest_framework", "adrf", "asgiref", "advisor"})
_EXTENSION_SUFFIXES = (".so", ".pyd")
_ASK = (
    "import json, sysconfig; p = sysconfig.get_paths(); "
    "print(json.dumps([p['purelib'], p['platlib']]))"
)


class EnvironmentError_(Exception):
    """The environment named for the project cannot be used (one line for the user)."""


@dataclass(frozen=True, slots=True)
class Environment:
    python: str
    source: str  # "--python", "VIRTUAL_ENV", ".venv"
    site_packages: tuple[Path, ...]


def project_environment(root: Path, given: str | None) -> Environment | None:
    """The project's own environment, if one is known. advisor's own interpreter is not a
    fallback (its site-packages are advisor's dependencies); an active virtualenv counts,
    also when advisor was installed into the project's own venv."""
    if given:
        return Environment(given, "--python", site_packages(Path(given)))
    active = os.environ.get("VIRTUAL_ENV")
    if active and (Path(active) / "bin" / "python").exists():
        python = Path(active) / "bin" / "python"
        return Environment(str(python), "VIRTUAL_ENV", site_packages(python))
    local = root / ".venv" / "bin" / "python"
    if local.exists():
        return Environment(str(local), ".venv", site_packages(local))
    return None


def site_packages(python: Path) -> tuple[Path, ...]:
    """A virtualenv's lib/pythonX.Y/site-packages (read from disk, next to pyvenv.cfg), else
    what the interpreter itself says, asked once in a child process."""
    venv = python.parent.parent
    if (venv / "pyvenv.cfg").is_file():
        found = sorted(
            {p for lib in ("lib", "lib64") for p in (venv / lib).glob("python*/site-packages")}
        )
        if found:
            return tuple(found)
    if not python.exists():
        raise EnvironmentError_(f"--python {python}: no such interpreter")
    try:
        completed = subprocess.run(
            [str(python), "-I", "-c", _ASK],
            capture_output=True,
            text=True,
            timeout=_ASK_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        paths = json.loads(completed.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        raise EnvironmentError_(
            f"--python {python}: could not ask it for its site-packages ({error})"
        ) from None
    if not isinstance(paths, list):
        raise EnvironmentError_(f"--python {python}: unexpected answer {completed.stdout!r}")
    return tuple(dict.fromkeys(Path(p) for p in paths if isinstance(p, str) and Path(p).is_dir()))


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


def environment_key(environment: Environment | None) -> str:
    """What of the environment a scan's answer depends on, for the result cache: the
    interpreter and every installed distribution's name and version."""
    if environment is None:
        return ""
    names: list[str] = [environment.python]
    for root in environment.site_packages:
        try:
            names += sorted(entry.name for entry in root.glob("*.dist-info"))
        except OSError:
            continue
    return "\0".join(names)


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
