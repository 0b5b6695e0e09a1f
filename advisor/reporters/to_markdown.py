"""Markdown: a short summary fit for a pull-request comment (GitHub-flavoured): the readiness
line, the top candidates, what to fix first, counts per category and the blockers. Text from
the scanned code goes into code spans or is escaped, so it never turns into markup."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePosixPath

from advisor.capacity import capacity_cell
from advisor.model import Blocker, Category, ScanResult, View
from advisor.reporters import reporter
from advisor.reporters.to_html import (
    blocker_messages,
    category_counts,
    first_route,
    fix_first,
    format_ms,
    one_line_reason,
    ranked_candidates,
    readiness_checks,
    released_total,
    rewrite_command,
    selection_command,
    worker_time,
)

TOP_CANDIDATES = 10
BLOCKER_GROUPS = 8
_ICONS = {"ok": "✅ ", "warn": "⚠️ ", "bad": "❌ ", "info": ""}


def code(text: str, in_table: bool = False) -> str:
    """`text` as a code span that survives any backticks in it (and pipes, in a table)."""
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def escape(text: str, in_table: bool = False) -> str:
    """Plain text that Markdown must not read as emphasis, links, HTML or table cells."""
    text = " ".join(text.split())
    text = re.sub(r"([\\`*_\[\]#!])", r"\\\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|") if in_table else text


def _readiness(result: ScanResult) -> list[str]:
    checks = readiness_checks(result.project)
    line = " · ".join(
        f"{_ICONS[check.status]}{check.label}: {escape(check.value)}" for check in checks
    )
    lines = [f"**Readiness:** {line}"]
    for check in checks:
        if check.status in ("bad", "warn") and check.note:
            lines.append(f"- {_ICONS[check.status]}**{check.label}:** {escape(check.note)}")
    return lines


def _candidate_rows(result: ScanResult) -> list[View]:
    strong = ranked_candidates(result, Category.STRONG)
    needs_work = ranked_candidates(result, Category.NEEDS_WORK)
    return (strong + needs_work)[:TOP_CANDIDATES]


def _candidates_table(views: list[View]) -> list[str]:
    lines = [
        "| # | View | Route | Category | Score | Released per request | "
        "Req/s per worker sync → async | Why |",
        "|--:|---|---|---|--:|--:|--:|---|",
    ]
    for number, view in enumerate(views, 1):
        assert view.score is not None
        score = view.score
        why = one_line_reason(view)
        blockers = blocker_messages(view)
        if blockers:
            why += " — blocker: " + "; ".join(blockers)
        lines.append(
            f"| {number} | {code(view.id, True)} | {code(first_route(view), True)} | "
            f"{score.category.value} | {score.value} | "
            f"{format_ms(score.overlap_ms)} | {capacity_cell(score.capacity)} | "
            f"{escape(why, True)} |"
        )
    return lines


def _blockers(result: ScanResult) -> list[str]:
    groups: dict[str, list[tuple[View, Blocker]]] = defaultdict(list)
    for view in result.routed_views:
        if view.score is None:
            continue
        for blocker in view.score.blockers:
            if blocker.severity == "blocker":
                groups[blocker.id].append((view, blocker))
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    lines = []
    for blocker_id, entries in ordered[:BLOCKER_GROUPS]:
        first = entries[0][1]
        names = ", ".join(code(view.id) for view, _ in entries[:3])
        more = f" and {len(entries) - 3} more" if len(entries) > 3 else ""
        count = f"{len(entries)} view{'s' if len(entries) != 1 else ''}"
        lines.append(
            f"- **{escape(blocker_id)}** ({count}: {names}{more}): {escape(first.message)}. "
            f"_Fix:_ {escape(first.advice)}"
        )
    if len(ordered) > BLOCKER_GROUPS:
        lines.append(f"- … and {len(ordered) - BLOCKER_GROUPS} more kinds of blocker")
    return lines


def _run_from(result: ScanResult) -> str:
    return "the repository root" if result.project.in_repository else "the project folder"


def render_markdown_text(result: ScanResult) -> str:
    project = result.project
    root = project.root
    name = project.name or PurePosixPath(root).name or root
    strong = ranked_candidates(result, Category.STRONG)
    out = [f"### django-async-advisor: {escape(name)}", ""]
    # The same sentence and totals as the HTML report (shared helpers in to_html.py).
    out.append(f"**{escape(worker_time(result).sentence())}**")
    out.append("")
    released_ms, released_views = released_total(result)
    if strong:
        strong_ms = sum(v.score.overlap_ms for v in strong if v.score)
        out.append(
            f"{len(strong)} view{'s' if len(strong) != 1 else ''} worth converting to async, "
            f"releasing ≈ {format_ms(strong_ms)} of waiting per request between them; "
            f"{format_ms(released_ms)} released across {released_views} routed "
            f"view{'s' if released_views != 1 else ''} in all."
        )
    else:
        out.append("No strong async candidate: no routed view waits on enough awaitable I/O.")
    out.append("")
    out += _readiness(result)
    out.append("")

    blocking = fix_first(result)
    if blocking:
        out.append(
            f"#### ❌ Fix first: {len(blocking)} async view{'s' if len(blocking) != 1 else ''} "
            f"block{'s' if len(blocking) == 1 else ''} the event loop"
        )
        for view in blocking:
            out.append(f"- {code(view.id)}: {escape(one_line_reason(view))}")
        out.append("")
        out.append(
            "`advisor rewrite` replaces what it can and says why for the rest "
            f"(run from {_run_from(result)}):"
        )
        out.append("```sh")
        out.append(selection_command(root, Category.ASYNC_BLOCKING))
        out.append("```")
        out.append("")

    candidates = _candidate_rows(result)
    if candidates:
        out.append("#### Top candidates")
        out += _candidates_table(candidates)
        total = len(strong) + len(ranked_candidates(result, Category.NEEDS_WORK))
        if total > len(candidates):
            out.append(f"\n… and {total - len(candidates)} more in the full report.")
        out.append("")
        if strong:
            out.append(
                f"Rewrite the top one, or every strong candidate at once (run from "
                f"{_run_from(result)}):"
            )
            out.append("```sh")
            out.append(rewrite_command(root, strong[0].id))
            out.append(selection_command(root))
            out.append("```")
            out.append("")

    out.append("#### Views per category")
    out.append("| Category | Routed views |")
    out.append("|---|--:|")
    counts = category_counts(result)
    for category, count in counts:
        out.append(f"| {category.value} | {count} |")
    if not counts:
        out.append("| _no routed view found_ | 0 |")
    unrouted = sum(1 for v in result.views if not v.routed)
    if unrouted:
        out.append(f"| _not routed_ | {unrouted} |")
    out.append("")

    blockers = _blockers(result)
    if blockers:
        out.append("#### Blockers")
        out += blockers
        out.append("")

    extras = [
        f"{len(result.framework_routes)} framework routes (not scored)",
        f"{len(result.findings)} findings",
        f"{len(result.parse_errors)} parse errors",
    ]
    out.append(
        f"<sub>{result.stats.files:,} files, {result.stats.lines:,} lines scanned · "
        f"{' · '.join(extras)} · django-async-advisor {escape(result.tool_version)} · "
        "`advisor scan --html report.html` has the evidence for every view.</sub>"
    )
    return "\n".join(out) + "\n"


@reporter("markdown")
def render_markdown(result: ScanResult) -> str:
    return render_markdown_text(result)
