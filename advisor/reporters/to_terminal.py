"""The terminal report: project readiness first, then every view ranked by score in a table
that fits the terminal (rich wraps cells on word boundaries), then what the columns mean.

rich honours COLUMNS, NO_COLOR, FORCE_COLOR and TERM=dumb, and wraps to the width it
finds, which hand-written padding did not."""

from __future__ import annotations

import io
import os
import re
import sys
import textwrap

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from advisor.capacity import capacity_cell, capacity_legend
from advisor.model import CATEGORY_ORDER, Category, InstalledCode, ScanResult, Score, View
from advisor.reporters import reporter
from advisor.reporters.display import middleware_display, route_display
from advisor.traffic import by_freed_time, format_freed

_STYLES = {
    Category.STRONG: "bold green",
    Category.NEEDS_WORK: "yellow",
    Category.LITTLE: "dim",
    Category.KEEP_SYNC: "dim",
    Category.ALREADY_ASYNC: "cyan",
    Category.ASYNC_BLOCKING: "bold red",
}
# From this many columns on, the figures and the route get columns of their own (below,
# a view id and its route would share too few columns to keep their names whole).
_WIDE = 140
# What the narrow layout's score and category columns take, padding included.
_NARROW_LEFT = 20
# The wide layout's fixed columns (score, released, req/s) and the padding between its six
# columns; the route column is kept at least a fifth of the width wide (or its longest
# route), the view column its longest id line.
_WIDE_FIXED = 5 + 11 + 16 + 5 * 2
_LIST_INDENT, _HANGING_INDENT = "  ", "    "


def _id_lines(view_id: str, width: int, after: str = ".") -> str:
    """The view id (or a route, broken `after` "/") broken after its dots so that no line
    passes `width`: a dotted path reads as one word, so it is never cut inside a name (a
    name longer than the width is left for the table to fold)."""
    if len(view_id) <= width:
        return view_id
    lines = [""]
    for part in re.split(f"(?<=[{re.escape(after)}])", view_id):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append(part)
        else:
            lines[-1] += part
    return "\n".join(lines)


def _route(view: View) -> str:
    if not view.routes:
        return "(not routed)"
    first = route_display(view.routes[0].pattern)
    return first + (f" (+{len(view.routes) - 1} more)" if len(view.routes) > 1 else "")


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (plural or noun + 's')}"


def readiness_lines(result: ScanResult) -> list[str]:
    project = result.project
    if project.django_version is None:
        version = "version UNKNOWN (pass --django-version X.Y)"
    else:
        version = project.django_version
    if project.django_version_source:
        version += f" (from {project.django_version_source})"
    asgi = ", ".join(project.asgi_entry_points) or "none"
    servers = ", ".join(project.asgi_servers) or "none in the dependencies"
    lines = [
        f"Django {version} · settings {project.settings_module or '?'} · "
        f"urls {project.root_urlconf or '?'}",
        f"ASGI entry point: {asgi} · ASGI server: {servers}",
        f"Middleware: {middleware_display(project.middleware)}",
    ]
    databases = ", ".join(e.rsplit(".", 1)[-1] for e in project.database_engines) or "?"
    db_line = f"Database: {databases}"
    if project.conn_max_age not in (None, "0"):
        db_line += (
            f" · CONN_MAX_AGE={project.conn_max_age} (disable persistent connections "
            "under ASGI; use a pool)"
        )
    if project.atomic_requests:
        db_line += " · ATOMIC_REQUESTS on (blocks every async view)"
    if project.uses_drf:
        db_line += " · DRF" + (
            " + adrf" if project.uses_adrf else " (no adrf: DRF views stay sync)"
        )
    lines.append(db_line)
    return lines


def installed_line(installed: InstalledCode) -> str:
    """One line: which installed libraries the analysis followed calls into."""
    if not installed.followed:
        return f"Installed packages ({installed.source}): no calls led into them"
    names = ", ".join(
        f"{lib.name} {lib.version or '?'} ({lib.modules} module{'s' if lib.modules != 1 else ''})"
        for lib in installed.followed
    )
    return f"Followed into installed packages ({installed.source}): {names}"


def ranked(views: tuple[View, ...]) -> list[View]:
    """By the score column, highest first; ties by category rank, then id."""
    order = {category: rank for rank, category in enumerate(CATEGORY_ORDER)}
    return sorted(
        views,
        key=lambda v: (
            -(v.score.value if v.score else -1),
            order.get(v.score.category, 99) if v.score else 99,
            v.id,
        ),
    )


def _why(view: View) -> str:
    score = view.score
    if score is None:
        return ""
    reason = score.reasons[0] if score.reasons else ""
    blockers = [b.message for b in score.blockers if b.severity == "blocker"]
    if blockers:
        reason += ("; " if reason else "") + f"blocker: {blockers[0]}"
        if len(blockers) > 1:
            reason += f" (+{len(blockers) - 1} more)"
    if view.suppressed:
        reason += ("; " if reason else "") + "suppressed: " + ", ".join(view.suppressed)
    return reason


def _released(score: Score) -> str:
    """What async gives back per request; for an async view that blocks, what it holds the
    event loop for instead (it releases nothing until fixed)."""
    if score.category == Category.ASYNC_BLOCKING:
        return f"blocks the loop {score.blocking_ms:,.0f} ms"
    return f"{score.overlap_ms:,.0f} ms"


def _figures(view: View) -> str:
    score = view.score
    if score is None:
        return ""
    released = _released(score)
    if not released.startswith("blocks"):
        released = "released " + released
    return f"{released} · req/s per worker {capacity_cell(score.capacity)}"


def _table(views: list[View], width: int, title: str | None = None) -> Table:
    """Wide terminals get a column per figure; narrow ones (80 columns) put the route and
    the figures on the lines under the view id, so no cell has to break a word."""
    wide = width >= _WIDE
    categories = max((len(v.score.category.value) for v in views if v.score), default=9)
    route_width = max(16, width // 5)
    id_width = (
        width - _WIDE_FIXED - (categories + 1) - (route_width + 1) if wide else width - _NARROW_LEFT
    )
    longest = max(
        (len(line) for v in views for line in _id_lines(v.id, id_width).split("\n")), default=0
    )
    # The route column may take what the ids leave (at least a fifth of the width).
    spare = width - _WIDE_FIXED - (categories + 1) - (min(longest, id_width) + 1)
    route_column = min(max((len(_route(v)) for v in views), default=0), max(route_width, spare))
    table = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        pad_edge=False,
        show_edge=False,
        title=title,
        title_justify="left",
        title_style="bold",
    )
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("category", max_width=None if wide else 11)
    if wide:
        table.add_column("released\nper request", justify="right", no_wrap=True)
        table.add_column("req/s per worker\nsync→async", justify="right", no_wrap=True)
        table.add_column("view · why", overflow="fold", min_width=min(longest, id_width))
        table.add_column("route", overflow="fold", min_width=route_column)
    else:
        table.add_column("view · route · released per request · why", overflow="fold")
    for view in views:
        score = view.score
        cell = Text(
            _id_lines(view.id, id_width), style="bold" if score and not view.suppressed else ""
        )
        if not wide:
            cell.append("\n" + _route(view), style="dim")
            if score is not None:
                cell.append("\n" + _figures(view), style="dim")
        why = _why(view)
        if why:
            cell.append("\n" + why, style="dim")
        row: list[str | Text] = (
            ["", ""]
            if score is None
            else [str(score.value), Text(score.category.value, style=_STYLES[score.category])]
        )
        if wide:
            if score is None:
                row += ["", ""]
            else:
                row += [_released(score), capacity_cell(score.capacity)]
            row += [cell, _id_lines(_route(view), route_column, "/")]
        else:
            row.append(cell)
        table.add_row(*row)
    return table


def _summary_lines(result: ScanResult) -> list[str]:
    routed = result.routed_views
    out: list[str] = []
    counts: dict[str, int] = {}
    for view in routed:
        if view.score:
            counts[view.score.category.value] = counts.get(view.score.category.value, 0) + 1
    # "3 strong candidates", "1 candidate (needs work)"; the other names read as they are.
    breakdown = ", ".join(
        f"{n} {c.replace('candidate', 'candidates', 1) if n != 1 else c}" for c, n in counts.items()
    )
    out.append(_plural(len(routed), "routed view") + (f": {breakdown}" if breakdown else ""))
    suppressed = [v for v in result.views if v.suppressed]
    if suppressed:
        out.append(
            f"Suppressed by `# advisor: ignore[...]`: {_plural(len(suppressed), 'view')} "
            "(not counted by --fail-on)"
        )
    out += traffic_lines(result)
    basis = next((v.score.capacity for v in result.views if v.score is not None), None)
    if basis is not None:
        out.append(capacity_legend(basis))
    if result.framework_routes:
        groups = sorted({r.group for r in result.framework_routes})
        out.append(
            "Framework routes (not scored): "
            f"{_plural(len(result.framework_routes), 'framework route')} ({', '.join(groups)})"
        )
    if result.installed is not None:
        out.append(installed_line(result.installed))
    else:
        out += _not_followed_line(result)
    observed = [v for v in result.views if v.observed is not None]
    if observed:
        disagree = [v for v in observed if v.observed is not None and v.observed.disagreements]
        out.append(
            f"Observed in the test run: {_plural(len(observed), 'view')}; {len(disagree)} "
            + ("disagrees" if len(disagree) == 1 else "disagree")
            + " with the prediction"
            + (": " + ", ".join(v.id for v in disagree[:5]) if disagree else "")
        )
    if result.findings:
        out.append(f"Findings: {len(result.findings)}")
        for finding in result.findings[:20]:
            where = f"{finding.location}: " if finding.location else ""
            out.append(f"  {where}{finding.message}")
    if result.parse_errors:
        out.append(f"Parse errors: {len(result.parse_errors)}")
        for error in result.parse_errors[:20]:
            out.append(f"  {error.path}:{error.line}: {error.message}")
    if "result_cache" in result.timings:
        took = "(cached: nothing changed since the last scan; --no-cache to rescan)"
    else:
        took = f"in {result.timings.get('total', 0):.2f} s"
    out.append(
        f"Scanned {_plural(result.stats.files, 'file')}, "
        f"{_plural(result.stats.lines, 'line')} {took}. "
        "`advisor explain PATH VIEW` shows the evidence for one view."
    )
    return out


# The reason advisor/detectors/libraries.py gives a call into an installed library whose
# source was not read because no project environment is known.
_NOT_FOLLOWED = re.compile(r"^into ([\w.]+), an installed library: its source is followed only")


def _not_followed_line(result: ScanResult) -> list[str]:
    """Without a project environment: which libraries the routed views call into unread,
    and what to pass to read them (a score that cannot see them may be too low)."""
    tops: set[str] = set()
    views = 0
    for view in result.routed_views:
        found = {m.group(1) for u in view.unknown_calls if (m := _NOT_FOLLOWED.match(u.reason))}
        tops |= found
        views += bool(found)
    if not tops:
        return []
    names = ", ".join(sorted(tops)[:5]) + (f" (+{len(tops) - 5} more)" if len(tops) > 5 else "")
    return [
        f"Not followed: calls from {_plural(views, 'view')} into installed libraries ({names}); "
        "pass --python PATH/bin/python (the project's interpreter), or activate its "
        "virtualenv, so that the scan reads them"
    ]


def traffic_lines(result: ScanResult, count: int = 10) -> list[str]:
    """With --traffic: the views whose conversion frees the most worker time per minute."""
    hit = [
        v
        for v in by_freed_time(result.routed_views)
        if v.traffic is not None and v.traffic.freed_ms_per_minute > 0 and v.score is not None
    ]
    if not any(v.traffic is not None for v in result.views):
        return []
    # Short lines: the console wraps at the terminal's width (80 columns must not split a
    # figure from its view).
    lines = ["", "Convert first, by worker time freed per minute (--traffic):"]
    for view in hit[:count]:
        assert view.traffic is not None and view.score is not None
        lines.append(f"  {view.id}")
        lines.append(
            f"      {format_freed(view.traffic.freed_ms_per_minute)}: "
            f"{view.traffic.requests_per_minute:,.1f} req/min x {view.score.overlap_ms:,.0f} ms"
        )
    if not hit:
        lines.append("  none: no view with traffic releases worker time")
    return lines


def render_terminal_text(
    result: ScanResult, colour: bool = False, width: int = 100, colour_system: str = "standard"
) -> str:
    """The report for a terminal `width` columns wide, with ANSI styles when `colour`."""
    stream = io.StringIO()
    console = Console(
        file=stream,
        width=max(width, 40),
        force_terminal=colour,
        no_color=None if colour else True,
        color_system=colour_system if colour else None,  # type: ignore[arg-type]
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        _environ={},
    )
    _print(console, result)
    # rich pads every table line to the full width; trailing blanks only get in the way.
    return "\n".join(line.rstrip() for line in stream.getvalue().splitlines()) + "\n"


def _print(console: Console, result: ScanResult) -> None:
    console.print(f"django-async-advisor {result.tool_version} · {result.project.root}")
    console.print()
    for line in readiness_lines(result):
        loud = line.startswith("Django version UNKNOWN")
        console.print(line, style="bold yellow" if loud else None)
    console.print()
    routed = ranked(result.routed_views)
    if routed:
        console.print(_table(routed, console.width))
    unrouted = ranked(tuple(v for v in result.views if not v.routed))
    if unrouted:
        console.print()
        console.print(
            _table(
                unrouted,
                console.width,
                title=f"Not routed ({len(unrouted)}): views no URLconf reaches",
            )
        )
    console.print()
    for line in _summary_lines(result):
        if line.startswith(_LIST_INDENT) and not line.startswith(_HANGING_INDENT):
            # A finding or a parse error: its wrapped lines hang under its first.
            line = textwrap.fill(
                line.strip(),
                width=console.width,
                initial_indent=_LIST_INDENT,
                subsequent_indent=_HANGING_INDENT,
                break_long_words=False,
                break_on_hyphens=False,
            )
        console.print(line)


@reporter("terminal")
def render_terminal(result: ScanResult) -> str:
    # The console decides width (COLUMNS, else the terminal's) and whether stdout is a
    # terminal the way every rich-based tool does; NO_COLOR (no-color.org) always wins, and
    # FORCE_COLOR (force-color.org) colours even a pipe or a dumb terminal.
    probe = Console(file=sys.stdout)
    forced = os.environ.get("FORCE_COLOR", "") != ""
    colour = not probe.no_color and (forced or (probe.is_terminal and not probe.is_dumb_terminal))
    return render_terminal_text(result, colour, probe.width, _colour_system())


def _colour_system() -> str:
    if os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return "truecolor"
    return "256" if "256color" in os.environ.get("TERM", "") else "standard"
