"""The terminal report: project readiness first, then every view ranked, one line each."""

from __future__ import annotations

import os
import shutil

from advisor.model import Category, InstalledCode, ScanResult, View
from advisor.reporters import reporter
from advisor.scoring import capacity_cell, capacity_legend, middleware_summary

_COLOURS = {
    Category.STRONG: "\033[1;32m",
    Category.NEEDS_WORK: "\033[33m",
    Category.LITTLE: "\033[2m",
    Category.KEEP_SYNC: "\033[2m",
    Category.ALREADY_ASYNC: "\033[36m",
    Category.ASYNC_BLOCKING: "\033[1;31m",
}
_RESET = "\033[0m"


def _colour(enabled: bool, category: Category, text: str) -> str:
    return f"{_COLOURS[category]}{text}{_RESET}" if enabled else text


def _route(view: View) -> str:
    if not view.routes:
        return "(not routed)"
    first = "/" + view.routes[0].pattern.lstrip("^").rstrip("$")
    return first + (f" +{len(view.routes) - 1}" if len(view.routes) > 1 else "")


def readiness_lines(result: ScanResult) -> list[str]:
    project = result.project
    version = project.django_version or "unknown"
    if project.django_version_source:
        version += f" (from {project.django_version_source})"
    asgi = ", ".join(project.asgi_entry_points) or "none"
    servers = ", ".join(project.asgi_servers) or "none in the dependencies"
    lines = [
        f"Django {version} · settings {project.settings_module or '?'} · "
        f"urls {project.root_urlconf or '?'}",
        f"ASGI entry point: {asgi} · ASGI server: {servers}",
        f"Middleware: {middleware_summary(project.middleware)}",
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


def render_terminal_text(result: ScanResult, colour: bool = False, width: int = 120) -> str:
    out = [f"django-async-advisor {result.tool_version} · {result.project.root}", ""]
    out += readiness_lines(result)
    out.append("")
    routed = result.routed_views
    header = (
        f"{'score':>5}  {'category':<22}  {'released':>8}  {_CAPACITY_HEADER:>24}  "
        f"{'view':<44}  route"
    )
    out.append(header)
    out.append("─" * min(width, len(header) + 30))
    for view in routed:
        out.append(_view_line(view, colour))
    unrouted = [v for v in result.views if not v.routed]
    if unrouted:
        out.append("")
        out.append(f"Not routed ({len(unrouted)}): views no URLconf reaches")
        for view in unrouted:
            out.append(_view_line(view, colour))
    counts: dict[str, int] = {}
    for view in routed:
        if view.score:
            counts[view.score.category.value] = counts.get(view.score.category.value, 0) + 1
    out.append("")
    breakdown = ", ".join(f"{n} {c}" for c, n in counts.items())
    noun = "routed view" if len(routed) == 1 else "routed views"
    out.append(f"{len(routed)} {noun}" + (f": {breakdown}" if breakdown else ""))
    basis = next((v.score.capacity for v in result.views if v.score is not None), None)
    if basis is not None:
        out.append(capacity_legend(basis))
    if result.framework_routes:
        groups = sorted({r.group for r in result.framework_routes})
        out.append(
            f"Framework routes (not scored): {len(result.framework_routes)} ({', '.join(groups)})"
        )
    if result.installed is not None:
        out.append(installed_line(result.installed))
    observed = [v for v in result.views if v.observed is not None]
    if observed:
        disagree = [v for v in observed if v.observed is not None and v.observed.disagreements]
        out.append(
            f"Observed in the test run: {len(observed)} views; {len(disagree)} disagree with "
            "the prediction" + (": " + ", ".join(v.id for v in disagree[:5]) if disagree else "")
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
    out.append(
        f"Scanned {result.stats.files} files, {result.stats.lines:,} lines in "
        f"{result.timings.get('total', 0):.2f} s. "
        "`advisor explain PATH VIEW_ID` shows the evidence for one view."
    )
    return "\n".join(out) + "\n"


_CAPACITY_HEADER = "req/s/worker sync→async"


def _view_line(view: View, colour: bool) -> str:
    score = view.score
    if score is None:
        return f"{'':>5}  {'':<22}  {'':>8}  {'':>24}  {view.id:<44}  {_route(view)}"
    released = f"{score.overlap_ms:,.0f} ms"
    capacity = capacity_cell(score.capacity)
    category = _colour(colour, score.category, f"{score.category.value:<22}")
    line = (
        f"{score.value:>5}  {category}  {released:>8}  {capacity:>24}  {view.id:<44}  "
        f"{_route(view)}"
    )
    reason = score.reasons[0] if score.reasons else ""
    blockers = [b.message for b in score.blockers if b.severity == "blocker"]
    detail = f"       {reason}" + (f" · blocker: {blockers[0]}" if blockers else "")
    return line + "\n" + detail[:160]


@reporter("terminal")
def render_terminal(result: ScanResult) -> str:
    colour = (
        os.environ.get("NO_COLOR") is None and os.environ.get("TERM") != "dumb" and (os.isatty(1))
    )
    return render_terminal_text(result, colour, shutil.get_terminal_size().columns)
