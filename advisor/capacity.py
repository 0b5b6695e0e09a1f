"""Capacity, what a user buys: a sync worker holds one of its threads for the whole request,
an async one holds the event loop only while it runs Python; both share one process's CPU.
`estimate_capacity` turns the time model into requests/s per worker for each, at the
configured thread pool, requests in flight and upstream latency (a bottleneck model: the
smallest of what each thing a request holds allows)."""

from __future__ import annotations

from advisor.config import Settings
from advisor.model import Capacity
from advisor.timemodel import ms_text as _ms


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
