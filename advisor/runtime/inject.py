"""Put the standalone runtime modules where a project's interpreter can import them.

The probe and the observer run inside the project's own interpreter, which has Django but
not advisor: they are copied as a package with a name of their own, so they can never
shadow or be shadowed by the project's modules."""

from __future__ import annotations

import shutil
from pathlib import Path

PACKAGE = "_advisor_runtime"
_HERE = Path(__file__).resolve().parent
_STANDALONE = ("__init__.py", "probe.py", "observer.py")


def write_runtime_package(folder: Path) -> Path:
    """Copy the standalone modules into `folder/_advisor_runtime/` and return that path."""
    target = folder / PACKAGE
    target.mkdir(parents=True, exist_ok=True)
    for name in _STANDALONE:
        shutil.copyfile(_HERE / name, target / name)
    return target


def write_sitecustomize(folder: Path) -> None:
    """A `sitecustomize` in `folder` (put first on PYTHONPATH) that loads the observer at
    interpreter start, then hands over to the project's own `sitecustomize`, if it has one."""
    write_runtime_package(folder)
    (folder / "sitecustomize.py").write_text(
        f'''"""Written by advisor observe: loads the observer, then any other sitecustomize."""
import importlib.machinery
import importlib.util
import sys

import {PACKAGE}.observer

_here = {str(folder)!r}
_rest = [p for p in sys.path if p != _here]
_spec = importlib.machinery.PathFinder.find_spec("sitecustomize", _rest)
if _spec is not None and _spec.loader is not None:
    # The project's own sitecustomize runs too, under a name of its own (this import of
    # "sitecustomize" is still in progress).
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["_advisor_next_sitecustomize"] = _module
    _spec.loader.exec_module(_module)
''',
        encoding="utf-8",
    )
