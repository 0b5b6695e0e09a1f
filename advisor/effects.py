"""Effect analysis: what each function does that costs time, and the chain that leads there.

Propagation lives here: a function's summary is its own effects (catalogued calls, and what
the detectors in advisor/detectors/ find) plus its callees' summaries, carried from callee to
caller over the project's call graph with the chain kept as evidence. The types come from
the evaluator (evaluate.py, binding.py) and the detectors' type knowledge (models, …).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from advisor import django_api
from advisor.binding import CallTypes
from advisor.catalog import Catalog
from advisor.config import Settings
from advisor.detectors import detectors
from advisor.detectors.forms import FormValidation
from advisor.detectors.hooks import ClassHooks
from advisor.detectors.import_paths import ImportPaths
from advisor.detectors.libraries import UnknownCalls
from advisor.detectors.models import ModelTypes
from advisor.detectors.querysets import QuerysetEvaluation
from advisor.detectors.request import RequestAttributes
from advisor.detectors.serializers import SerializerTypes
from advisor.detectors.signals import Signals
from advisor.detectors.sizes import InputSizes
from advisor.evaluate import Evaluator
from advisor.facts import Call, CallSite, Expr, FunctionFacts, Name
from advisor.index import ProjectIndex
from advisor.model import ChainLink, Confidence, Effect, EffectKind, Location, UnknownCall
from advisor.rows import reached_through
from advisor.values import (
    MAX_VARIANTS,
    Context,
    Kind,
    Summary,
    SummaryKey,
    T,
    expr_text,
    weaker,
)

__all__ = ["EffectAnalyzer", "Summary", "total_ms"]


class EffectAnalyzer(
    Evaluator,
    CallTypes,
    ModelTypes,
    QuerysetEvaluation,
    RequestAttributes,
    Signals,
    FormValidation,
    SerializerTypes,
    ImportPaths,
    ClassHooks,
    UnknownCalls,
    InputSizes,
):
    """Summaries of what functions do, built on demand and cached per receiver/argument types."""

    def __init__(
        self,
        index: ProjectIndex,
        catalog: Catalog,
        settings: Settings,
        django_settings: dict[str, object] | None = None,
        settings_module: str | None = None,
    ) -> None:
        self.index = index
        self.catalog = catalog
        self.settings = settings
        values = self._django_values = django_settings or {}
        chain = values.get("MIDDLEWARE")
        # None: the chain is not known statically, and request.user/session are assumed.
        self._middleware = (
            tuple(m for m in chain if isinstance(m, str))
            if isinstance(chain, list | tuple)
            else None
        )
        self._settings_module = settings_module
        engine = values.get("SESSION_ENGINE")
        self._session_engine = (
            engine if isinstance(engine, str) else django_api.DEFAULT_SESSION_ENGINE
        )
        self._summaries: dict[SummaryKey, Summary] = {}
        self._in_progress: set[SummaryKey] = set()
        self._fields: dict[str, dict[str, tuple[str, str]]] = {}
        self._reverse: dict[str, dict[str, str]] | None = None
        self._returns_in_progress: set[str] = set()
        self._model_cache: dict[str, bool] = {}
        self._attributes_in_progress: set[tuple[str, str]] = set()
        self._variants: dict[str, int] = {}
        self._by_scope: dict[str, str] | None = None
        self._by_scope_size = 0
        self._catalogued_tops: frozenset[str] | None = None
        self._receivers: dict[str, list[tuple[str, str | None]]] | None = None
        # view class -> attribute -> what the routes bind there (`bind_route_attributes`).
        self._bound: dict[str, dict[str, list[T]]] = {}

    def summary(
        self,
        qualified: str,
        receiver: T | None = None,
        arguments: tuple[tuple[str, T], ...] = (),
    ) -> Summary:
        """What calling `qualified` does, given what `self` is and the types of the
        arguments that matter (each combination is summarised once, a few per function)."""
        key: SummaryKey = (qualified, receiver, arguments)
        cached = self._summaries.get(key)
        if cached is not None:
            return cached
        if (receiver is not None or arguments) and self._variants.get(qualified, 0) >= (
            MAX_VARIANTS
        ):
            return self.summary(qualified)
        if key in self._in_progress:
            return Summary((), (), ())  # recursion in the project's own code
        if len(self._in_progress) >= self.settings.max_call_depth:
            return Summary((), self._depth_cut(qualified), ())
        context = self.context_for(qualified, receiver, arguments)
        if context is None or context.function is None:
            return Summary((), (), ())
        self._in_progress.add(key)
        try:
            result = self._analyse(context, context.function)
        finally:
            self._in_progress.discard(key)
        self._summaries[key] = result
        if receiver is not None or arguments:
            self._variants[qualified] = self._variants.get(qualified, 0) + 1
        return result

    def view_summary(self, handler: str, view_class: str | None = None) -> Summary:
        """A view function's summary, or a class-based view's handler run for `view_class`
        (a mixin's `self.get_context_data()` is the view's own)."""
        receiver = T(Kind.INSTANCE, view_class) if view_class is not None else None
        if receiver is not None and handler.rpartition(".")[0] == view_class:
            receiver = None
        own = self.summary(handler, receiver)
        if view_class is not None:
            return own
        checks = self._user_check(handler, is_class=False)
        wrapped = [self.summary(wrapper) for wrapper in self.decorator_wrappers(handler)]
        if not wrapped and not checks:
            return own
        entry = self.index.functions[handler]
        link = ChainLink(handler, Location(entry[0].path, entry[1].line))
        return Summary(
            (
                *checks,
                *(
                    replace(effect, chain=(link, *effect.chain))
                    for summary in wrapped
                    for effect in summary.effects
                ),
                *own.effects,
            ),
            (*(u for summary in wrapped for u in summary.unknown_calls), *own.unknown_calls),
            (*own.callees, *(c for summary in wrapped for c in summary.callees)),
        )

    def _atomic_ranges(self, context: Context, function: FunctionFacts) -> list[tuple[int, int]]:
        ranges = []
        for block in function.withs:
            target = block.context.func if isinstance(block.context, Call) else block.context
            callee = self.evaluate(target, context)
            if callee.name == "django.db.transaction.atomic":
                ranges.append((block.line, block.end_line))
        return ranges

    def _analyse(self, context: Context, function: FunctionFacts) -> Summary:
        effects: list[Effect] = []
        unknown: list[UnknownCall] = []
        callees: list[str] = []
        atomic = self._atomic_ranges(context, function)
        decorated_atomic = False
        for decorator in function.decorators:
            target = decorator.func if isinstance(decorator, Call) else decorator
            if self.evaluate(target, context).name == "django.db.transaction.atomic":
                decorated_atomic = True
                row = self._known("django.db.transaction.atomic")
                effects.append(
                    self._effect(
                        row,
                        "django.db.transaction.atomic",
                        self._location(context, function.line),
                        context,
                        (),
                        detail="@transaction.atomic on the function",
                    )
                )

        def in_atomic(line: int) -> bool:
            return decorated_atomic or any(start <= line <= end for start, end in atomic)

        for call in function.calls:
            if self._excluded(call, context):
                continue
            self._call_effects(context, call, in_atomic(call.line), effects, unknown, callees)
        for found in detectors():
            effects.extend(found.run(self, context, function, in_atomic))
        return Summary(tuple(effects), tuple(unknown), tuple(dict.fromkeys(callees)))

    def _call_effects(
        self,
        context: Context,
        call: CallSite,
        in_transaction: bool,
        effects: list[Effect],
        unknown: list[UnknownCall],
        callees: list[str],
    ) -> None:
        location = self._location(context, call.line, call.column, call.end_line, call.end_column)
        func = call.func
        wrapped = False
        target_expr = func
        if isinstance(func, Call) and func.args:
            wrapper = self.evaluate(func.func, context)
            if wrapper.name == "asgiref.sync.sync_to_async":
                wrapped = True
                target_expr = func.args[0]
        if self._consuming_builtin(
            context, call, target_expr, location, in_transaction, wrapped, effects
        ):
            return
        callee = self.evaluate(target_expr, context)
        # A union (`HANDLERS[kind](...)` over a dict of classes or functions): each member.
        members = callee.items if callee.kind == Kind.UNION else (callee,)
        for member in members:
            self._dispatch(
                member,
                target_expr,
                context,
                call,
                location,
                in_transaction,
                wrapped,
                effects,
                unknown,
                callees,
            )

    def _dispatch(
        self,
        callee: T,
        target_expr: Expr,
        context: Context,
        call: CallSite,
        location: Location,
        in_transaction: bool,
        wrapped: bool,
        effects: list[Effect],
        unknown: list[UnknownCall],
        callees: list[str],
    ) -> None:
        if callee.kind in (Kind.FUNCTION, Kind.METHOD) and self.catalog.match(callee.name):
            # A catalog row for a project function (the user's own HTTP wrapper declared in
            # [tool.advisor.effects]) wins over descending into its body.
            callee = T(Kind.EXTERNAL, callee.name)
        if callee.kind in (Kind.FUNCTION, Kind.METHOD):
            callees.append(callee.name)
            confidence = Confidence.EXACT
            if callee.kind == Kind.METHOD and not (
                isinstance(target_expr, Name) and target_expr.dotted.startswith("self.")
            ):
                confidence = Confidence.HEURISTIC
            self._propagate(
                context,
                callee,
                call,
                location,
                confidence,
                in_transaction,
                wrapped,
                effects,
                unknown,
            )
            return
        receivers = [*self._signal_receivers(call, context), *self._model_signal_receivers(callee)]
        for receiver in dict.fromkeys(receivers):
            callees.append(receiver)
            self._propagate(
                context,
                T(Kind.FUNCTION, receiver),
                call,
                location,
                Confidence.HEURISTIC,
                in_transaction,
                wrapped,
                effects,
                unknown,
            )
        for method in self._validation_methods(callee):
            self._propagate(
                context,
                T(Kind.METHOD, method, owner=callee.owner),
                call,
                location,
                Confidence.EXACT,
                in_transaction,
                wrapped,
                effects,
                unknown,
            )
            callees.append(method)
        if callee.kind in (Kind.EXTERNAL, Kind.BOUND, Kind.BUILTIN, Kind.INHERITED):
            matched = self.catalog.match(callee.name) if callee.kind != Kind.INHERITED else None
            if matched is None:
                reason = self._library_reason(callee) if callee.kind != Kind.BUILTIN else None
                if reason is not None:
                    unknown.append(UnknownCall(expr_text(target_expr), location, reason))
                return
            row = matched
            if callee.name in django_api.SESSION_ONLY_CALLS:
                store = self._session_store_row()
                if store is None:
                    return
                row = replace(row, kind=store.kind, latency=store.latency, note=store.note)
            if row.latency == "none" and row.kind not in (
                EffectKind.TRANSACTION,
                EffectKind.THREAD_LOCAL,
            ):
                return
            if row.kind == EffectKind.AWAITABLE:
                return
            ms, detail, assumed = self._cpu_estimate(row, callee.name, call, context)
            if row.kind == EffectKind.SLEEP and call.args:
                seconds = self._constant_number(call.args[0], context)
                if seconds is not None:
                    ms = seconds * 1000.0
            if row.kind == EffectKind.STREAMING and self._async_generator_argument(call, context):
                wrapped = True  # an async iterator: ASGI streams it without a thread
            confidence = (
                Confidence.EXACT
                if callee.kind == Kind.EXTERNAL
                else (
                    Confidence.EXACT
                    if callee.model or callee.name.startswith(("requests.", "httpx."))
                    else Confidence.HEURISTIC
                )
            )
            effects.append(
                self._effect(
                    row,
                    callee.name,
                    location,
                    context,
                    call.loop_counts,
                    path=call.path,
                    confidence=confidence,
                    awaited=call.awaited,
                    ms=ms,
                    detail=detail,
                    in_transaction=in_transaction,
                    wrapped=wrapped,
                    assumptions=assumed,
                )
            )
            if row.pattern == "django.shortcuts.render":
                self._render_context(context, call, location, in_transaction, effects)
            return
        if callee.kind == Kind.UNRESOLVED_MEMBER and context.class_qualified:
            unknown.append(
                UnknownCall(
                    expr_text(target_expr),
                    location,
                    "method not found on the class or its project bases",
                )
            )
            return
        reason = self._unknown_reason(target_expr, callee, context)
        if reason is not None:
            unknown.append(UnknownCall(expr_text(target_expr), location, reason))

    def _propagate(
        self,
        context: Context,
        callee: T,
        call: CallSite,
        location: Location,
        confidence: Confidence,
        in_transaction: bool,
        wrapped: bool,
        effects: list[Effect],
        unknown: list[UnknownCall],
    ) -> None:
        summary = self.summary(
            callee.name, *self.bind_call(callee, call.args, call.kwargs, context)
        )
        multiplier = self.multiplier(call.loop_counts)
        loops = self.loop_assumptions(call.loop_counts)
        for effect in summary.effects:
            effects.append(
                reached_through(
                    effect,
                    context,
                    location,
                    call.path,
                    multiplier,
                    bool(call.loop_counts),
                    confidence=weaker(effect.confidence, confidence),
                    blocking=effect.blocking and not wrapped,
                    awaited=effect.awaited or wrapped or call.awaited,
                    in_transaction=effect.in_transaction or in_transaction,
                    assumptions=tuple(dict.fromkeys((*effect.assumptions, *loops))),
                )
            )
        unknown.extend(summary.unknown_calls)


def total_ms(effects: Iterable[Effect]) -> float:
    return math.fsum(effect.estimated_ms for effect in effects)
