"""The score: how much of a view's request time is waiting that async can release, what
stands in the way, and what a developer should do.

Time model (per request, estimated from effect latencies in `Settings`):
- awaitable wait: outbound HTTP, sleeps/polling, streaming: an async view releases the worker
  while it waits (and independent calls could run together with asyncio.gather);
- thread wait: ORM, cache, email, files: Django's async APIs still run these in a thread
  (sync_to_async), so converting gains nothing on them and adds a thread hop each;
- CPU: templates and heavy work: async cannot overlap it, and on the loop it stalls others.

Capacity (what a user buys): a sync worker holds one of its threads for the whole request,
an async one holds the event loop only while it runs Python; both share one process's CPU.
`estimate_capacity` turns the time model into requests/s per worker for each, at the
configured thread pool, requests in flight and upstream latency.
"""

from __future__ import annotations

import math
from dataclasses import replace

from advisor import django_api, policy, timemodel
from advisor.config import Settings
from advisor.model import (
    INSTALLED_PREFIX,
    Blocker,
    Capacity,
    Category,
    Effect,
    EffectKind,
    MiddlewareInfo,
    ProjectFacts,
    Score,
    Trigger,
    View,
)

AWAITABLE_KINDS = frozenset({EffectKind.HTTP, EffectKind.SLEEP, EffectKind.STREAMING})
THREAD_KINDS = frozenset(
    {
        EffectKind.DB,
        EffectKind.CACHE,
        EffectKind.EMAIL,
        EffectKind.FILESYSTEM,
        EffectKind.SUBPROCESS,
        EffectKind.NETWORK,
    }
)
CPU_KINDS = frozenset({EffectKind.CPU, EffectKind.TEMPLATE})
NO_ASYNC_API = frozenset({EffectKind.EMAIL, EffectKind.SUBPROCESS, EffectKind.FILESYSTEM})


def _sum(effects: list[Effect]) -> float:
    return math.fsum(e.estimated_ms for e in effects)


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


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


def _per_second(workers: float, held_ms: float) -> float:
    """Requests/s that `workers` slots serve when each request holds one for `held_ms`."""
    return workers * 1000.0 / max(held_ms, 0.1)


def estimate_capacity(
    *,
    sync_ms: float,
    async_ms: float,
    gathered_ms: float,
    cpu_ms: float,
    db_ms: float,
    http_calls: int,
    thread_ms: float,
    hops_ms: float,
    loop_blocking_ms: float,
    settings: Settings,
) -> Capacity:
    """Requests/s one worker serves, sync against async, as a bottleneck model: throughput
    is the smallest of what each resource a request holds allows.

    - sync: each request holds a thread for all of it (`sync_ms` + Django's own
      `request_cpu`), so `min(threads, in flight)` threads serve that many requests per
      held time;
    - async: a request holds the event loop for its CPU, its thread hops and any blocking
      call left on the loop, and a thread for what stays sync (ORM, cache, email through
      sync_to_async); awaited waits hold nothing, so `in flight` requests overlap, each
      taking the async latency;
    - both: one process's CPU (the GIL): Django's own `request_cpu` (plus
      `asgi_request_cpu` under ASGI), `http_call_cpu` per outbound call, templates and
      heavy work, and ORM time, which counts as CPU: the ORM builds queries and rows in
      Python, and on SQLite or a nearby server that is most of a query's time.
    """
    base = settings.latency("request_cpu")
    asgi = settings.latency("asgi_request_cpu")
    threads, in_flight = settings.worker_threads, settings.concurrency
    client_cpu = http_calls * settings.latency("http_call_cpu")
    process_cpu = base + cpu_ms + db_ms + client_cpu
    sync_held = sync_ms + base
    sync_limits = {
        "threads": _per_second(min(threads, in_flight), sync_held),
        "cpu": _per_second(1, process_cpu),
    }
    loop_ms = base + asgi + cpu_ms + client_cpu + hops_ms + loop_blocking_ms

    def async_limits(latency_ms: float) -> dict[str, float]:
        return {
            "concurrency": _per_second(in_flight, latency_ms + base),
            "event loop": _per_second(1, loop_ms),
            # Work that stays sync gets the same pool of threads as the sync worker: a like
            # for like comparison (Django under ASGI would give each request in flight its own
            # thread, which more threads in the sync worker would buy as well).
            "threads": _per_second(min(threads, in_flight), thread_ms + hops_ms),
            "cpu": _per_second(1, process_cpu + asgi + hops_ms),
        }

    sync_bound = min(sync_limits, key=lambda name: sync_limits[name])
    sequential = async_limits(async_ms)
    async_bound = min(sequential, key=lambda name: sequential[name])
    sync_rps = sync_limits[sync_bound]
    async_rps = sequential[async_bound]
    gathered_rps = min(async_limits(gathered_ms).values())
    return Capacity(
        worker_threads=threads,
        concurrency=in_flight,
        upstream_ms=settings.latency("external_http"),
        sync_held_ms=round(sync_held, 3),
        async_loop_ms=round(loop_ms, 3),
        async_thread_ms=round(thread_ms + hops_ms, 3),
        sync_cpu_ms=round(process_cpu, 3),
        async_cpu_ms=round(process_cpu + asgi + hops_ms, 3),
        sync_rps=round(sync_rps, 2),
        async_rps=round(async_rps, 2),
        gathered_rps=round(gathered_rps, 2),
        ratio=round(async_rps / sync_rps, 3),
        gathered_ratio=round(gathered_rps / sync_rps, 3),
        sync_bound=sync_bound,
        async_bound=async_bound,
    )


def capacity_reason(capacity: Capacity) -> str:
    """One sentence a user can check: the two throughputs, what bounds each, the ratio."""
    held = f"each held {_ms(capacity.sync_held_ms)}"
    if capacity.sync_bound == "cpu":
        held += ", but CPU-bound"
    loop = f"{_ms(capacity.async_loop_ms)} of event loop each"
    if capacity.async_bound != "concurrency":
        loop += f", {capacity.async_bound}-bound"
    return (
        f"capacity per worker at {capacity.concurrency} requests in flight: "
        f"{_rps(capacity.sync_rps)} sync ({capacity.worker_threads} threads, {held}) → "
        f"{_rps(capacity.async_rps)} async ({loop}): {capacity.ratio:.1f}x"
        + (
            f" ({_rps(capacity.gathered_rps)}, {capacity.gathered_ratio:.1f}x gathered)"
            if capacity.gathered_rps > capacity.async_rps * 1.01
            else ""
        )
    )


def capacity_legend(basis: Capacity) -> str:
    return (
        "released = worker time per request async gives back (awaited waits); req/s per "
        f"worker = one sync worker with {basis.worker_threads} threads → one event loop, "
        f"{basis.concurrency} requests in flight, outbound HTTP {basis.upstream_ms:,.0f} ms "
        "([tool.advisor] worker_threads, concurrency; --latency external_http=MS)"
    )


def _rate_short(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def capacity_cell(capacity: Capacity) -> str:
    """`8.8→35 x4.0`: what one worker serves sync, then async, and the ratio."""
    return (
        f"{_rate_short(capacity.sync_rps)}→{_rate_short(capacity.async_rps)} x{capacity.ratio:.1f}"
    )


def _rps(value: float) -> str:
    return f"{value:,.0f} req/s" if value >= 10 else f"{value:.1f} req/s"


def blockers_for(view: View, project: ProjectFacts, index_mro: tuple[str, ...]) -> list[Blocker]:
    version = project.django_version
    found: list[Blocker] = []
    if version is not None and not django_api.version_at_least(
        version, django_api.ASYNC_VIEWS_SINCE
    ):
        found.append(
            Blocker(
                "django-version",
                f"Django {version} has no async views (added in {django_api.ASYNC_VIEWS_SINCE})",
                f"upgrade to Django {django_api.ASYNC_VIEWS_SINCE}+ (4.1+ for the async ORM)",
                location=view.location,
            )
        )
    in_transaction = any(e.kind == EffectKind.TRANSACTION for e in view.effects)
    for decision in policy.decide(
        view, version, project.auth_backends_without_aget_user, index_mro
    ):
        if decision.outcome == policy.Outcome.ALLOWED:
            continue
        if decision.rule == "transaction" and in_transaction:
            continue  # the transaction blocker below says it, with its advice
        advice = decision.advice
        if decision.rule == "drf" and not project.uses_adrf:
            advice += "; adrf is not in the project yet"
        found.append(
            Blocker(
                decision.rule,
                decision.message,
                advice,
                severity="blocker" if decision.outcome == policy.Outcome.BLOCKS else "cost",
                location=decision.location,
            )
        )
    if project.atomic_requests:
        found.append(
            Blocker(
                "atomic-requests",
                "ATOMIC_REQUESTS is on: Django raises RuntimeError for any async view",
                "turn it off or mark the view @transaction.non_atomic_requests",
            )
        )
    transaction_effects = [e for e in view.effects if e.kind == EffectKind.TRANSACTION]
    if transaction_effects:
        awaitable_inside = any(e.in_transaction and e.kind in AWAITABLE_KINDS for e in view.effects)
        found.append(
            Blocker(
                "transaction",
                "transaction.atomic cannot be entered from async code"
                + (" and it wraps outbound I/O" if awaitable_inside else ""),
                "move the transactional block into a sync function and await "
                "sync_to_async(fn)()"
                + (
                    "; better, make the external call outside the transaction"
                    if awaitable_inside
                    else ""
                ),
                location=transaction_effects[0].location,
            )
        )
    library = sorted(
        {
            e.location.path.removeprefix(INSTALLED_PREFIX).partition("/")[0]
            for e in view.effects
            if e.kind in AWAITABLE_KINDS and e.location.installed
        }
    )
    if library and not view.is_async:
        # allauth's flows post to the provider with requests: converting the view leaves
        # that wait blocking in a thread, and the rewrite edits only the project's code.
        first = next(e for e in view.effects if e.kind in AWAITABLE_KINDS and e.location.installed)
        found.append(
            Blocker(
                "library-io",
                f"its outbound waits are inside {', '.join(library)} (installed), which "
                "does them synchronously: an async view still waits in a thread there",
                "call the service with an async client in the project's own code (or the "
                "library's async API, if it has one), then convert",
                location=first.chain[0].location if first.chain else view.location,
            )
        )
    for effect in view.effects:
        if effect.kind == EffectKind.THREAD_LOCAL:
            found.append(
                Blocker(
                    "thread-local",
                    "uses threading.local, shared by every request on the event loop",
                    "use contextvars.ContextVar",
                    location=effect.location,
                )
            )
        if effect.kind == EffectKind.STREAMING and effect.blocking:
            found.append(
                Blocker(
                    "sync-stream",
                    "StreamingHttpResponse is fed by a sync generator",
                    "make the generator async (async for over the queryset) so ASGI can stream "
                    "it without a thread",
                    location=effect.location,
                )
            )
    return found


def _costs(view: View, project: ProjectFacts) -> list[Blocker]:
    costs: list[Blocker] = []
    renders = [e for e in view.effects if e.trigger == Trigger.RENDER]
    if renders:
        costs.append(
            Blocker(
                "lazy-render",
                f"{len(renders)} lazy queryset{'s' if len(renders) != 1 else ''} reach "
                "render(): they would raise "
                "SynchronousOnlyOperation in an async view",
                "evaluate them before rendering ([x async for x in qs]) or return a "
                "TemplateResponse",
                severity="cost",
                location=renders[0].location,
            )
        )
    user = [e for e in view.effects if e.call == "django.http.HttpRequest.user"]
    if user:
        has_auser = django_api.version_at_least(project.django_version, "5.0")
        costs.append(
            Blocker(
                "request-user",
                "request.user loads the user synchronously",
                "use await request.auser()" if has_auser else "wrap the access in sync_to_async",
                severity="cost",
                location=user[0].location,
            )
        )
    no_api = sorted({e.kind.value for e in view.effects if e.kind in NO_ASYNC_API})
    if no_api:
        costs.append(
            Blocker(
                "no-async-api",
                f"{', '.join(no_api)} has no async API: it stays in a thread",
                "await sync_to_async(...) around it, or move it to a task queue",
                severity="cost",
            )
        )
    cpu = [e for e in view.effects if e.kind == EffectKind.CPU]
    if cpu:
        costs.append(
            Blocker(
                "cpu",
                "CPU-heavy work would stall the event loop for every request",
                "keep it in a thread (sync_to_async) or a worker",
                severity="cost",
                location=cpu[0].location,
            )
        )
    return costs


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
    costs = _costs(view, project)
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
