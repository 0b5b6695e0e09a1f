"""The HTML report: one self-contained page (CSS, JS, SVG bars; no network, works from
disk) rendered from the jinja2 templates in `report_templates/` with autoescape on.

The view data is embedded once as JSON (`tojson`, safe inside a script block) and the page's
script renders the table and the per-view detail with text nodes only. A Content-Security-
Policy with hashes of the page's own style and script blocks any script or request that
scanned text could smuggle in. The summary helpers here are shared with `to_markdown.py`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import math
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from advisor.capacity import capacity_cell, capacity_legend
from advisor.model import (
    CATEGORY_ORDER,
    INSTALLED_PREFIX,
    Category,
    Effect,
    Location,
    MiddlewareInfo,
    ProjectFacts,
    ScanResult,
    View,
)
from advisor.reporters import ReportOptions, RewritePreview, reporter

CATEGORY_SLUGS: dict[Category, str] = {
    Category.STRONG: "strong",
    Category.NEEDS_WORK: "needs-work",
    Category.LITTLE: "little",
    Category.KEEP_SYNC: "keep-sync",
    Category.ALREADY_ASYNC: "already-async",
    Category.ASYNC_BLOCKING: "blocking",
}
# Categories the report offers a rewrite command for: the candidates, and async views that
# block, whose blocking calls the rewrite replaces. Whether the rewrite converts a given view
# is the rewrite's own outcome (ReportOptions.rewrite), never restated here.
REWRITABLE: frozenset[Category] = frozenset(
    {Category.STRONG, Category.NEEDS_WORK, Category.ASYNC_BLOCKING}
)
CONVERT_FIRST_COUNT = 3
CHART_BAR_COUNT = 12
UNKNOWN_CALLS_LISTED = 200

# Django releases that changed what an async view can do (see django-async-api.md).
_ASYNC_VIEWS_SINCE = (3, 1)
_ASYNC_ORM_SINCE = (4, 1)


# ---- summary helpers shared by the HTML and Markdown reports ----------------------------


@dataclass(frozen=True, slots=True)
class ReadinessCheck:
    """One line of the project readiness summary; `status` is ok, warn, bad or info."""

    label: str
    value: str
    status: str
    note: str = ""


def format_ms(value: float) -> str:
    if value < 10 and value != round(value):
        return f"{value:.1f} ms"
    return f"{value:,.0f} ms"


def route_text(pattern: str) -> str:
    """A URL pattern as a user reads it: rooted, without the regex anchors."""
    return "/" + pattern.removeprefix("^").removesuffix("$")


def first_route(view: View) -> str:
    if not view.routes:
        return "(not routed)"
    more = f" (+{len(view.routes) - 1} more)" if len(view.routes) > 1 else ""
    return route_text(view.routes[0].pattern) + more


def rewrite_command(root: str, view_id: str) -> str:
    return f"advisor rewrite {shlex.quote(root)} --view {shlex.quote(view_id)}"


def selection_command(root: str, category: Category = Category.STRONG) -> str:
    # Category values are fixed words without shell metacharacters; double quotes read best.
    return f'advisor rewrite {shlex.quote(root)} --category "{category.value}"'


def ranked_candidates(result: ScanResult, category: Category = Category.STRONG) -> list[View]:
    """Routed views of one category, best first: highest score, then most time released;
    with traffic weights (--traffic), most worker time freed per minute first."""
    views = [
        view
        for view in result.routed_views
        if view.score is not None and view.score.category is category
    ]
    if any(view.traffic is not None for view in result.views):
        return sorted(
            views,
            key=lambda v: (
                -(v.traffic.freed_ms_per_minute if v.traffic else 0.0),
                -(v.score.value if v.score else 0),
                v.id,
            ),
        )
    return sorted(
        views,
        key=lambda v: (-v.score.value, -v.score.overlap_ms, v.id) if v.score else (0, 0.0, v.id),
    )


def convert_first(result: ScanResult, count: int = CONVERT_FIRST_COUNT) -> list[View]:
    return ranked_candidates(result, Category.STRONG)[:count]


def fix_first(result: ScanResult) -> list[View]:
    """Views that are already async but call blocking code on the event loop."""
    return ranked_candidates(result, Category.ASYNC_BLOCKING)


def category_counts(result: ScanResult) -> list[tuple[Category, int]]:
    """Routed views per category, in the report's category order, zero counts left out."""
    counts = {category: 0 for category in CATEGORY_ORDER}
    for view in result.routed_views:
        if view.score is not None:
            counts[view.score.category] += 1
    return [(category, count) for category, count in counts.items() if count]


def one_line_reason(view: View) -> str:
    return view.score.reasons[0] if view.score and view.score.reasons else ""


def blocker_messages(view: View) -> list[str]:
    if view.score is None:
        return []
    return [b.message for b in view.score.blockers if b.severity == "blocker"]


@dataclass(frozen=True, slots=True)
class WorkerTime:
    """The share of worker time async gives back, counting one request to each routed view:
    a sync request holds a thread for `capacity.sync_held_ms`; converting a view frees its
    released time (`overlap_ms`)."""

    held_ms: float  # all routed views, sync
    routed: int
    top: list[View]  # the views to convert first
    top_released_ms: float
    candidates: int  # every strong candidate
    candidates_released_ms: float

    def percent(self, released_ms: float) -> float:
        return 100.0 * released_ms / self.held_ms if self.held_ms > 0 else 0.0

    def sentence(self) -> str:
        """One sentence for the top of a report (the same words in HTML and Markdown)."""
        count = len(self.top)
        if not count:
            return (
                f"No strong candidate: converting views frees no worker time worth the "
                f"change ({self.routed:,} routed view{_plural(self.routed)} scanned)."
            )
        views = "view" if count == 1 else f"{count} views"
        text = (
            f"Converting the top {views} frees {self.percent(self.top_released_ms):.0f} % "
            f"of worker time"
        )
        if self.candidates > count:
            text += (
                f" (all {self.candidates} strong candidates: "
                f"{self.percent(self.candidates_released_ms):.0f} %)"
            )
        return (
            text + f", counting one request to each of the {self.routed:,} routed "
            f"view{_plural(self.routed)}."
        )


def worker_time(result: ScanResult, count: int = CONVERT_FIRST_COUNT) -> WorkerTime:
    scored = [v for v in result.routed_views if v.score is not None]
    strong = ranked_candidates(result, Category.STRONG)
    top = strong[:count]

    def released(views: list[View]) -> float:
        return sum(v.score.overlap_ms for v in views if v.score is not None)

    return WorkerTime(
        held_ms=sum(v.score.capacity.sync_held_ms for v in scored if v.score is not None),
        routed=len(result.routed_views),
        top=top,
        top_released_ms=released(top),
        candidates=len(strong),
        candidates_released_ms=released(strong),
    )


def released_total(result: ScanResult) -> tuple[float, int]:
    """Time released per request summed over the routed views that release any, and how
    many they are."""
    views = [v for v in result.routed_views if v.score is not None and v.score.overlap_ms > 0]
    return sum(v.score.overlap_ms for v in views if v.score is not None), len(views)


_LINK_FIELDS = frozenset({"path", "line"})
_UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")


def link_template_error(template: str) -> str | None:
    """Why `template` cannot make file:line links, or None when it can."""
    fields = set(re.findall(r"{([^{}]*)}", template))
    if "path" not in fields:
        return (
            "--link-template needs {path} (and usually {line}), e.g. "
            "'https://github.com/OWNER/REPO/blob/main/{path}#L{line}'"
        )
    unknown = sorted(fields - _LINK_FIELDS)
    if unknown:
        return f"--link-template knows {{path}} and {{line}}, not {{{unknown[0]}}}"
    if "".join(template.split()).lower().startswith(_UNSAFE_SCHEMES):
        return "--link-template must be a file or web URL, not a script or data URL"
    return None


def repository_path(root: str, path: str) -> str:
    """A path relative to the scanned folder, relative to the repository root instead."""
    if root in ("", "."):
        return path
    return str(PurePosixPath(root) / path)


def location_link(template: str | None, root: str, location: Location | None) -> str | None:
    if not template or location is None or location.installed:
        return None  # code in an installed package has no place in the repository
    path = quote(repository_path(root, location.path), safe="/")
    return template.replace("{path}", path).replace("{line}", str(max(1, location.line)))


def _version_tuple(version: str | None) -> tuple[int, int] | None:
    match = re.match(r"\D*(\d+)\.(\d+)", version or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def middleware_status(middleware: tuple[MiddlewareInfo, ...]) -> ReadinessCheck:
    sync_only = [m.path for m in middleware if m.status == "sync-only"]
    if not middleware:
        return ReadinessCheck("Middleware", "no MIDDLEWARE setting found", "info")
    if sync_only:
        return ReadinessCheck(
            "Middleware",
            f"{len(sync_only)} of {len(middleware)} sync-only: {', '.join(sync_only)}",
            "bad",
            "Sync-only middleware makes Django adapt the chain below it to sync: every async "
            "view pays a thread hop per request. Make it async-capable first.",
        )
    unknown = [m.path for m in middleware if m.status == "unknown"]
    if unknown:
        return ReadinessCheck(
            "Middleware",
            f"{len(middleware)} middleware, {len(unknown)} of unknown async support",
            "warn",
            "Check these by hand: " + ", ".join(unknown),
        )
    return ReadinessCheck("Middleware", f"{len(middleware)} middleware, all async-capable", "ok")


def readiness_checks(project: ProjectFacts) -> list[ReadinessCheck]:
    """What the project needs before async views pay off, worst problems marked bad."""
    checks: list[ReadinessCheck] = []
    version = _version_tuple(project.django_version)
    source = f" (from {project.django_version_source})" if project.django_version_source else ""
    if version is None:
        checks.append(
            ReadinessCheck(
                "Django",
                "version unknown",
                "warn",
                "Pass --django-version so advice uses the right async APIs.",
            )
        )
    elif version < _ASYNC_VIEWS_SINCE:
        checks.append(
            ReadinessCheck(
                "Django",
                f"{project.django_version}{source}",
                "bad",
                "Async views need Django 3.1+.",
            )
        )
    elif version < _ASYNC_ORM_SINCE:
        checks.append(
            ReadinessCheck(
                "Django",
                f"{project.django_version}{source}",
                "warn",
                "No async ORM before 4.1: every query needs sync_to_async.",
            )
        )
    else:
        checks.append(ReadinessCheck("Django", f"{project.django_version}{source}", "ok"))

    if project.asgi_entry_points:
        application = f" · {project.asgi_application}" if project.asgi_application else ""
        checks.append(
            ReadinessCheck(
                "ASGI entry point", ", ".join(project.asgi_entry_points) + application, "ok"
            )
        )
    else:
        checks.append(
            ReadinessCheck(
                "ASGI entry point",
                "none found",
                "bad",
                "Without asgi.py the project runs under WSGI, where async views run in a "
                "thread per request and gain nothing.",
            )
        )
    if project.asgi_servers:
        checks.append(ReadinessCheck("ASGI server", ", ".join(project.asgi_servers), "ok"))
    else:
        checks.append(
            ReadinessCheck(
                "ASGI server",
                "none in the dependencies",
                "warn",
                "Deploy with an ASGI server (uvicorn, daphne, hypercorn, granian) to serve "
                "async views natively.",
            )
        )
    checks.append(middleware_status(project.middleware))

    engines = ", ".join(e.rsplit(".", 1)[-1] for e in project.database_engines) or "unknown"
    checks.append(ReadinessCheck("Database", engines, "info"))
    if project.conn_max_age not in (None, "0"):
        checks.append(
            ReadinessCheck(
                "CONN_MAX_AGE",
                str(project.conn_max_age),
                "warn",
                "Persistent connections are per thread; under ASGI they pile up. Use 0 and a "
                "connection pool.",
            )
        )
    else:
        checks.append(ReadinessCheck("CONN_MAX_AGE", str(project.conn_max_age or "0"), "ok"))
    if project.atomic_requests:
        checks.append(
            ReadinessCheck(
                "ATOMIC_REQUESTS",
                "on",
                "bad",
                "Every view runs in a transaction, which async code cannot enter: turn it off "
                "or decorate converted views with non_atomic_requests.",
            )
        )
    else:
        checks.append(ReadinessCheck("ATOMIC_REQUESTS", "off", "ok"))
    if project.uses_drf and project.uses_adrf:
        checks.append(ReadinessCheck("Django REST framework", "used, with adrf", "ok"))
    elif project.uses_drf:
        checks.append(
            ReadinessCheck(
                "Django REST framework",
                "used, without adrf",
                "warn",
                "DRF views are sync-only; converting them needs adrf.",
            )
        )
    else:
        checks.append(ReadinessCheck("Django REST framework", "not used", "info"))
    return checks


# ---- page context -----------------------------------------------------------------------


def _loc(location: Location | None) -> str:
    return str(location) if location is not None else ""


def _is_empty(value: Any) -> bool:
    # Identity for False: 0 and 0.0 are information (a score of 0), not emptiness.
    return value is None or value is False or (isinstance(value, (str, list)) and not value)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values so 2,000 views stay small; the page treats missing as empty."""
    return {key: value for key, value in data.items() if not _is_empty(value)}


def _effect_data(effect: Effect) -> dict[str, Any]:
    data = _compact(
        {
            "kind": effect.kind.value,
            "call": effect.call,
            "location": _loc(effect.location),
            "chain": [
                {"function": link.function, "location": _loc(link.location)}
                for link in effect.chain
            ],
            "detail": effect.detail,
            "confidence": effect.confidence.value,
            "estimated_ms": effect.estimated_ms,
            "multiplier": effect.multiplier if effect.multiplier != 1 else None,
            "in_loop": effect.in_loop,
            "awaited": effect.awaited,
            "in_transaction": effect.in_transaction,
            "alternative": effect.async_alternative,
            "since": effect.alternative_since,
        }
    )
    if not effect.blocking:
        data["blocking"] = False  # most effects block: only the exception is recorded
    return data


OBSERVED_SITES_LISTED = 10


def _preview_data(preview: RewritePreview | None) -> dict[str, Any] | None:
    if preview is None:
        return None
    return _compact(
        {"status": preview.status, "reason": preview.reason, "steps": list(preview.steps)}
    )


def _view_data(
    view: View, rank: int, root: str, preview: RewritePreview | None = None
) -> dict[str, Any]:
    score = view.score
    data: dict[str, Any] = {
        "rank": rank,
        "id": view.id,
        "app": view.app,
        "kind": view.kind.value,
        "is_async": view.is_async,
        "routed": view.routed,
        "location": _loc(view.location),
        "order": CATEGORY_ORDER.index(score.category) if score else len(CATEGORY_ORDER),
        "routes": [
            # The pattern stays even when empty: "" is the site root.
            {"pattern": route.pattern}
            | _compact(
                {
                    "name": route.name,
                    "methods": list(route.methods),
                    "action": route.action,
                    "location": _loc(route.location),
                }
            )
            for route in view.routes
        ],
        "handlers": [
            _compact(
                {
                    "name": handler.name,
                    "is_async": handler.is_async,
                    "location": _loc(handler.location),
                    "defined_in": handler.defined_in,
                }
            )
            for handler in view.handlers
        ],
        "decorators": list(view.decorators),
        "bases": list(view.bases),
        "effects": [_effect_data(effect) for effect in view.effects],
        "unknown_calls": [
            {"expression": u.expression, "location": _loc(u.location), "reason": u.reason}
            for u in view.unknown_calls
        ],
    }
    if view.observed is not None:
        seen = view.observed
        data["observed"] = {
            "requests": seen.requests,
            "direct_calls": seen.direct_calls,
            "sql": seen.sql_per_request,
            "sql_ms": seen.sql_ms_per_request,
            "http": seen.http_per_request,
            "http_ms": seen.http_ms_per_request,
            "sites": [
                {"kind": site.kind, "count": site.count, "chain": list(site.chain)}
                for site in seen.sites[:OBSERVED_SITES_LISTED]
            ],
            "disagreements": list(seen.disagreements),
        }
    if score is not None:
        data |= {
            "category": score.category.value,
            "slug": CATEGORY_SLUGS[score.category],
            "score": score.value,
            "sync_ms": score.predicted_sync_ms,
            "async_ms": score.predicted_async_ms,
            "gathered_ms": score.predicted_gathered_ms,
            "overlap_ms": score.overlap_ms,
            "sync_rps": score.capacity.sync_rps,
            "async_rps": score.capacity.async_rps,
            "capacity_ratio": score.capacity.ratio,
            "capacity": capacity_cell(score.capacity),
            "thread_ms": score.thread_ms,
            "blocking_ms": score.blocking_ms,
            "io_ms": score.estimated_io_ms,
            "cpu_ms": score.estimated_cpu_ms,
            "reasons": list(score.reasons),
            "blockers": [
                _compact(
                    {
                        "id": b.id,
                        "message": b.message,
                        "advice": b.advice,
                        "severity": b.severity,
                        "location": _loc(b.location),
                    }
                )
                for b in score.blockers
            ],
        }
        if view.routed and score.category in REWRITABLE:
            data["command"] = rewrite_command(root, view.id)
            data["rewrite"] = _preview_data(preview)
    compact = _compact(data)
    compact["routed"] = view.routed  # the one flag whose absence would read as "routed"
    return compact


def _table_order(result: ScanResult) -> list[View]:
    """The pipeline's ranking, routed views first, then the ones no URL reaches."""
    return [v for v in result.views if v.routed] + [v for v in result.views if not v.routed]


def _axis_step(top: float, intervals: int) -> float:
    """The smallest 1-2-5 step whose `intervals` steps reach `top`."""
    raw = max(top, 1.0) / intervals
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(f * magnitude for f in (1, 2, 2.5, 5, 10) if f * magnitude >= raw)


AXIS_INTERVALS = 4  # four equal parts: the CSS places the ticks at 0, 25, 50, 75, 100 %


def _chart(result: ScanResult) -> dict[str, Any]:
    released = sorted(
        (v for v in result.routed_views if v.score is not None and v.score.overlap_ms > 0),
        key=lambda v: (-(v.score.overlap_ms if v.score else 0.0), v.id),
    )
    shown = released[:CHART_BAR_COUNT]
    top = max((v.score.overlap_ms for v in shown if v.score), default=1.0) or 1.0
    step = _axis_step(top, AXIS_INTERVALS)
    scale = step * AXIS_INTERVALS
    bars = []
    for view in shown:
        assert view.score is not None
        bars.append(
            {
                "id": view.id,
                # Width in the bar's own 0-1000 viewBox: the axis maximum is 1000.
                "width": max(4, round(view.score.overlap_ms / scale * 1000)),
                "value": format_ms(view.score.overlap_ms),
                "slug": CATEGORY_SLUGS[view.score.category],
                "category": view.score.category.value,
            }
        )
    in_chart = {bar["category"] for bar in bars}
    legend = [
        {"category": c.value, "slug": CATEGORY_SLUGS[c]}
        for c in CATEGORY_ORDER
        if c.value in in_chart
    ]
    rest = released[CHART_BAR_COUNT:]
    rest_text = ""
    if rest:
        rest_ms = sum(v.score.overlap_ms for v in rest if v.score)
        rest_text = f"{len(rest):,} more view{_plural(len(rest))} release " + format_ms(rest_ms)
    return {
        "bars": bars,
        "ticks": [format_ms(step * index) for index in range(AXIS_INTERVALS + 1)],
        "legend": legend,
        "rest": rest_text,
    }


def _pick(view: View, root: str, preview: RewritePreview | None) -> dict[str, Any]:
    assert view.score is not None
    return {
        "skipped": preview.reason if preview and preview.status == "skipped" else "",
        "id": view.id,
        "score": view.score.value,
        "released": format_ms(view.score.overlap_ms),
        "freed": (
            f"{view.traffic.freed_ms_per_minute / 1000:,.1f} s of worker time freed per minute "
            f"at {view.traffic.requests_per_minute:,.1f} requests/min"
            if view.traffic is not None
            else ""
        ),
        "reason": one_line_reason(view),
        "route": first_route(view),
        "blockers": "; ".join(blocker_messages(view)),
        "command": rewrite_command(root, view.id),
    }


def _middleware_rows(
    middleware: tuple[MiddlewareInfo, ...], href: Callable[[Location | None], str | None]
) -> list[dict[str, Any]]:
    return [
        {
            "path": m.path,
            "status": m.status,
            "note": m.note,
            "location": _loc(m.location),
            "href": href(m.location),
            "css": "sync-only" if m.status == "sync-only" else "",
        }
        for m in middleware
    ]


def _sources(result: ScanResult) -> dict[str, list[list[Any]]]:
    """The excerpts by path: [[first line, [lines…]], …], for the page's script."""
    sources: dict[str, list[list[Any]]] = {}
    for excerpt in result.excerpts:
        sources.setdefault(excerpt.path, []).append([excerpt.first_line, list(excerpt.lines)])
    return sources


def build_context(result: ScanResult, options: ReportOptions | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain values; text stays raw for autoescape."""
    options = options or ReportOptions()
    project = result.project
    root = project.root
    previews = options.rewrite
    href = functools.partial(location_link, options.link_template, root)
    ordered = _table_order(result)
    readiness = []
    for check in readiness_checks(project):
        entry: dict[str, Any] = {
            "label": check.label,
            "value": check.value,
            "status": check.status,
            "note": check.note,
            "middleware": [],
        }
        if check.label == "Middleware":
            entry["middleware"] = _middleware_rows(project.middleware, href)
        readiness.append(entry)
    unknown = [(view, call) for view in ordered for call in view.unknown_calls]
    released_ms, released_count = released_total(result)
    blocking = fix_first(result)
    fixable = [v for v in blocking if (p := previews.get(v.id)) and p.status == "changed"]
    basis = next((v.score.capacity for v in result.views if v.score is not None), None)
    return {
        "capacity_legend": capacity_legend(basis) if basis is not None else "",
        "tool_version": result.tool_version,
        "root": root,
        "run_from": (
            "the repository root" if project.in_repository else "the scanned project folder"
        ),
        "project_name": project.name or PurePosixPath(root).name or root,
        "headline": worker_time(result).sentence(),
        "stats_line": (
            f"{result.stats.files:,} files, {result.stats.lines:,} lines, "
            f"scanned in {result.timings.get('total', 0.0):.2f} s"
        ),
        "convert_first": [
            _pick(view, root, previews.get(view.id)) for view in convert_first(result)
        ],
        "convert_first_by_traffic": any(view.traffic is not None for view in result.views),
        "strong_count": len(ranked_candidates(result, Category.STRONG)),
        "needs_work_count": len(ranked_candidates(result, Category.NEEDS_WORK)),
        "selection_command": selection_command(root),
        "fix_first": [{"id": v.id, "reason": one_line_reason(v)} for v in blocking],
        "fix_command": selection_command(root, Category.ASYNC_BLOCKING),
        # Known only when the CLI asked the rewrite's planner (ReportOptions.rewrite).
        "fixable": len(fixable) if previews else None,
        "category_counts": [
            {"category": c.value, "slug": CATEGORY_SLUGS[c], "count": n}
            for c, n in category_counts(result)
        ],
        "unrouted_count": sum(1 for v in result.views if not v.routed),
        "total_released": format_ms(released_ms),
        "released_views": released_count,
        "chart": _chart(result),
        "readiness": readiness,
        "view_count": len(result.views),
        "view_count_text": f"{len(result.views):,}",
        "unrouted": [
            {
                "id": v.id,
                "location": _loc(v.location),
                "href": href(v.location),
                "category": v.score.category.value if v.score else "not scored",
            }
            for v in result.views
            if not v.routed
        ],
        "framework_routes": [
            {
                "group": r.group,
                "pattern": route_text(r.pattern),
                "name": r.name or "",
                "target": r.target,
                "location": _loc(r.location),
                "href": href(r.location),
            }
            for r in result.framework_routes
        ],
        "findings": [
            {
                "kind": f.kind,
                "message": f.message,
                "location": _loc(f.location),
                "href": href(f.location),
            }
            for f in result.findings
        ],
        "unknown_total": len(unknown),
        "unknown_calls": [
            {
                "view": view.id,
                "expression": call.expression,
                "location": _loc(call.location),
                "href": href(call.location),
                "reason": call.reason,
            }
            for view, call in unknown[:UNKNOWN_CALLS_LISTED]
        ],
        "parse_errors": [
            {"location": f"{e.path}:{e.line}", "message": e.message} for e in result.parse_errors
        ],
        "data": {
            "tool_version": result.tool_version,
            "root": root,
            "categories": [c.value for c in CATEGORY_ORDER],
            "in_repository": project.in_repository,
            "link": options.link_template,
            "installed_prefix": INSTALLED_PREFIX,
            "sources": _sources(result),
            "views": [
                _view_data(view, rank, root, previews.get(view.id))
                for rank, view in enumerate(ordered)
            ],
        },
    }


# ---- rendering --------------------------------------------------------------------------


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _verb_s(count: int) -> str:
    return "s" if count == 1 else ""


def _dotted(name: str) -> Markup:
    """A dotted name that may wrap after its dots: each part escaped, joined by <wbr>."""
    return Markup(".<wbr>").join(name.split("."))


def _template_loader() -> jinja2.BaseLoader:
    """The templates: installed, they are `advisor.report_templates` (pyproject maps the
    repository's `report_templates/` there, so no generic top-level name is installed); in
    a checkout not installed again since that mapping, the folder beside `advisor/`."""
    if importlib.util.find_spec("advisor.report_templates") is not None:
        return jinja2.PackageLoader("advisor.report_templates", "")
    return jinja2.FileSystemLoader(Path(__file__).resolve().parents[2] / "report_templates")


@functools.cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=_template_loader(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["plural"] = _plural
    environment.filters["verb_s"] = _verb_s
    environment.filters["dotted"] = _dotted
    # Compact JSON: the data block is most of the page on large projects.
    environment.policies["json.dumps_kwargs"] = {"sort_keys": False, "separators": (",", ":")}
    return environment


def _asset(environment: jinja2.Environment, name: str, closing_tag: str) -> Markup:
    """A static file inlined verbatim; it is ours, never scanned text, so it is marked safe
    once it is known not to close its own element."""
    assert environment.loader is not None
    text = environment.loader.get_source(environment, name)[0]
    if closing_tag in text.lower():
        raise ValueError(f"{name} must not contain {closing_tag}")
    return Markup(text)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def render_html_text(result: ScanResult, options: ReportOptions | None = None) -> str:
    environment = _environment()
    style = _asset(environment, "report.css", "</style")
    script = _asset(environment, "report.js", "</script")
    template = environment.get_template("report.html.jinja")
    return template.render(
        style=style,
        script=script,
        style_hash=_csp_hash(style),
        script_hash=_csp_hash(script),
        **build_context(result, options),
    )


@reporter("html", options=True)
def render_html(result: ScanResult, options: ReportOptions | None = None) -> str:
    return render_html_text(result, options)
