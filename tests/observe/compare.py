"""Compare what views were observed doing (`advisor observe`'s JSON) with the scan's JSON.

The rules, and why they are the ones that can be checked honestly from a test run:

* Unpredicted DB / HTTP (hard): a view that ran at least one SQL query, or sent at least one
  outbound HTTP request, in any request of the suite must have at least one predicted
  `db` / `http` effect. A test run can prove an effect exists; it cannot prove one is absent
  (a branch may simply not have run), so this direction is strict for any observed effect.
  The session/user loads behind `request.user` count: the view (or its `login_required`)
  causes them, and in an async view they raise SynchronousOnlyOperation.
* Phantom HTTP (hard): a view predicted to do HTTP must do HTTP in at least one request. The
  sample projects' suites exercise every upstream call, so a predicted call that never
  happens is a false positive (or a view the suite forgot, which is worth knowing too).
* HTTP count bound (hard, only without loops): every predicted HTTP call site runs at most
  once per request unless it sits in a loop, so more HTTP calls in one request than
  predicted sites means a call site was missed. With a loop the predicted multiplier is an
  estimate, so the numbers are only printed.
* DB counts (notes, never failures): Django issues queries a per-call-site model rightly
  counts as one effect (pagination's COUNT, save()'s UPDATE-then-INSERT, DRF's
  serializer checks), so "more queries than predicted sites" is a lead, printed with the
  SQL so a reader can judge, not a verdict.
* Every project view the suite reached must be a routed view of the scan; framework views
  (admin, DRF's API root) are excluded, as the scan lists them in `framework_routes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Observed:
    """One view's observations summed over every request the test suite made to it."""

    view: str
    requests: int = 0
    sql: int = 0
    sql_max: int = 0
    # Per-request SQL that was not the lazy session/user load behind `request.user`.
    own_sql_max: int = 0
    auth_sql: int = 0
    tx: int = 0
    http: int = 0
    http_max: int = 0
    sleeps: int = 0
    is_async: bool = False
    tests: set[str] = field(default_factory=set)
    statements: list[str] = field(default_factory=list)
    http_calls: list[str] = field(default_factory=list)
    # The request with the most non-auth SQL: its test, path and SQL, for the db count note.
    busiest: str = ""
    busiest_sql: list[str] = field(default_factory=list)


@dataclass
class Predicted:
    """The scan's effects of one view, reduced to what a test run can check."""

    view: str
    routed: bool
    db: int = 0
    db_sites: int = 0
    db_in_loop: bool = False
    db_outside_loops: int = 0
    http: int = 0
    http_sites: int = 0
    http_in_loop: bool = False
    sleep: int = 0
    db_calls: list[str] = field(default_factory=list)
    http_calls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mismatch:
    view: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.view}: [{self.rule}] {self.message}"


@dataclass
class Comparison:
    observed: dict[str, Observed]
    predicted: dict[str, Predicted]
    framework_requests: int
    unresolved_requests: int
    mismatches: list[Mismatch]
    notes: list[Mismatch]


def collect_observed(data: Mapping[str, Any]) -> tuple[dict[str, Observed], int, int]:
    """Observations per project view, plus the number of framework and unresolved requests."""
    views: dict[str, Observed] = {}
    framework = unresolved = 0
    for record in data["requests"]:
        view = record.get("view")
        if view is None:
            unresolved += 1
            continue
        if record.get("framework"):
            framework += 1
            continue
        seen = views.setdefault(view, Observed(view))
        seen.requests += 1
        seen.sql += record["sql"]
        seen.sql_max = max(seen.sql_max, record["sql"])
        own_sql = record["sql"] - record["auth_sql"]
        if own_sql > seen.own_sql_max or not seen.busiest:
            seen.busiest = (
                f"{record.get('method', '?')} {record.get('path', '?')} "
                f"in {record.get('test') or '?'}"
            )
            seen.busiest_sql = [sql_summary(s) for s in record["statements"]]
        seen.own_sql_max = max(seen.own_sql_max, own_sql)
        seen.auth_sql += record["auth_sql"]
        seen.tx += record["tx"]
        seen.http += record["http"]
        seen.http_max = max(seen.http_max, record["http"])
        seen.sleeps += record["sleeps"]
        seen.is_async = seen.is_async or bool(record.get("view_is_async"))
        if record.get("test"):
            seen.tests.add(record["test"])
        for statement in record["statements"]:
            if statement not in seen.statements:
                seen.statements.append(statement)
        seen.http_calls.extend(call for call in record["http_calls"] if call not in seen.http_calls)
    return views, framework, unresolved


def _site(effect: Mapping[str, Any]) -> str:
    location = effect["location"]
    suffix = f" x{effect['multiplier']} (loop)" if effect.get("in_loop") else ""
    return f"{effect['call']} @ {location['path']}:{location['line']}{suffix}"


def collect_predicted(scan: Mapping[str, Any]) -> dict[str, Predicted]:
    views: dict[str, Predicted] = {}
    for view in scan["views"]:
        predicted = Predicted(view["id"], bool(view.get("routed", True)))
        for effect in view["effects"]:
            kind = effect["kind"]
            multiplier = max(int(effect.get("multiplier") or 1), 1)
            if kind == "db":
                predicted.db += 1
                predicted.db_sites += multiplier
                if effect.get("in_loop"):
                    predicted.db_in_loop = True
                else:
                    predicted.db_outside_loops += 1
                predicted.db_calls.append(_site(effect))
            elif kind == "http":
                predicted.http += 1
                predicted.http_sites += multiplier
                predicted.http_in_loop = predicted.http_in_loop or bool(effect.get("in_loop"))
                predicted.http_calls.append(_site(effect))
            elif kind == "sleep":
                predicted.sleep += 1
        views[predicted.view] = predicted
    return views


def compare(observation: Mapping[str, Any], scan: Mapping[str, Any]) -> Comparison:
    observed, framework, unresolved = collect_observed(observation)
    predicted = collect_predicted(scan)
    mismatches: list[Mismatch] = []
    notes: list[Mismatch] = []

    for view_id, seen in sorted(observed.items()):
        guess = predicted.get(view_id)
        if guess is None:
            mismatches.append(
                Mismatch(
                    view_id,
                    "missing view",
                    f"served {seen.requests} request(s) in the test suite but is not in the "
                    "scan's views",
                )
            )
            continue
        if not guess.routed:
            mismatches.append(
                Mismatch(
                    view_id,
                    "routed view marked unrouted",
                    f"served {seen.requests} request(s) through the URLconf, but the scan says "
                    "no URL routes it",
                )
            )
        if seen.sql and not guess.db:
            mismatches.append(
                Mismatch(
                    view_id,
                    "unpredicted db",
                    f"ran {seen.sql} SQL quer{'y' if seen.sql == 1 else 'ies'} over "
                    f"{seen.requests} request(s) (e.g. {_first(seen.statements)}), "
                    "but the scan predicts no db effect",
                )
            )
        if seen.http and not guess.http:
            mismatches.append(
                Mismatch(
                    view_id,
                    "unpredicted http",
                    f"sent {seen.http} HTTP request(s) (e.g. {_first(seen.http_calls)}), but the "
                    "scan predicts no http effect",
                )
            )
        if guess.http and not seen.http:
            mismatches.append(
                Mismatch(
                    view_id,
                    "phantom http",
                    f"predicted {guess.http} http effect(s) ({'; '.join(guess.http_calls)}) but "
                    f"none of its {seen.requests} request(s) sent any HTTP",
                )
            )
        if guess.http and not guess.http_in_loop and seen.http_max > guess.http_sites:
            mismatches.append(
                Mismatch(
                    view_id,
                    "http count",
                    f"sent {seen.http_max} HTTP requests in one request but the scan predicts "
                    f"only {guess.http_sites} call site(s), none in a loop",
                )
            )
        elif guess.http_in_loop and seen.http_max > guess.http_sites:
            notes.append(
                Mismatch(
                    view_id,
                    "http count",
                    f"{seen.http_max} HTTP requests in one request, above the estimated "
                    f"{guess.http_sites} of a loop",
                )
            )
        if guess.db and seen.own_sql_max > guess.db_sites:
            notes.append(
                Mismatch(
                    view_id,
                    "db count",
                    f"{seen.own_sql_max} queries in one request (not counting session/user loads; "
                    f"{seen.busiest}: {', '.join(seen.busiest_sql)}) vs {guess.db_sites} predicted "
                    f"({'; '.join(guess.db_calls) or 'none'})",
                )
            )
        elif guess.db and not guess.db_in_loop and seen.sql and seen.sql_max < guess.db:
            notes.append(
                Mismatch(
                    view_id,
                    "db count",
                    f"{guess.db} db effects predicted ({'; '.join(guess.db_calls)}) but no request "
                    f"ran more than {seen.sql_max} quer{'y' if seen.sql_max == 1 else 'ies'} "
                    "(branches or separate handlers can explain this)",
                )
            )
        elif guess.db_in_loop and seen.sql and seen.sql_max <= guess.db_outside_loops:
            notes.append(
                Mismatch(
                    view_id,
                    "db count",
                    f"db effects predicted in a loop ({'; '.join(guess.db_calls)}) never added "
                    f"a query: no request ran more than {seen.sql_max}, the number of predicted "
                    "sites outside loops (a false positive, or a loop the tests ran at most once)",
                )
            )
        if guess.db and not seen.sql:
            notes.append(
                Mismatch(
                    view_id,
                    "db never observed",
                    f"predicted {guess.db} db effect(s) but none of its {seen.requests} "
                    "request(s) ran SQL",
                )
            )

    for view_id, guess in sorted(predicted.items()):
        if view_id in observed or not guess.routed:
            continue
        if guess.http:
            mismatches.append(
                Mismatch(
                    view_id,
                    "phantom http",
                    f"predicted {guess.http} http effect(s) but the test suite never requested "
                    "this view, so no HTTP was ever observed",
                )
            )
        else:
            notes.append(Mismatch(view_id, "not exercised", "routed, but no test requested it"))
    return Comparison(observed, predicted, framework, unresolved, mismatches, notes)


_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([\w.]+)"?', re.IGNORECASE)


def sql_summary(statement: str) -> str:
    """`SELECT COUNT incidents_incident` for a long SELECT: enough to tell queries apart."""
    verb = statement.split(" ", 1)[0].upper()
    match = _TABLE.search(statement)
    table_name = match.group(1) if match else "?"
    count = " COUNT" if verb == "SELECT" and "COUNT(" in statement.upper() else ""
    return f"{verb}{count} {table_name}"


def _first(items: Iterable[str]) -> str:
    for item in items:
        return item
    return "?"


def table(result: Comparison) -> str:
    """The per-view observed vs predicted table printed in the test output."""
    rows: list[tuple[str, ...]] = [
        (
            "view",
            "reqs",
            "sql",
            "max/req",
            "auth",
            "http",
            "max/req",
            "sleep",
            "pred db",
            "pred http",
            "pred sleep",
            "status",
        )
    ]
    bad = {m.view for m in result.mismatches}
    noted = {m.view for m in result.notes}
    ids = sorted(set(result.observed) | {v for v, p in result.predicted.items() if p.routed})
    for view_id in ids:
        seen = result.observed.get(view_id, Observed(view_id))
        guess = result.predicted.get(view_id, Predicted(view_id, routed=False))
        status = "MISMATCH" if view_id in bad else ("note" if view_id in noted else "ok")
        if not seen.requests:
            status = "MISMATCH" if view_id in bad else "not exercised"
        rows.append(
            (
                view_id + (" (async)" if seen.is_async else ""),
                str(seen.requests),
                str(seen.sql),
                str(seen.sql_max),
                str(seen.auth_sql),
                str(seen.http),
                str(seen.http_max),
                str(seen.sleeps),
                str(guess.db),
                _http_cell(guess),
                str(guess.sleep),
                status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.append(
        f"(requests to framework views: {result.framework_requests}; "
        f"unresolved URLs (404 before any view): {result.unresolved_requests})"
    )
    return "\n".join(lines)


def _http_cell(guess: Predicted) -> str:
    if guess.http_in_loop:
        return f"{guess.http} (~{guess.http_sites})"
    return str(guess.http)
