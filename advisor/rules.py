"""Rule ids, as ruff and flake8 users expect them: one stable code and slug for each view
category (ADV1xx) and each blocker (ADV2xx) or cost (ADV3xx) the score names. The table is
the one place these ids live: the CLI (`--fail-on`, `--select`, `--ignore`, suppression
comments, baselines), the JSON and the SARIF rule ids all read it. Codes are never reused
or renumbered; a retired rule keeps its number.

Also here: the `# advisor: ignore[...]` suppression comment and the baseline file, since
both are "which findings count" and act on the result model only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the model reads this table (Score.rule), so import it lazily here
    from advisor.model import Category, ScanResult, View


@dataclass(frozen=True, slots=True)
class Rule:
    code: str  # ADV101
    slug: str  # async-but-blocking
    summary: str
    category: str | None = None  # the view category (Category value) this rule reports
    blocker_id: str | None = None  # the Blocker.id this rule reports, if any


RULES: tuple[Rule, ...] = (
    Rule(
        "ADV101",
        "async-but-blocking",
        "an async view calls blocking I/O on the event loop",
        category="async but blocking",
    ),
    Rule(
        "ADV102",
        "strong-candidate",
        "mostly awaitable waiting, clean conversion",
        category="strong candidate",
    ),
    Rule(
        "ADV103",
        "candidate-needs-work",
        "worth converting once its blockers are handled",
        category="candidate (needs work)",
    ),
    Rule(
        "ADV104",
        "little-benefit",
        "ORM/cache only: converting gains about nothing",
        category="little benefit",
    ),
    Rule(
        "ADV105",
        "keep-sync",
        "CPU-bound, no I/O, no async API, or unsupported",
        category="keep sync",
    ),
    Rule("ADV106", "already-async", "async and clean", category="already async"),
    Rule(
        "ADV201",
        "generic-cbv",
        "generic class-based views have no async support",
        blocker_id="generic-cbv",
    ),
    Rule("ADV202", "drf", "DRF views are sync-only (without adrf)", blocker_id="drf"),
    Rule(
        "ADV203",
        "auth-mixin",
        "an auth mixin overrides dispatch() synchronously",
        blocker_id="auth-mixin",
    ),
    Rule(
        "ADV204",
        "decorator",
        "a decorator that does not accept async views (in this Django version)",
        blocker_id="decorator",
    ),
    Rule(
        "ADV205",
        "atomic-requests",
        "ATOMIC_REQUESTS is on: Django refuses async views",
        blocker_id="atomic-requests",
    ),
    Rule(
        "ADV206",
        "transaction",
        "transaction.atomic cannot be entered from async code",
        blocker_id="transaction",
    ),
    Rule(
        "ADV207",
        "thread-local",
        "threading.local is shared by every request on the event loop",
        blocker_id="thread-local",
    ),
    Rule(
        "ADV208",
        "sync-stream",
        "a streaming response fed by a sync generator",
        blocker_id="sync-stream",
    ),
    Rule(
        "ADV209",
        "django-version",
        "the target Django version has no async views (before 3.1)",
        blocker_id="django-version",
    ),
    Rule(
        "ADV210",
        "library-io",
        "the awaitable wait is inside an installed library that the rewrite cannot change",
        blocker_id="library-io",
    ),
    Rule(
        "ADV301",
        "lazy-render",
        "lazy querysets reach render() and would raise in an async view",
        blocker_id="lazy-render",
    ),
    Rule(
        "ADV302",
        "request-user",
        "request.user loads the user synchronously",
        blocker_id="request-user",
    ),
    Rule(
        "ADV303",
        "no-async-api",
        "work with no async API stays in a thread",
        blocker_id="no-async-api",
    ),
    Rule("ADV304", "cpu", "CPU-heavy work would stall the event loop", blocker_id="cpu"),
)

_BY_CODE = {rule.code: rule for rule in RULES}
_BY_SLUG = {rule.slug: rule for rule in RULES}
_BY_CATEGORY = {rule.category: rule for rule in RULES if rule.category is not None}
_BY_BLOCKER = {rule.blocker_id: rule for rule in RULES if rule.blocker_id is not None}
# Names users typed before the ids existed, and the HTML report's filter slugs.
_ALIASES = {
    **{rule.category: rule for rule in RULES if rule.category is not None},
    "strong": _BY_SLUG["strong-candidate"],
    "needs-work": _BY_SLUG["candidate-needs-work"],
    "little": _BY_SLUG["little-benefit"],
    "blocking": _BY_SLUG["async-but-blocking"],
}


def category_rule(category: Category | str) -> Rule:
    return _BY_CATEGORY[str(category)]


def blocker_rule(blocker_id: str) -> Rule | None:
    return _BY_BLOCKER.get(blocker_id)


def lookup(name: str) -> Rule | None:
    """A rule by code (`ADV101`, any case), slug (`async-but-blocking`) or old name
    (`"async but blocking"`)."""
    text = name.strip()
    return _BY_CODE.get(text.upper()) or _BY_SLUG.get(text.lower()) or _ALIASES.get(text.lower())


def expand(names: Iterable[str], option: str) -> frozenset[str]:
    """Codes named by codes, slugs, old names or code prefixes (`ADV2` = every blocker);
    raises click.BadParameter naming the unknown one."""
    codes: set[str] = set()
    for name in names:
        for part in (p for p in name.split(",") if p.strip()):
            rule = lookup(part)
            if rule is not None:
                codes.add(rule.code)
                continue
            prefix = part.strip().upper()
            matched = {
                code for code in _BY_CODE if prefix.startswith("ADV") and code.startswith(prefix)
            }
            if not matched:
                raise click.BadParameter(
                    f"unknown rule {part.strip()!r} ({_known()})", param_hint=option
                )
            codes |= matched
    return frozenset(codes)


def _known() -> str:
    return (
        "known: "
        + ", ".join(f"{r.code} {r.slug}" for r in RULES if r.category is not None)
        + ", ADV2xx/ADV3xx blockers; `advisor rules` lists all"
    )


class CategoryParam(click.ParamType):  # type: ignore[type-arg]  # generic in click 8.2+ only
    """A view category as a slug (`strong-candidate`), code (`ADV102`) or the name the
    scan shows (`"strong candidate"`); converts to that name (`Category` value)."""

    name = "category"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "CATEGORY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rule = lookup(str(value))
        if rule is None or rule.category is None:
            choices = ", ".join(r.slug for r in RULES if r.category is not None)
            self.fail(f"{value!r} is not a category ({choices})", param, ctx)
        return rule.category


class RuleParam(click.ParamType):  # type: ignore[type-arg]
    """A rule (category or blocker) by code, slug or old name; converts to its code."""

    name = "rule"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "RULE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        rule = lookup(str(value))
        if rule is None:
            self.fail(f"unknown rule {value!r} ({_known()})", param, ctx)
        return rule.code


def view_codes(view: View) -> tuple[str, ...]:
    """The rules a scored view reports: its category's, then its blockers' and costs'."""
    if view.score is None:
        return ()
    codes = [category_rule(view.score.category).code]
    for blocker in view.score.blockers:
        rule = blocker_rule(blocker.id)
        if rule is not None and rule.code not in codes:
            codes.append(rule.code)
    return tuple(codes)


# `# advisor: ignore[async-but-blocking, ADV206]`, or `# advisor: ignore` for every rule.
_SUPPRESSION = re.compile(r"#\s*advisor:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
_DECORATOR_OR_DEF = re.compile(r"\s*(@|async\s+def\b|def\b|class\b)")
ALL_RULES = "*"


def _suppressions_in(line: str) -> frozenset[str] | None:
    match = _SUPPRESSION.search(line)
    if match is None:
        return None
    if match.group(1) is None:
        return frozenset({ALL_RULES})
    names = [n for n in match.group(1).split(",") if n.strip()]
    return frozenset((lookup(n).code if lookup(n) else n.strip()) for n in names)  # type: ignore[union-attr]


def suppressed_codes(lines: list[str], def_line: int) -> frozenset[str]:
    """Codes suppressed for the view defined at 1-based `def_line`: a comment on the
    def/class line, on any decorator line above it, or on the line just above those."""
    found: set[str] = set()
    index = def_line - 1
    if not 0 <= index < len(lines):
        return frozenset()
    # The `def` line itself (the location may point at it or at the first decorator).
    while index < len(lines) and not _DECORATOR_OR_DEF.match(lines[index]):
        index += 1
    end = index
    while end < len(lines) and lines[end].lstrip().startswith("@"):
        end += 1
    start = def_line - 1
    while start > 0 and lines[start - 1].lstrip().startswith("@"):
        start -= 1
    for number in range(max(0, start - 1), min(len(lines), end + 1)):
        codes = _suppressions_in(lines[number])
        if codes is not None:
            found |= codes
    return frozenset(found)


def apply_suppressions(result: ScanResult, root: Path) -> ScanResult:
    """Mark each view's suppressed rule codes (`View.suppressed`) from its source."""
    cache: dict[str, list[str]] = {}
    views = []
    changed = False
    for view in result.views:
        path = view.location.path
        if path not in cache:
            try:
                cache[path] = (
                    (root / path).read_text(encoding="utf-8", errors="replace").splitlines()
                )
            except OSError:
                cache[path] = []
        codes = suppressed_codes(cache[path], view.location.line)
        if codes:
            mine = view_codes(view)
            hidden = tuple(c for c in mine if c in codes or ALL_RULES in codes)
            views.append(replace(view, suppressed=hidden))
            changed = True
        else:
            views.append(view)
    return replace(result, views=tuple(views)) if changed else result


def active_codes(view: View, enabled: frozenset[str] | None) -> tuple[str, ...]:
    """The view's rule codes that count: selected, not suppressed."""
    return tuple(
        code
        for code in view_codes(view)
        if code not in view.suppressed and (enabled is None or code in enabled)
    )


def enabled_codes(select: frozenset[str], ignore: frozenset[str]) -> frozenset[str] | None:
    """None when every rule is on (no --select / --ignore)."""
    if not select and not ignore:
        return None
    base = select or frozenset(_BY_CODE)
    return frozenset(base - ignore)


def select_views(result: ScanResult, enabled: frozenset[str] | None) -> ScanResult:
    """Only the views whose category rule is enabled, each listing only enabled blockers;
    views with no score (not routed, not analysed) stay."""
    if enabled is None:
        return result
    views = []
    for view in result.views:
        score = view.score
        if score is None:
            views.append(view)
            continue
        if category_rule(score.category).code not in enabled:
            continue
        blockers = tuple(
            b for b in score.blockers if (r := blocker_rule(b.id)) is None or r.code in enabled
        )
        views.append(replace(view, score=replace(score, blockers=blockers)))
    return replace(result, views=tuple(views))


BASELINE_VERSION = 1


def baseline_entries(result: ScanResult) -> list[dict[str, str]]:
    entries = []
    for view in result.routed_views:
        for code in view_codes(view):
            if code not in view.suppressed:
                entries.append({"view": view.id, "rule": code, "slug": _BY_CODE[code].slug})
    return sorted(entries, key=lambda e: (e["view"], e["rule"]))


def baseline_text(result: ScanResult) -> str:
    data = {
        "advisor_baseline": BASELINE_VERSION,
        "comment": "findings accepted as they are; `advisor scan --baseline FILE` "
        "counts only findings not listed here",
        "findings": baseline_entries(result),
    }
    return json.dumps(data, indent=2) + "\n"


class BaselineError(ValueError):
    """A baseline file that cannot be read; the message says why."""


def read_baseline(path: Path) -> frozenset[tuple[str, str]]:
    """(view id, rule code) pairs accepted in a baseline file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BaselineError(
            f"{path}: no such baseline file (write one with --write-baseline)"
        ) from error
    except (OSError, ValueError) as error:
        raise BaselineError(f"{path}: not a baseline file: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f'{path}: not a baseline file (no "findings" list)')
    pairs = set()
    for entry in data["findings"]:
        if isinstance(entry, dict) and isinstance(entry.get("view"), str):
            rule = lookup(str(entry.get("rule", "")))
            if rule is not None:
                pairs.add((entry["view"], rule.code))
    return frozenset(pairs)
