"""Effects from catalog rows: one `Effect` per costly call, iteration or read, with its
latency class, the loop multiplier and the location (the catalog's absence of a row the
analysis itself names is a bug in the catalog); and what a depth bound leaves instead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from advisor import timemodel
from advisor.catalog import Catalog, CatalogRow
from advisor.config import Settings
from advisor.facts import LOOP_UNKNOWN, Path
from advisor.index import ProjectIndex
from advisor.model import ChainLink, Confidence, Effect, Location, Trigger, UnknownCall
from advisor.values import MAX_MULTIPLIER, Context


class EffectRows:
    """Building effects from catalog rows."""

    if TYPE_CHECKING:
        # Defined by EffectAnalyzer (advisor/effects.py).
        catalog: Catalog
        index: ProjectIndex
        settings: Settings

    def multiplier(self, loop_counts: Iterable[int]) -> int:
        product = 1
        for count in loop_counts:
            if count >= 0:  # a known bound: `range(0)` runs no iterations
                product *= count
            elif count == LOOP_UNKNOWN:
                product *= self.settings.loop_iterations
            else:  # unknown bound, but the loop can break out early
                product *= max(1, self.settings.loop_iterations // 2)
        return min(product, MAX_MULTIPLIER)

    def loop_assumptions(self, loop_counts: Iterable[int]) -> tuple[str, ...]:
        """What `multiplier` assumed for loops whose bound the code does not state."""
        assumed = self.settings.loop_iterations
        notes = [
            timemodel.unknown_loop_note(assumed, False)
            if count == LOOP_UNKNOWN
            else timemodel.unknown_loop_note(max(1, assumed // 2), True)
            for count in loop_counts
            if count < 0
        ]
        return tuple(dict.fromkeys(notes))

    def _effect(
        self,
        row: CatalogRow,
        call: str,
        location: Location,
        context: Context,
        loop_counts: tuple[int, ...],
        *,
        confidence: Confidence = Confidence.EXACT,
        awaited: bool = False,
        ms: float | None = None,
        detail: str | None = None,
        in_transaction: bool = False,
        subject: str | None = None,
        wrapped: bool = False,
        trigger: Trigger = Trigger.CALL,
        path: Path = (),
        assumptions: tuple[str, ...] = (),
    ) -> Effect:
        multiplier = self.multiplier(loop_counts)
        per_call = ms if ms is not None else self.settings.latency(row.latency)
        blocking = row.blocking and not wrapped
        return Effect(
            kind=row.kind,
            call=call,
            location=location,
            chain=(ChainLink(context.qualified, location),),
            detail=detail or row.note,
            latency_class=row.latency,
            estimated_ms=round(per_call * multiplier, 3),
            multiplier=multiplier,
            in_loop=bool(loop_counts),
            confidence=confidence,
            blocking=blocking,
            awaited=awaited or wrapped,
            async_alternative=row.async_alternative,
            alternative_since=row.since,
            in_transaction=in_transaction,
            subject=subject,
            rewrite=row.rewrite,
            trigger=trigger,
            branches=timemodel.branches(context.qualified, path),
            assumptions=(*assumptions, *self.loop_assumptions(loop_counts)),
        )

    def _known(self, call: str) -> CatalogRow:
        """The catalog row of a call the analysis itself names (queryset dunders, request
        attributes): its absence is a bug in the catalog, not in the scanned project."""
        row = self.catalog.match(call)
        if row is None:
            raise LookupError(f"catalog has no row for {call}")
        return row

    def _location(
        self,
        context: Context,
        line: int,
        column: int = 0,
        end_line: int | None = None,
        end_column: int | None = None,
    ) -> Location:
        return Location(context.info.path, line, column, end_line, end_column)

    def _depth_cut(self, qualified: str) -> tuple[UnknownCall, ...]:
        """A call nested deeper than max_call_depth: one finding for the scan, and an
        unknown call for the view (not followed is not the same as doing nothing)."""
        depth = self.settings.max_call_depth
        self.index.limits.setdefault(
            "call_depth",
            f"calls nested deeper than max_call_depth = {depth} are not followed (first at "
            f"{qualified}); raise it in [tool.advisor]",
        )
        entry = self.index.functions.get(qualified)
        if entry is None:
            return ()
        where = Location(entry[0].path, entry[1].line)
        return (UnknownCall(qualified, where, f"deeper than max_call_depth = {depth}"),)


def reached_through(
    effect: Effect,
    context: Context,
    location: Location,
    path: Path,
    multiplier: int,
    in_loop: bool,
    **changes: object,
) -> Effect:
    """A callee's (or a property getter's) effect as seen from the call site at `location` in
    `context`'s function: one more link in its chain, the site's loop multiplier and
    branches on top of its own."""
    total = min(effect.multiplier * multiplier, MAX_MULTIPLIER)
    per_call = effect.estimated_ms / max(effect.multiplier, 1)
    return replace(
        effect,
        chain=(ChainLink(context.qualified, location), *effect.chain),
        multiplier=total,
        estimated_ms=round(per_call * total, 3),
        in_loop=effect.in_loop or in_loop,
        branches=(
            *timemodel.branches(context.qualified, path),
            *timemodel.called_from(location, effect.branches),
        ),
        **changes,  # type: ignore[arg-type]
    )
