"""Detectors: one module per way Django or a library does I/O beyond a plain catalogued call,
named after what it finds (`querysets.py`, `signals.py`, `forms.py`, …).

A module either registers a function-level detector with `@detector(id, order)` — it reads
one function's facts and returns the effects it finds, run after the function's calls in
`order` — or provides a part of `EffectAnalyzer` (type knowledge, the receivers a call runs)
that advisor/effects.py composes. `detectors()` finds every registered one by walking this
package; modules starting with `_` are not detectors.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.facts import FunctionFacts
from advisor.model import Effect
from advisor.values import Context

if TYPE_CHECKING:
    from advisor.effects import EffectAnalyzer

Detect = Callable[["EffectAnalyzer", Context, FunctionFacts, Callable[[int], bool]], list[Effect]]


@dataclass(frozen=True, slots=True)
class Detector:
    id: str
    order: int
    run: Detect


_registered: dict[str, Detector] = {}


def detector(id: str, order: int) -> Callable[[Detect], Detect]:
    """Register `run` as the function-level detector `id`, run in `order`."""

    def register(run: Detect) -> Detect:
        if id in _registered and _registered[id].run is not run:
            raise ValueError(f"two detectors are registered as {id!r}")
        _registered[id] = Detector(id, order, run)
        return run

    return register


@functools.cache
def detectors() -> tuple[Detector, ...]:
    """Every registered detector, in the order they run."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return tuple(sorted(_registered.values(), key=lambda d: (d.order, d.id)))
