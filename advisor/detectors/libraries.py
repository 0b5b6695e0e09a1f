"""Calls the analysis cannot see into: installed libraries it does not follow, C extensions,
callbacks, and values it could not resolve. Each is an unknown call, never silence."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from advisor.catalog import Catalog
from advisor.facts import Call, Expr, Name, Opaque, Subscript
from advisor.index import ProjectIndex
from advisor.installed import ALWAYS_CATALOGUED
from advisor.values import BUILTINS, Context, Kind, T


class UnknownCalls:
    """Why a call could not be followed."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        _catalogued_tops: frozenset[str] | None
        catalog: Catalog
        index: ProjectIndex

    def _library_reason(self, callee: T) -> str | None:
        """Why a call into an installed library is not known: its source is not followed
        (no project environment), not installed, or compiled. None for the project, the
        stdlib, and the libraries the catalog describes (Django, DRF, requests, …)."""
        top = callee.name.partition(".")[0]
        if self._catalogued_tops is None:
            self._catalogued_tops = frozenset(
                {
                    *(row.pattern.partition(".")[0] for row in self.catalog.rows),
                    *(name.partition(".")[0] for name in self.index.project_modules),
                    *ALWAYS_CATALOGUED,
                }
            )
        if (
            not top
            or top in self._catalogued_tops
            or top in sys.stdlib_module_names
            or top in BUILTINS  # `super().get` past the project's classes
        ):
            return None
        installed = self.index.installed
        if installed is None:
            return (
                f"into {top}, an installed library: its source is followed only when the "
                "project's environment is known (--python, an active virtualenv, .venv/)"
            )
        parts = callee.name.split(".")
        if any(installed.is_extension(".".join(parts[:cut])) for cut in range(1, len(parts))):
            return f"into {top}, a C extension: there is no source to follow"
        if not installed.covers(top):
            return f"into {top}, which is not installed in the project's environment"
        return f"{callee.name} is not defined in {top}'s source as installed"

    def _unknown_reason(self, target: Expr, callee: T, context: Context) -> str | None:
        if isinstance(target, Call):
            inner = target.func
            if isinstance(inner, Name) and inner.dotted == "getattr":
                return "getattr() dispatch"
            return "calls the result of a call"
        if isinstance(target, Subscript):
            return "calls an item looked up at run time"
        if isinstance(target, Name) and "." not in target.dotted:
            function = context.function
            if function is not None and target.dotted in function.params:
                return "calls a callback passed in as an argument"
            bindings = context.bindings.get(target.dotted)
            value = bindings[-1].value if bindings else None
            if (
                value is not None
                and callee.kind == Kind.UNKNOWN
                # A lambda's body is read as part of the function that holds it.
                and not (isinstance(value, Opaque) and value.what == "lambda")
            ):
                # `view = LoginView.as_view(...)` then `view(request)`: whatever it runs is
                # not known, which is not the same as running nothing.
                return "calls a value the analysis could not resolve"
        return None
