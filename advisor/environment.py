"""The project's own Python environment (`--python`, the active virtualenv, `PATH/.venv/`)
and what of it a scan's answer depends on. Apart from `installed.py`, which parses the
installed code, so that a scan served from the result cache finds its key without importing
the analysis."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Asked once per scan, in a child process; a broken interpreter costs this much at most.
_ASK_TIMEOUT_S = 20.0
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
