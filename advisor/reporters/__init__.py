"""Reporters: one module per format (`to_terminal.py`, `to_json.py`, …), each registering a
function that turns a `ScanResult` into text. Adding a format means adding a file."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Callable

from advisor.model import ScanResult

Reporter = Callable[[ScanResult], str]
_REGISTRY: dict[str, Reporter] = {}
_DISCOVERED: list[bool] = []  # set once the package walk has run


def reporter(name: str) -> Callable[[Reporter], Reporter]:
    def register(function: Reporter) -> Reporter:
        _REGISTRY[name] = function
        return function

    return register


def reporter_named(name: str) -> Reporter | None:
    """The reporter for one format, importing only its module (`to_<name>.py`) when that
    registers it: a JSON scan need not import jinja2 for the HTML reporter."""
    if name not in _REGISTRY and name.isidentifier():
        with contextlib.suppress(ImportError):
            importlib.import_module(f"{__name__}.to_{name}")
    if name not in _REGISTRY:
        return reporters().get(name)
    return _REGISTRY[name]


def reporters() -> dict[str, Reporter]:
    # Walk the package once, even if one reporter module was imported directly before.
    if not _DISCOVERED:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
        _DISCOVERED.append(True)
    return dict(_REGISTRY)
