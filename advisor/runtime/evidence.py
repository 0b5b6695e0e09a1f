"""`advisor scan --observed FILE`: merge what `advisor observe` recorded into each view.

Per view: requests, per-request SQL and HTTP with their times, the call sites with their
chains, and every disagreement with the static prediction. An effect the run saw but the
code analysis did not find becomes an effect of the view (confidence "observed", located at
its innermost project frame), so the time model and the score count it; a predicted effect
the run never saw in N requests is flagged, not removed (a branch may not have run).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from advisor.config import DEFAULT_OBSERVED as DEFAULT_OBSERVED  # re-exported
from advisor.config import Settings
from advisor.model import (
    ChainLink,
    Confidence,
    Effect,
    EffectKind,
    Finding,
    Location,
    Observed,
    ObservedRoute,
    ObservedSite,
    Route,
    View,
)
from advisor.runtime.resolve import normalise_pattern

_LATENCY_CLASS = {"db": "db_query", "http": "external_http"}
_KIND = {"db": EffectKind.DB, "http": EffectKind.HTTP}


class EvidenceError(Exception):
    """The observed file cannot be read; the message is one line."""


def load_observed(path: Path) -> dict[str, dict[str, Any]]:
    """Per view id, what the run recorded (the `views` table of `advisor observe`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvidenceError(f"{path}: cannot read the observed record: {error}") from error
    views = data.get("views") if isinstance(data, dict) else None
    if not isinstance(views, dict) or not str(data.get("schema_version", "")).startswith("1."):
        raise EvidenceError(f"{path}: not a record written by `advisor observe`")
    return views


def attach(view: View, raw: dict[str, Any], settings: Settings) -> View:
    """The view with its observed evidence, disagreements and observed-only effects."""
    requests = max(int(raw.get("requests", 0)), 1)
    sites = tuple(
        ObservedSite(str(s["kind"]), int(s["count"]), tuple(str(c) for c in s.get("chain", ())))
        for s in sorted(raw.get("sites", {}).values(), key=lambda s: (-s["count"], s["chain"]))
    )
    predicted = {e.kind for e in view.effects}
    # A test double of a function that queries (auth.authenticate, a helper calling
    # get_object_or_404) stands in for its queries, as an HTTP double does for a request.
    db_attempts = int(raw.get("sql", 0)) + int(raw.get("db_doubles", 0))
    observed_counts = {"db": db_attempts, "http": int(raw.get("http", 0))}
    disagreements: list[str] = []
    added: list[Effect] = []
    for kind, count in observed_counts.items():
        effect_kind = _KIND[kind]
        if count and effect_kind not in predicted:
            where = next((s for s in sites if s.kind == kind), None)
            calls = [str(c) for c in raw.get("http_calls" if kind == "http" else "db_calls", [])]
            if where is not None:
                seen = " → ".join(where.chain)
            else:  # a test double is counted when the view returns, with no frame to show
                seen = calls[0] if calls else "no project frame on the stack"
            disagreements.append(f"observed {kind}, not predicted: {seen}")
            added.append(
                _observed_effect(view, effect_kind, kind, count / requests, where, settings)
            )
        elif not count and effect_kind in predicted:
            disagreements.append(
                f"predicted {kind}, never observed in {raw.get('requests', 0)} requests"
            )
    evidence = Observed(
        requests=int(raw.get("requests", 0)),
        direct_calls=int(raw.get("direct_calls", 0)),
        sql_per_request=round(int(raw.get("sql", 0)) / requests, 2),
        sql_ms_per_request=round(float(raw.get("sql_ms", 0.0)) / requests, 3),
        http_per_request=round(observed_counts["http"] / requests, 2),
        http_ms_per_request=round(float(raw.get("http_ms", 0.0)) / requests, 3),
        sites=sites,
        disagreements=tuple(disagreements),
    )
    return replace(
        view,
        effects=(*view.effects, *added),
        observed=evidence,
        routes=_routes_observed(view.routes, raw.get("by_route", {})),
    )


def _routes_observed(routes: tuple[Route, ...], by_route: dict[str, Any]) -> tuple[Route, ...]:
    """Each static route with the requests the run sent through it (patterns matched in
    either syntax)."""
    seen = {normalise_pattern(pattern): counts for pattern, counts in by_route.items()}
    matched: list[Route] = []
    for route in routes:
        counts = seen.get(normalise_pattern(route.pattern))
        if counts is None or not counts.get("requests"):
            matched.append(route)
            continue
        requests = int(counts["requests"])
        matched.append(
            replace(
                route,
                observed=ObservedRoute(
                    requests=requests,
                    sql_per_request=round(int(counts.get("sql", 0)) / requests, 2),
                    http_per_request=round(int(counts.get("http", 0)) / requests, 2),
                ),
            )
        )
    return tuple(matched)


def _observed_effect(
    view: View,
    kind: EffectKind,
    name: str,
    per_request: float,
    site: ObservedSite | None,
    settings: Settings,
) -> Effect:
    location = view.location
    if site is not None and site.chain:
        path, _, line = site.chain[-1].partition(" ")[0].rpartition(":")
        if line.isdigit():
            location = Location(path, int(line))
    latency_class = _LATENCY_CLASS[name]
    calls = max(1, round(per_request))
    return Effect(
        kind=kind,
        call=f"observed {name}",
        location=location,
        chain=tuple(
            ChainLink(link.partition(" ")[2] or link, location)
            for link in (site.chain if site else ())
        )
        or (ChainLink(view.id, location),),
        detail=f"the test run saw {per_request:g} {name} call(s) per request here; the code "
        "analysis did not find them",
        latency_class=latency_class,
        estimated_ms=calls * settings.latency(latency_class),
        multiplier=calls,
        confidence=Confidence.OBSERVED,
    )


def summary_finding(path: Path, views: dict[str, dict[str, Any]], matched: int) -> Finding:
    return Finding(
        "observed",
        f"observed evidence from {path}: {len(views)} views recorded, {matched} matched "
        "to views of this scan",
    )
