"""Lazy querysets: a queryset costs a query only where it is evaluated — iterated, tested for
truth, indexed, tested for membership, passed to a consuming builtin, or rendered by a
template.
(https://docs.djangoproject.com/en/stable/ref/models/querysets/#when-querysets-are-evaluated)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from advisor.detectors import detector
from advisor.facts import CallSite, Const, Expr, FunctionFacts, Mapping, Name
from advisor.index import ProjectIndex
from advisor.model import Effect, Location, Trigger
from advisor.rows import EffectRows
from advisor.values import (
    CONSUMING_BUILTINS,
    QS,
    VALUE_USE_METHODS,
    VALUE_USE_TRIGGERS,
    Context,
    Kind,
    T,
    expr_text,
)

if TYPE_CHECKING:
    from advisor.effects import EffectAnalyzer


class QuerysetEvaluation(EffectRows):
    """Where a lazy queryset runs its query."""

    if TYPE_CHECKING:
        # Defined by the other parts of EffectAnalyzer (advisor/effects.py).
        index: ProjectIndex

        def evaluate(self, expr: Expr, context: Context, depth: int = 0) -> T:
            raise NotImplementedError

    def _consuming_builtin(
        self,
        context: Context,
        call: CallSite,
        target_expr: Expr,
        location: Location,
        in_transaction: bool,
        wrapped: bool,
        effects: list[Effect],
    ) -> bool:
        """`list(qs)`, `len(qs)`, `sorted(qs)`…: a builtin that evaluates its queryset argument.
        True when the call is such a builtin (whatever its argument)."""
        if not (
            isinstance(target_expr, Name)
            and target_expr.dotted in CONSUMING_BUILTINS
            and (self.index.resolve(context.info.name, target_expr.dotted) is None)
        ):
            return False
        if call.args and self.evaluate(call.args[0], context).kind == Kind.QUERYSET:
            row = self._known(f"{QS}.__len__")
            effects.append(
                self._effect(
                    row,
                    f"{QS}.__len__",
                    location,
                    context,
                    call.loop_counts,
                    path=call.path,
                    in_transaction=in_transaction,
                    detail=f"{target_expr.dotted}() evaluates the queryset "
                    f"{expr_text(call.args[0])}",
                    subject=expr_text(call.args[0], 200),
                    wrapped=wrapped,
                )
            )
        return True

    def _render_context(
        self,
        context: Context,
        call: CallSite,
        location: Location,
        in_transaction: bool,
        effects: list[Effect],
    ) -> None:
        mapping: Expr | None = call.args[2] if len(call.args) >= 3 else None
        for keyword, argument in call.kwargs:
            if keyword == "context":
                mapping = argument
        if isinstance(mapping, Name):
            bindings = context.bindings.get(mapping.dotted)
            if bindings:
                mapping = bindings[-1].value
        if not isinstance(mapping, Mapping):
            return
        row = self._known(f"{QS}.__render__")
        for key, value in zip(mapping.keys, mapping.values, strict=True):
            if self.evaluate(value, context).kind != Kind.QUERYSET:
                continue
            key_name = key.value if isinstance(key, Const) and isinstance(key.value, str) else "?"
            effects.append(
                self._effect(
                    row,
                    f"{QS}.__render__",
                    location,
                    context,
                    call.loop_counts,
                    path=call.path,
                    in_transaction=in_transaction,
                    detail=f"context[{key_name!r}] = {expr_text(value)} is a lazy queryset: the "
                    "template runs its query while rendering",
                    subject=key_name,
                    trigger=Trigger.RENDER,
                )
            )


@detector("queryset_iteration", order=10)
def iteration(
    analyzer: EffectAnalyzer,
    context: Context,
    function: FunctionFacts,
    in_atomic: Callable[[int], bool],
) -> list[Effect]:
    """`for book in qs:` (and `async for`) runs the queryset's query."""
    effects = []
    for iteration in function.iterations:
        iterable = analyzer.evaluate(iteration.iterable, context)
        if iterable.kind == Kind.QUERYSET:
            dunder = "__aiter__" if iteration.is_async else "__iter__"
            row = analyzer._known(f"{QS}.{dunder}")
            effects.append(
                analyzer._effect(
                    row,
                    f"{QS}.{dunder}",
                    analyzer._location(context, iteration.line, iteration.column),
                    context,
                    iteration.loop_counts,
                    path=iteration.path,
                    in_transaction=in_atomic(iteration.line),
                    detail=f"iterating {expr_text(iteration.iterable)} runs its query",
                    subject=expr_text(iteration.iterable, 200),
                    trigger=Trigger.ITERATION,
                )
            )
    return effects


@detector("queryset_value_use", order=20)
def value_use(
    analyzer: EffectAnalyzer,
    context: Context,
    function: FunctionFacts,
    in_atomic: Callable[[int], bool],
) -> list[Effect]:
    """`if qs:`, `qs[0]`, `x in qs`: a truth test, an index or a membership test evaluates it."""
    effects = []
    for use in function.value_uses:
        value = analyzer.evaluate(use.value, context)
        if value.kind != Kind.QUERYSET:
            continue
        method = VALUE_USE_METHODS[use.how]
        row = analyzer._known(f"{QS}.{method}")
        effects.append(
            analyzer._effect(
                row,
                f"{QS}.{method}",
                analyzer._location(context, use.line, use.column),
                context,
                use.loop_counts,
                path=use.path,
                in_transaction=in_atomic(use.line),
                subject=expr_text(use.value, 200),
                trigger=VALUE_USE_TRIGGERS[use.how],
            )
        )
    return effects
