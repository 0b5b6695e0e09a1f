"""Codemods: libcst transformations that carry out a rewrite plan, one module per
transformation (`orm_calls.py`, `http_client.py`, …), each named after what it does; the
module name is the id users see in the rewrite summary.

The plan (`advisor.rewrite`) says which view, which node at which position and which codemod;
a codemod only checks the node it is handed against the source, refusing with a reason a
user can act on, and registers the edits that carry the step out. Registration is by
decorator; `codemods()` finds every module by walking this package (modules starting with
`_` are the shared engine, not codemods).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from advisor import django_api
from advisor.model import Effect, Location

if TYPE_CHECKING:
    import libcst as cst

    from codemods._engine import Edits
    from codemods._source import SourceFile


class Refused(Exception):
    """The step cannot be carried out safely here; the message says what the user can do."""


class RunsInThread(Exception):
    """The node sits in a `transaction.atomic` block that moves into a sync function run
    by sync_to_async: it stays as it is."""


@dataclass(frozen=True, slots=True)
class Target:
    """What the rewritten code must run on, and the options that change the output."""

    django_version: str
    gather: bool = False
    # AUTHENTICATION_BACKENDS entries without aget_user (codemods/_auth_backends.py): the
    # async user APIs (request.auser(), async login_required) would fail with them.
    sync_only_auth_backends: tuple[str, ...] = ()

    def has(self, since: str | None) -> bool:
        """True when the target Django has an API added in `since`."""
        return django_api.version_at_least(self.django_version, since)


@dataclass(frozen=True, slots=True)
class Step:
    """One change the plan asks for, located with the scan's coordinates.

    `node` names what `location` points at: "function" / "class" (their `def`/`class`
    line), "call", "iteration" (a `for` statement, or the iterable of a comprehension),
    "attribute", "expression" (a truth test) or "comparison".
    """

    codemod: str
    view_id: str
    location: Location
    node: str
    # Qualified name of the function the node sits in (the view, a handler, a generator).
    function: str = ""
    # "native" uses the async API of the target Django; "sync_to_async" runs the sync call
    # in a thread (older Django, or no async API at all).
    mode: str = "native"
    # Codemod-specific: the async method or function to call instead ("aget",
    # "django.shortcuts.aget_object_or_404"), the handler names of a class…
    name: str = ""
    effect: Effect | None = None


class Codemod:
    """Base of every registered codemod."""

    id: ClassVar[str]
    # What the summary says a Changed view got from this codemod (in "sync_to_async" mode).
    summary: ClassVar[str] = ""
    thread_summary: ClassVar[str] = ""

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
