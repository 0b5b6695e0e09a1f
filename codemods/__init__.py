"""Codemods: libcst transformations that carry out a rewrite plan, one module per
transformation (`orm_calls.py`, `http_client.py`, …), each named after what it does; the
module name is the id users see in the rewrite summary.

The plan (types in `advisor.plan`, made by `advisor.rewrite`) says which view, which node at
which position and which codemod, and `carry_out` is the one entry that takes it; a codemod
only checks the node it is handed against the source, refusing with a reason a user can act
on, and registers the edits that carry the step out. Registration is by decorator;
`codemods()` finds every module by walking this package (modules starting with `_` are the
shared engine, not codemods).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from advisor.plan import FileResult, Step, Target, ViewPlan

__all__ = [
    "Codemod",
    "FileResult",
    "Refused",
    "RunsInThread",
    "Step",
    "Target",
    "ViewPlan",
    "carry_out",
    "codemod",
    "codemods",
]

if TYPE_CHECKING:
    import libcst as cst

    from codemods._engine import Edits
    from codemods._source import SourceFile


class Refused(Exception):
    """The step cannot be carried out safely here; the message says what the user can do."""


class RunsInThread(Exception):
    """The node sits in a `transaction.atomic` block that moves into a sync function run
    by sync_to_async: it stays as it is."""


class Codemod:
    """Base of every registered codemod."""

    id: ClassVar[str]
    # What the summary says a Changed view got from this codemod (in "sync_to_async" mode).
    summary: ClassVar[str] = ""
    thread_summary: ClassVar[str] = ""

    def summary_for(self, target: Target, in_thread: bool) -> str:
        """What the summary says this codemod gave a Changed view on `target`."""
        return (self.thread_summary if in_thread else "") or self.summary

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        """Check `node` (from the unchanged source) and register the edits for `step`.

        Raise `Refused` when the step cannot be carried out safely: the view is then
        skipped as a whole, never half converted."""
        raise NotImplementedError


_REGISTRY: dict[str, Codemod] = {}


def codemod(cls: type[Codemod]) -> type[Codemod]:
    """Class decorator: register one instance of a codemod under its `id`."""
    _REGISTRY[cls.id] = cls()
    return cls


def codemods() -> dict[str, Codemod]:
    """Every registered codemod by id. Walks the whole package each time (imports are
    cached), so importing one codemod module first cannot hide the others."""
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return dict(_REGISTRY)


def carry_out(root: Path, plans: Sequence[ViewPlan], target: Target) -> list[FileResult]:
    """The public entry: carry out the plans (views of any files under `root`), one
    FileResult per file, in path order. Never raises for bad input: a file that cannot be
    read or parsed makes its views Failed."""
    from codemods._engine import rewrite_files

    return rewrite_files(root, plans, target)
