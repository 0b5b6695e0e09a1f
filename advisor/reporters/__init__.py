"""Reporters: one module per format (`to_terminal.py`, `to_json.py`, …), each registering a
function that turns a `ScanResult` into text. Adding a format means adding a file."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from advisor.model import ScanResult

Reporter = Callable[[ScanResult], str]
_REGISTRY: dict[str, Reporter] = {}


def reporter(name: str) -> Callable[[Reporter], Reporter]:
    def register(function: Reporter) -> Reporter:
        _REGISTRY[name] = function
        return function

    return register


def reporters() -> dict[str, Reporter]:
    if not _REGISTRY:
        for info in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{info.name}")
    return dict(_REGISTRY)
