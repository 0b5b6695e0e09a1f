"""Reporters: one module per format (`to_terminal.py`, `to_json.py`, …), each registering a
function that turns a `ScanResult` into text. Adding a format means adding a file.

A reporter registered with `options=True` also takes `ReportOptions`: what the user asked of
the report (`--link-template`) and what `advisor rewrite` does with each view, which the CLI
gets by running the rewrite without writing (reporters come before the rewrite and never
import it), so a report's advice cannot contradict the rewrite."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from advisor.model import ScanResult

Reporter = Callable[..., str]
_REGISTRY: dict[str, Reporter] = {}
_TAKES_OPTIONS: set[str] = set()
_DISCOVERED: list[bool] = []  # set once the package walk has run


@dataclass(frozen=True, slots=True)
class RewritePreview:
    """What `advisor rewrite --view ID` does with one view, as the rewrite reports it:
    "changed" (with its notes: what it used), "skipped" or "failed" (with the reason)."""

    status: str
    reason: str = ""
    steps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReportOptions:
    # A URL for file:line links with {path} (relative to the repository root), {line} and
    # {column}; None shows locations as text.
    link_template: str | None = None
    rewrite: Mapping[str, RewritePreview] = field(default_factory=dict)


def reporter(name: str, options: bool = False) -> Callable[[Reporter], Reporter]:
    def register(function: Reporter) -> Reporter:
        _REGISTRY[name] = function
        if options:
            _TAKES_OPTIONS.add(name)
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


def render_report(name: str, result: ScanResult, options: ReportOptions | None = None) -> str:
    """The report `name` for `result`, given the options when that reporter takes them."""
    function: Any = reporter_named(name)
    if function is None:
        raise KeyError(name)
    if name in _TAKES_OPTIONS and options is not None:
        return str(function(result, options))
    return str(function(result))
