"""Attribute reads that cost time: a model instance's foreign key (unless select_related
loaded it), request.user / request.session (loaded by the middleware on first use), and a
project `@property`/`cached_property` whose getter runs on the read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from advisor.detectors import detector
from advisor.facts import AttributeUse, FunctionFacts, Name
from advisor.model import Confidence, Effect, Trigger
from advisor.rows import reached_through
from advisor.values import Context, Kind, T

if TYPE_CHECKING:
    from advisor.effects import EffectAnalyzer


@detector("attribute_reads", order=30)
def attribute_reads(
    analyzer: EffectAnalyzer,
    context: Context,
    function: FunctionFacts,
    in_atomic: Callable[[int], bool],
) -> list[Effect]:
    effects: list[Effect] = []
    seen_attributes: set[str] = set()
    for attribute in function.attribute_uses:
        prefix, _, last = attribute.dotted.rpartition(".")
        if last in seen_attributes:
            continue
        owner = analyzer.evaluate(Name(prefix), context)
        if owner.kind == Kind.MODEL:
            analyzer._foreign_key_read(context, attribute, owner, in_atomic, effects)
            continue
        if owner.kind == Kind.INSTANCE and owner.name in analyzer.index.classes:
            effects.extend(_property_read(analyzer, context, attribute, owner, last))
            continue
        if owner.kind != Kind.REQUEST or last not in ("user", "session"):
            continue
        seen_attributes.add(last)
        found = analyzer._request_attribute_row(last)
        if found is None:
            continue
        row = found
        count = sum(1 for a in function.attribute_uses if a.dotted.endswith("." + last))
        effects.append(
            analyzer._effect(
                row,
                row.pattern,
                analyzer._location(
                    context,
                    attribute.line,
                    attribute.column,
                    attribute.line,
                    attribute.end_column,
                ),
                context,
                (),
                confidence=Confidence.HEURISTIC,
                detail=f"{row.note} ({count} use{'s' if count != 1 else ''} in this function)",
                subject=attribute.dotted,
                trigger=Trigger.ATTRIBUTE,
            )
        )
    return effects


def _property_read(
    analyzer: EffectAnalyzer, context: Context, attribute: AttributeUse, owner: T, name: str
) -> list[Effect]:
    """`order.visible_items` where `visible_items` is a project property: its getter's
    effects, reached from the read."""
    method = analyzer.index.find_method(owner.name, name)
    if method is None or not analyzer._is_property(method):
        return []
    receiver = None if method.rpartition(".")[0] == owner.name else owner
    summary = analyzer.summary(method, receiver)
    location = analyzer._location(
        context, attribute.line, attribute.column, attribute.line, attribute.end_column
    )
    multiplier = analyzer.multiplier(attribute.loop_counts)
    loops = analyzer.loop_assumptions(attribute.loop_counts)
    found = [
        reached_through(
            effect,
            context,
            location,
            attribute.path,
            multiplier,
            bool(attribute.loop_counts),
            assumptions=tuple(dict.fromkeys((*effect.assumptions, *loops))),
        )
        for effect in summary.effects
    ]
    return found
