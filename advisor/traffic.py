"""Traffic weights (`advisor scan --traffic FILE`): how often each view is hit, so the
ranking follows what converting it frees in production, not per request alone.

FILE is either
- a CSV of `key,requests_per_minute` rows (a header row is optional), where the key is a
  route (`catalog/books/<int:pk>/`), a URL name (`catalog:detail`), a view id
  (`catalog.views.book_detail`) or a request path (`/catalog/books/3/`); or
- an access log in the common or combined format (nginx's default, gunicorn's
  `--access-logfile`, Apache's): each request's path is matched to the project's routes,
  path converters and regex routes included, and the rate is the count over the time the
  log spans (at least one minute).

Per view: requests per minute (summed over its routes and the keys that name it) and the
worker time a minute of that traffic would free once the view is async (released worker
time per request times requests per minute).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from advisor.model import Category, Finding, Route, ScanResult, Traffic, View


class TrafficError(ValueError):
    """A traffic file that cannot be used; the message says why in one line."""


# `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 ...`
_LOG_LINE = re.compile(
    r'^\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+)(?: [^"]*)?" '
    r"(?P<status>\d{3}) "
)
_LOG_TIME = "%d/%b/%Y:%H:%M:%S %z"
_CONVERTERS = {
    "str": "[^/]+",
    "int": "[0-9]+",
    "slug": "[-a-zA-Z0-9_]+",
    "uuid": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "path": ".+",
}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@dataclass(frozen=True, slots=True)
class Rates:
    """Requests per minute per key, as read from the file."""

    per_key: dict[str, float]
    source: str  # "csv" or "access log"
    skipped_lines: int = 0


# --- Reading --------------------------------------------------------------------------------


def read_traffic(path: Path) -> Rates:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise TrafficError(f"--traffic {path}: {error.strerror or error}") from error
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise TrafficError(f"--traffic {path}: the file is empty")
    if _LOG_LINE.match(lines[0]):
        return _read_log(path, lines)
    return _read_csv(path, text)


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None


def _read_csv(path: Path, text: str) -> Rates:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    per_key: dict[str, float] = {}
    skipped = 0
    for number, row in enumerate(rows):
        cells = [cell.strip() for cell in row]
        rate = _number(cells[-1]) if len(cells) >= 2 else None
        if rate is None:
            if number == 0:
                continue  # a header row
            skipped += 1
            continue
        key = cells[0]
        if key:
            per_key[key] = per_key.get(key, 0.0) + rate
    if not per_key:
        raise TrafficError(
            f"--traffic {path}: no rows of `route or URL name or view,requests per minute` "
            "and not an access log in the common/combined format"
        )
    return Rates(per_key, "csv", skipped)


def _read_log(path: Path, lines: list[str]) -> Rates:
    counts: dict[str, int] = {}
    first: datetime | None = None
    last: datetime | None = None
    skipped = 0
    for line in lines:
        found = _LOG_LINE.match(line)
        if found is None:
            skipped += 1
            continue
        try:
            when = datetime.strptime(found["time"], _LOG_TIME)
        except ValueError:
            skipped += 1
            continue
        first = when if first is None or when < first else first
        last = when if last is None or when > last else last
        target = found["target"].split("?", 1)[0].split("#", 1)[0]
        if "://" in target:  # an absolute-form request target
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        counts[target] = counts.get(target, 0) + 1
    if not counts or first is None or last is None:
        raise TrafficError(f"--traffic {path}: no request line in the common/combined format")
    minutes = max(1.0, (last - first).total_seconds() / 60.0)
    return Rates({key: count / minutes for key, count in counts.items()}, "access log", skipped)


# --- Matching -------------------------------------------------------------------------------


def route_regex(pattern: str) -> re.Pattern[str]:
    """A regex for request paths a route serves: `path()` syntax with its converters (an
    unknown, project-registered converter matches one segment), and `re_path()` parts as
    they are (the scan joins an include's prefix and its patterns into one string)."""
    out: list[str] = []
    regex = False
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "^" and (position == 0 or pattern[position - 1] == "/"):
            regex = True
            position += 1
            continue
        if char == "<" and pattern[max(0, position - 2) : position] != "?P":
            found = _CONVERTER.match(pattern, position)
            if found is not None:
                out.append(f"(?:{_CONVERTERS.get(found['converter'] or 'str', '[^/]+')})")
                position = found.end()
                continue
        if char == "$" and regex:
            position += 1
            continue
        out.append(char if regex else re.escape(char))
        position += 1
    tail = "" if not regex or pattern.endswith("$") else ".*"  # re_path without $: a prefix
    try:
        return re.compile("".join(out) + tail)
    except re.error:
        return re.compile(re.escape(pattern))


def _literal_length(pattern: str) -> int:
    return len(re.sub(r"<[^>]*>|\(\?P<[^>]*>[^)]*\)|[\^$\\.*+?()\[\]{}|]", "", pattern))


def _normalised(key: str) -> str:
    return key.strip().lstrip("/")


def match_views(result: ScanResult, rates: Rates) -> tuple[dict[str, float], list[str]]:
    """Requests per minute per view id, and the keys that named no routed view."""
    views = [v for v in result.views if v.routed]
    by_id = {v.id: v for v in views}
    by_name: dict[str, View] = {}
    by_pattern: dict[str, View] = {}
    routes: list[tuple[re.Pattern[str], int, View, Route]] = []
    for view in views:
        for route in view.routes:
            by_pattern.setdefault(_normalised(route.pattern), view)
            if route.name:
                by_name.setdefault(route.name, view)
                by_name.setdefault(route.name.rsplit(":", 1)[-1], view)
            routes.append(
                (
                    route_regex(_normalised(route.pattern)),
                    _literal_length(route.pattern),
                    view,
                    route,
                )
            )
    # The most specific pattern first: a literal route wins over a converter that also fits.
    routes.sort(key=lambda entry: -entry[1])
    per_view: dict[str, float] = {}
    unmatched: list[str] = []
    for key, rate in rates.per_key.items():
        target = (
            by_id.get(key)
            or by_name.get(key)
            or by_pattern.get(_normalised(key))
            or next((v for regex, _, v, _ in routes if regex.fullmatch(_normalised(key))), None)
        )
        if target is None:
            unmatched.append(key)
            continue
        per_view[target.id] = per_view.get(target.id, 0.0) + rate
    return per_view, unmatched


def apply_traffic(result: ScanResult, rates: Rates, name: str) -> ScanResult:
    """The result with each hit view's `traffic` set; keys that named no view and lines
    that could not be read become one finding each."""
    per_view, unmatched = match_views(result, rates)
    views = []
    for view in result.views:
        rpm = per_view.get(view.id)
        if rpm is None:
            views.append(view)
            continue
        views.append(dataclasses.replace(view, traffic=traffic_for(view, rpm, rates.source)))
    findings = list(result.findings)
    if unmatched:
        shown = ", ".join(unmatched[:5]) + (
            f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""
        )
        findings.append(
            Finding(
                "traffic",
                f"--traffic {name}: {len(unmatched)} key(s) match no routed view "
                f"({sum(rates.per_key[k] for k in unmatched):,.1f} requests/min): {shown}",
            )
        )
    if rates.skipped_lines:
        findings.append(
            Finding(
                "traffic",
                f"--traffic {name}: {rates.skipped_lines} line(s) not in the {rates.source} "
                "format were left out",
            )
        )
    return dataclasses.replace(result, views=tuple(views), findings=tuple(findings))


def traffic_for(view: View, rpm: float, source: str) -> Traffic:
    """What a minute of `rpm` requests would free once the view is async: the worker time
    it releases per request, times the requests (nothing for a view already async)."""
    released = 0.0
    if view.score is not None and view.score.category is not Category.ALREADY_ASYNC:
        released = view.score.overlap_ms
    return Traffic(
        requests_per_minute=round(rpm, 3),
        freed_ms_per_minute=round(released * rpm, 3),
        source=source,
    )


def by_freed_time(views: Iterable[View]) -> list[View]:
    """Views with traffic, most worker time freed per minute first."""
    hit = [v for v in views if v.traffic is not None]
    return sorted(
        hit,
        key=lambda v: (-(v.traffic.freed_ms_per_minute if v.traffic else 0.0), v.id),
    )


def format_freed(ms_per_minute: float) -> str:
    """Worker-seconds freed per minute, and as threads kept busy on average."""
    seconds = ms_per_minute / 1000.0
    return f"{seconds:,.1f} s/min ({seconds / 60:,.2f} threads)"
