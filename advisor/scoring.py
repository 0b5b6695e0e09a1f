"""The score: how much of a view's request time is waiting that async can release, what
stands in the way, and what a developer should do.

Time model (per request, estimated from effect latencies in `Settings`):
- awaitable wait: outbound HTTP, sleeps/polling, streaming: an async view releases the worker
  while it waits (and independent calls could run together with asyncio.gather);
- thread wait: ORM, cache, email, files: Django's async APIs still run these in a thread
  (sync_to_async), so converting gains nothing on them and adds a thread hop each;
- CPU: templates and heavy work: async cannot overlap it, and on the loop it stalls others.

Capacity (advisor.capacity) turns the time model into requests/s per worker, sync against
async; the blockers and costs come from advisor.blockers.
"""

from __future__ import annotations

import math
from dataclasses import replace

from advisor import timemodel
from advisor.blockers import blockers_for, costs_for
from advisor.capacity import (
    capacity_reason,
    estimate_capacity,
)
from advisor.config import Settings
from advisor.model import (
    Category,
    Effect,
    EffectKind,
    MiddlewareInfo,
    ProjectFacts,
    Score,
    View,
)
from advisor.timemodel import AWAITABLE_KINDS, CPU_KINDS, NO_ASYNC_API, THREAD_KINDS
from advisor.timemodel import ms_text as _ms


def _sum(effects: list[Effect]) -> float:
    return math.fsum(e.estimated_ms for e in effects)


def _gathered_ms(awaitable: list[Effect]) -> float:
    """Latency of the awaitable calls if independent ones in the view's own body, outside
    loops, ran together: the slowest instead of the sum."""
    independent = [
        e
        for e in awaitable
        if e.kind == EffectKind.HTTP and not e.in_loop and e.direct and not e.in_transaction
    ]
    rest = [e for e in awaitable if e not in independent]
    if len(independent) < 2:
        return _sum(awaitable)
    return max(e.estimated_ms for e in independent) + _sum(rest)


def _calls(effects: list[Effect], kind: EffectKind) -> int:
    return sum(e.multiplier for e in effects if e.kind == kind)


def with_observed_counts(
    view: View, effects: list[Effect] | None = None
) -> tuple[list[Effect], list[str]]:
    """The view's effects with their DB and HTTP time scaled to the calls per request the
    project's own test run made (`advisor observe`), where it saw any: an N+1 the loop
    estimate missed, a branch the code analysis counted twice. Each call keeps its own
    latency class; only the count changes. A kind predicted but never observed keeps the
    prediction (a test may not reach that branch, and the disagreement is reported)."""
    effects = list(view.effects if effects is None else effects)
    seen = view.observed
    if seen is None or seen.requests <= 0:
        return effects, []
    notes: list[str] = []
    for kind, per_request, noun in (
        (EffectKind.DB, seen.sql_per_request, "SQL queries"),
        (EffectKind.HTTP, seen.http_per_request, "outbound HTTP calls"),
    ):
        predicted = _calls(effects, kind)
        if not per_request or not predicted or abs(per_request - predicted) < 0.05:
            continue
        factor = per_request / predicted
        effects = [
            replace(e, estimated_ms=e.estimated_ms * factor) if e.kind == kind else e
            for e in effects
        ]
        notes.append(
            f"the test run made {per_request:g} {noun} per request over {seen.requests} "
            f"request{'s' if seen.requests != 1 else ''}, the code analysis predicted "
            f"{predicted}: the time model uses "
            "the observed count"
        )
    return effects, notes


def _blocks(effect: Effect) -> bool:
    """A call that holds its thread (the event loop, in an async view) while it waits."""
    return (
        effect.blocking
        and not effect.awaited
        and effect.kind in (AWAITABLE_KINDS | THREAD_KINDS | {EffectKind.CPU})
    )


def path_effects(effects: tuple[Effect, ...]) -> tuple[list[Effect], list[str]]:
    """The effects of one request: the costliest path through exclusive branches, and the
    notes that say what the time model assumed (left-out branches, unknown loop bounds,
    input sizes)."""
    kept, dropped = timemodel.costliest_path(effects)
    notes: list[str] = []
    if dropped:
        left_out = len(effects) - len(kept)
        notes.append(
            f"exclusive branches: the time model follows the costliest path through {dropped} "
            f"if/else, try/except or early-return choice(s), leaving out {left_out} effect(s) "
            "that cannot run in the same request"
        )
    assumed = dict.fromkeys(a for e in kept for a in e.assumptions)
    notes += [f"assumed: {assumption}" for assumption in assumed]
    return kept, notes


def score_view(
    view: View, project: ProjectFacts, settings: Settings, index_mro: tuple[str, ...] = ()
) -> Score:
    effects, path_notes = path_effects(view.effects)
    effects, observed_notes = with_observed_counts(view, effects)
    awaitable = [e for e in effects if e.kind in AWAITABLE_KINDS]
    thread = [e for e in effects if e.kind in THREAD_KINDS]
    cpu = [e for e in effects if e.kind in CPU_KINDS]
    awaitable_ms, thread_ms, cpu_ms = _sum(awaitable), _sum(thread), _sum(cpu)
    io_ms = awaitable_ms + thread_ms
    sync_ms = io_ms + cpu_ms
    hop = settings.latency("thread_hop")
    thread_calls = sum(e.multiplier for e in thread)
    # As the rewrite leaves it: awaits in order, each ORM/cache call one thread hop.
    async_ms = sync_ms + thread_calls * hop
    gathered = _gathered_ms(awaitable)
    blockers = blockers_for(view, project, index_mro)
    costs = costs_for(view, project)
    hard = [b for b in blockers if b.severity == "blocker"]
    sync_only_mw = [m for m in project.middleware if m.status == "sync-only"]

    # A blocking call on any branch of an async view is a bug, whichever path is dearest.
    blocking = [e for e in view.effects if _blocks(e)]
    blocking_ms = _sum(blocking)

    # The score is a function of the worker time async can release: its share of what a
    # sync request holds a thread for (the view's time plus Django's own CPU), weighed by its
    # absolute size (full weight from 2 * min_overlap_ms: a few ms released is noise).
    held_ms = sync_ms + settings.latency("request_cpu")
    share = awaitable_ms / held_ms if held_ms > 0 else 0.0
    magnitude = min(1.0, awaitable_ms / (2 * settings.min_overlap_ms)) if awaitable_ms else 0.0
    value = 100.0 * share * magnitude
    value -= 12 * len(hard) + 4 * len(costs)
    score_value = max(0, min(100, round(value)))

    reasons: list[str] = []
    # In an async view a sync HTTP call or time.sleep blocks the loop: nothing is released.
    released = [e for e in awaitable if not (view.is_async and e.blocking and not e.awaited)]
    released_ms = _sum(released)
    if released:
        kinds = sorted({e.kind.value for e in released})
        calls = sum(e.multiplier for e in released)
        reasons.append(
            f"{calls} awaitable wait{'s' if calls != 1 else ''} ({', '.join(kinds)}) "
            f"≈ {_ms(released_ms)} "
            "that async releases to serve other requests"
        )
        if gathered < awaitable_ms - 1:
            reasons.append(
                f"independent HTTP calls: ≈ {_ms(awaitable_ms)} in sequence, "
                f"≈ {_ms(gathered)} with asyncio.gather (advisor rewrite --gather)"
            )
    if thread:
        queries = sum(e.multiplier for e in thread if e.kind == EffectKind.DB)
        others = sorted({e.kind.value for e in thread if e.kind != EffectKind.DB})
        parts = [f"{queries} DB quer{'y' if queries == 1 else 'ies'}"] if queries else []
        parts += others
        # Why each stays in a thread: the ORM's and the cache's async methods wrap the sync
        # ones in sync_to_async; the rest has no async API at all.
        why = ["Django's async ORM runs queries through sync_to_async"] if queries else []
        if EffectKind.CACHE.value in others:
            why.append("its async cache methods run the sync backend in a thread")
        if set(others) - {EffectKind.CACHE.value}:
            why.append("the rest has no async API")
        reasons.append(
            f"{', '.join(parts)} ≈ {_ms(thread_ms)} stay in a thread even when "
            f"async ({'; '.join(why)})"
        )
    if cpu:
        reasons.append(f"CPU ≈ {_ms(cpu_ms)} (templates, computation) that async cannot overlap")
    reasons += path_notes + observed_notes
    if not effects:
        reasons.append("no I/O found: nothing for async to overlap")
    n_plus_one = [e for e in thread if e.in_loop and e.kind == EffectKind.DB]
    if n_plus_one:
        reasons.append(
            f"queries inside a loop ({n_plus_one[0].location}): an N+1 pattern "
            "costs more than sync vs async"
        )
    if sync_only_mw and not view.is_async:
        reasons.append(
            f"{len(sync_only_mw)} sync-only middleware: every request pays a "
            "thread switch under ASGI"
        )

    if view.is_async:
        if blocking:
            category = Category.ASYNC_BLOCKING
            reasons.insert(
                0,
                f"async view calls {len(blocking)} blocking "
                f"operation{'s' if len(blocking) != 1 else ''} "
                f"≈ {_ms(blocking_ms)} directly on the event loop: "
                + ", ".join(sorted({e.call for e in blocking}))[:200],
            )
        else:
            category = Category.ALREADY_ASYNC
            reasons.insert(0, "already async, no blocking call found")
    elif awaitable_ms >= settings.min_overlap_ms and score_value >= settings.candidate_score:
        if hard:
            category = Category.NEEDS_WORK
        elif score_value >= settings.strong_score:
            category = Category.STRONG
        else:
            category = Category.NEEDS_WORK
    elif awaitable_ms >= settings.min_overlap_ms and hard:
        category = Category.NEEDS_WORK
    elif cpu_ms > io_ms and cpu_ms >= settings.min_overlap_ms:
        category = Category.KEEP_SYNC
        reasons.insert(0, "CPU-bound: async would only add overhead")
    elif hard or not effects:
        category = Category.KEEP_SYNC
    elif thread and all(e.kind in NO_ASYNC_API for e in thread):
        category = Category.KEEP_SYNC
        reasons.insert(0, "its only I/O has no async API: converting moves it to a thread")
    else:
        category = Category.LITTLE
    gathered_ms = min(async_ms, gathered + thread_ms + cpu_ms + thread_calls * hop)
    on_loop = (
        [e for e in effects if _blocks(e) and e.kind not in CPU_KINDS] if view.is_async else []
    )
    loop_blocking_ms = _sum(on_loop)
    capacity = estimate_capacity(
        sync_ms=sync_ms,
        async_ms=async_ms,
        gathered_ms=gathered_ms,
        cpu_ms=cpu_ms,
        db_ms=_sum([e for e in thread if e.kind == EffectKind.DB]),
        http_calls=sum(e.multiplier for e in awaitable if e.kind == EffectKind.HTTP),
        thread_ms=thread_ms - _sum([e for e in on_loop if e.kind in THREAD_KINDS]),
        hops_ms=thread_calls * hop,
        loop_blocking_ms=loop_blocking_ms,
        settings=settings,
    )
    if not view.is_async:
        reasons.append(
            f"latency per request: {_ms(sync_ms)} sync → {_ms(async_ms)} async"
            + (f" ({_ms(gathered_ms)} gathered)" if gathered < awaitable_ms - 1 else "")
            + "; async's gain is capacity, not latency"
        )
    reasons.append(capacity_reason(capacity))
    if view.is_async and not released and capacity.ratio < 1:
        reasons.append(
            "with nothing to wait on, being async costs capacity: ASGI's own CPU per request "
            f"is more than a sync worker's ({capacity.ratio:.1f}x of a sync version)"
        )
    return Score(
        value=score_value,
        category=category,
        estimated_io_ms=round(io_ms, 3),
        estimated_cpu_ms=round(cpu_ms, 3),
        overlap_ms=round(released_ms, 3),
        thread_ms=round(thread_ms, 3),
        blocking_ms=round(blocking_ms, 3),
        predicted_sync_ms=round(sync_ms, 3),
        predicted_async_ms=round(async_ms, 3),
        predicted_gathered_ms=round(gathered_ms, 3),
        blockers=tuple(blockers + costs),
        reasons=tuple(reasons),
        capacity=capacity,
    )


def middleware_summary(middleware: tuple[MiddlewareInfo, ...]) -> str:
    sync_only = [m.path for m in middleware if m.status == "sync-only"]
    if not middleware:
        return "no MIDDLEWARE found"
    if not sync_only:
        return f"{len(middleware)} middleware, all async-capable"
    return f"{len(sync_only)} of {len(middleware)} middleware sync-only: {', '.join(sync_only)}"
