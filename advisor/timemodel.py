"""The time model's view of a request's paths: which effects can run in the same request,
how many times a loop runs, and how much CPU a call costs for the input it is given.

Effects carry `branches`: one "group=arm" entry per exclusive construct enclosing the call
along its chain (if/elif/else, an early return, try/except, match), outermost first.
`costliest_path` keeps the effects of the one path through those groups that holds a worker
longest: seven `render()` calls in an if/elif chain cost one render, a `try` around an
outbound call and its cached fallback in `except` cost the dearer of the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from advisor.model import Effect, EffectKind, Location

# --- What a wait is -----------------------------------------------------------------------

# Awaitable waits an async view releases the worker for; thread waits stay in a thread even
# then (Django's async ORM and cache run the sync code through sync_to_async); CPU is CPU.
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


def ms_text(value: float) -> str:
    """A duration for a reason: `450 ms`, `4.0 ms`."""
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


# --- Branches ------------------------------------------------------------------------------


def branches(qualified: str, path: Iterable[tuple[int, int]]) -> tuple[str, ...]:
    """The (branch group, arm) path of a fact in function `qualified` (`advisor.facts`) as
    the effect's branch entries."""
    return tuple(f"{qualified}#{group}={arm}" for group, arm in path)


def called_from(location: Location, inner: Iterable[str]) -> tuple[str, ...]:
    """A callee's branch entries as seen through one call site: two calls of the same helper
    are two separate sets of groups."""
    site = f"{location.path}:{location.line}:{location.column}>"
    return tuple(site + entry for entry in inner)


def _split(entry: str) -> tuple[str, int]:
    group, _, arm = entry.rpartition("=")
    return group, int(arm)


def costliest_path(
    effects: Sequence[Effect], cost: Callable[[Effect], float] | None = None
) -> tuple[list[Effect], int]:
    """The effects of the costliest path through the exclusive groups (by `cost`, default
    the estimated time) and how many groups had an arm left out. Effects outside any group
    always run; of a group's arms the dearest is kept, recursively."""
    measure = cost or (lambda e: e.estimated_ms)
    dropped = 0

    def walk(members: list[Effect], depth: int) -> tuple[list[Effect], float]:
        nonlocal dropped
        kept = [e for e in members if len(e.branches) <= depth]
        total = math.fsum(measure(e) for e in kept)
        groups: dict[str, dict[int, list[Effect]]] = {}
        for effect in members:
            if len(effect.branches) > depth:
                group, arm = _split(effect.branches[depth])
                groups.setdefault(group, {}).setdefault(arm, []).append(effect)
        for arms in groups.values():
            chosen: tuple[list[Effect], float] | None = None
            for arm in sorted(arms):
                candidate = walk(arms[arm], depth + 1)
                if chosen is None or candidate[1] > chosen[1]:
                    chosen = candidate
            assert chosen is not None
            if len(arms) > 1:
                dropped += 1
            kept.extend(chosen[0])
            total += chosen[1]
        return kept, total

    kept, _ = walk(list(effects), 0)
    order = {id(e): i for i, e in enumerate(effects)}
    kept.sort(key=lambda e: order[id(e)])
    return kept, dropped


# --- Loops ---------------------------------------------------------------------------------


def unknown_loop_note(iterations: int, early_exit: bool) -> str:
    """The stated assumption for a loop whose bound the code does not give."""
    if early_exit:
        return (
            f"a loop of unknown length that can stop early counted as {iterations} "
            "iterations (half of loop_iterations)"
        )
    return f"a loop of unknown length counted as {iterations} iterations (loop_iterations)"


# --- CPU by input size ---------------------------------------------------------------------

# Throughput of the CPU calls whose cost follows their input, in ms per KiB (CPython on
# one core of a current x86 machine: SHA-256 ~500 MB/s, zlib level 6 ~50 MB/s).
_MS_PER_KIB: tuple[tuple[str, float], ...] = (
    ("hashlib.pbkdf2_hmac", math.nan),  # cost follows its iteration count, not its input
    ("hashlib.scrypt", math.nan),
    ("hashlib.", 0.002),
    ("zlib.compress", 0.02),
    ("gzip.compress", 0.02),
)


# An input whose size the code does not state is priced as Django's default
# DATA_UPLOAD_MAX_MEMORY_SIZE: hashing that much takes ~5 ms, compressing it ~50 ms. Pricing
# it at the `cpu` class (60 ms, 30 MB of SHA-256) made a view that hashes a password digest
# "CPU-bound, keep sync".
ASSUMED_INPUT_BYTES = 2_621_440


@dataclass(frozen=True, slots=True)
class CpuCost:
    ms: float
    detail: str | None  # what the estimate rests on, for the evidence
    assumption: str | None  # set when the size was not known


def cpu_cost(call: str, size: Callable[[], int | None], class_ms: float) -> CpuCost:
    """What a CPU call costs: by its input's `size` in bytes when the call's cost follows it
    (an unknown size is priced as the largest request body Django holds in memory, stated
    as an assumption), else the `cpu` latency class."""
    rate = next((r for prefix, r in _MS_PER_KIB if call.startswith(prefix)), None)
    if rate is None or math.isnan(rate):
        return CpuCost(class_ms, None, None)
    known = size()
    if known is None:
        ms = ASSUMED_INPUT_BYTES / 1024 * rate
        return CpuCost(
            ms,
            None,
            f"{call.rsplit('.', 1)[-1]}() of an input of unknown size priced as "
            f"{ASSUMED_INPUT_BYTES / 1024 / 1024:g} MiB, the most of a request body Django "
            f"holds in memory (DATA_UPLOAD_MAX_MEMORY_SIZE): ≈ {ms:.1f} ms",
        )
    ms = known / 1024 * rate
    return CpuCost(ms, f"on {known} byte(s) of known input: ≈ {ms:.3f} ms", None)
