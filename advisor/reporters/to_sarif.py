"""SARIF 2.1.0 for code scanning (GitHub and other SARIF viewers): one result per routed view
worth converting (note / warning) and one error per blocking call in a view that is already
async. Rule ids are the codes of advisor/rules.py (ADV102 …), names their slugs; rules carry
the help text; locations are 1-based (SARIF §3.30) and their URIs are
relative to the repository root (`%SRCROOT%`, the git work tree holding the scanned folder,
else that folder), which code scanning resolves against its checkout: a Django project in a
subfolder gets annotations on the right files. `%SRCROOT%` has a description but no URI (the
absolute path of the machine that scanned is nobody else's business, SARIF §3.14.14), and
`PROJECTROOT` names the scanned folder relative to it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from advisor.model import Category, Effect, Location, ScanResult, View
from advisor.reporters import reporter
from advisor.reporters.to_html import rewrite_command, route_text
from advisor.rules import category_rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The base id that the relative artifact URIs hang off; SARIF viewers and GitHub know it.
ROOT_BASE_ID = "%SRCROOT%"
PROJECT_BASE_ID = "PROJECTROOT"
TOOL_NAME = "django-async-advisor"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    category: Category
    level: str
    short: str
    full: str
    help_markdown: str


RULES: tuple[Rule, ...] = (
    Rule(
        id=category_rule(Category.STRONG).code,
        name=category_rule(Category.STRONG).slug,
        category=Category.STRONG,
        level="note",
        short="View worth converting to async",
        full=(
            "This view spends most of its time waiting on awaitable I/O (outbound HTTP, "
            "sleeps, streaming). As an async view it releases the worker while it waits, "
            "so the same processes serve more concurrent requests."
        ),
        help_markdown=(
            "Run `advisor rewrite PROJECT --view VIEW_ID` for a reviewed patch that makes "
            "the view async, swaps blocking clients for async ones (e.g. `httpx.AsyncClient`) "
            "and uses Django's async ORM where the target version has it. Deploy under an "
            "ASGI server to get the benefit."
        ),
    ),
    Rule(
        id=category_rule(Category.NEEDS_WORK).code,
        name=category_rule(Category.NEEDS_WORK).slug,
        category=Category.NEEDS_WORK,
        level="warning",
        short="View that would gain from async once its blockers are removed",
        full=(
            "This view waits on awaitable I/O, but something stops a clean conversion: "
            "transaction.atomic around the I/O, a sync-only mixin or decorator, a sync "
            "generator feeding a streaming response, or similar. Each blocker names its fix."
        ),
        help_markdown=(
            "Fix the blockers listed in the result (for example, move the outbound call out "
            "of `transaction.atomic`, or replace the sync-only mixin), then run "
            "`advisor rewrite PROJECT --view VIEW_ID`."
        ),
    ),
    Rule(
        id=category_rule(Category.ASYNC_BLOCKING).code,
        name=category_rule(Category.ASYNC_BLOCKING).slug,
        category=Category.ASYNC_BLOCKING,
        level="error",
        short="Blocking call inside an async view",
        full=(
            "An async view runs on the event loop; a synchronous I/O call inside it blocks "
            "every other request served by that worker until it returns. This is worse than "
            "leaving the view sync."
        ),
        help_markdown=(
            "Use the async API shown in the result (e.g. `httpx.AsyncClient` instead of "
            "`requests`, `asyncio.sleep` instead of `time.sleep`, Django's `a…` ORM methods), "
            "or wrap the call in `asgiref.sync.sync_to_async`."
        ),
    ),
)
_RULE_BY_CATEGORY: dict[Category, tuple[int, Rule]] = {
    rule.category: (index, rule) for index, rule in enumerate(RULES)
}


def artifact_uri(path: str, project: str = ".") -> str:
    """A path relative to the scanned folder as a URI reference relative to the repository
    root, the scanned folder being `project` there (forward slashes, escaped)."""
    posix = PureWindowsPath(path).as_posix() if "\\" in path else PurePosixPath(path).as_posix()
    if project not in ("", "."):
        posix = str(PurePosixPath(project) / posix)
    return quote(posix.removeprefix("./"), safe="/")


def _region(location: Location) -> dict[str, int]:
    region = {"startLine": max(1, location.line), "startColumn": location.column + 1}
    end = (location.end_line, location.end_column)
    if end[0] is not None and end[1] is not None and end > (location.line, location.column):
        # SARIF's endColumn is the 1-based column just past the region; the model's
        # end_column is 0-based and already exclusive.
        region["endLine"] = end[0]
        region["endColumn"] = end[1] + 1
    return region


def _location(
    project: str,
    location: Location,
    message: str | None = None,
    index: int | None = None,
    function: str | None = None,
) -> Any:
    result: dict[str, Any]
    if location.installed:
        # Code in an installed package is no artifact of the repository: named by its
        # function and its place in site-packages (the message), with no URI to resolve.
        where = f"{location} (installed package)"
        message = f"{message} at {where}" if message else where
        result = {}
        if function:
            result["logicalLocations"] = [{"fullyQualifiedName": function, "kind": "function"}]
    else:
        result = {
            "physicalLocation": {
                "artifactLocation": {
                    "uri": artifact_uri(location.path, project),
                    "uriBaseId": ROOT_BASE_ID,
                },
                "region": _region(location),
            }
        }
    if index is not None:
        result["id"] = index
    if message:
        result["message"] = {"text": message}
    return result


def _logical(view: View) -> list[dict[str, str]]:
    kind = "function" if view.kind.value == "function" else "type"
    return [{"name": view.id.rsplit(".", 1)[-1], "fullyQualifiedName": view.id, "kind": kind}]


def _route(view: View) -> str:
    return route_text(view.routes[0].pattern) if view.routes else "not routed"


def _view_result(view: View, root: str) -> dict[str, Any]:
    project = root
    assert view.score is not None
    rule_index, rule = _RULE_BY_CATEGORY[view.score.category]
    score = view.score
    blockers = [b for b in score.blockers if b.severity == "blocker"]
    parts = [
        f"{view.id} ({_route(view)}) is a {score.category.value} for async, score "
        f"{score.value}/100: {score.reasons[0] if score.reasons else 'see the report'}."
    ]
    for blocker in blockers:
        parts.append(f"Blocker: {blocker.message}. Fix: {blocker.advice}.")
    parts.append(f"Rewrite it with: {rewrite_command(root, view.id)}")
    related = []
    for number, blocker in enumerate(b for b in score.blockers if b.location is not None):
        assert blocker.location is not None
        related.append(
            _location(project, blocker.location, f"{blocker.severity}: {blocker.message}", number)
        )
    result: dict[str, Any] = {
        "ruleId": rule.id,
        "ruleIndex": rule_index,
        "level": rule.level,
        "message": {"text": " ".join(parts)},
        "locations": [_location(project, view.location) | {"logicalLocations": _logical(view)}],
        "partialFingerprints": {"adviceView/v1": view.id},
        "rank": float(score.value),
        "properties": _properties(view),
    }
    if related:
        result["relatedLocations"] = related
    return result


def _blocking_effects(view: View) -> list[Effect]:
    return [effect for effect in view.effects if effect.blocking and not effect.awaited]


def _blocking_results(view: View, project: str) -> list[dict[str, Any]]:
    assert view.score is not None
    rule_index, rule = _RULE_BY_CATEGORY[Category.ASYNC_BLOCKING]
    effects = _blocking_effects(view)
    if not effects:
        # The category says the view blocks but no single call carries it: point at the view.
        reason = view.score.reasons[0] if view.score.reasons else "it blocks the event loop"
        return [
            {
                "ruleId": rule.id,
                "ruleIndex": rule_index,
                "level": rule.level,
                "message": {"text": f"Async view {view.id} blocks the event loop: {reason}."},
                "locations": [
                    _location(project, view.location) | {"logicalLocations": _logical(view)}
                ],
                "partialFingerprints": {"adviceView/v1": view.id},
                "properties": _properties(view),
            }
        ]
    results = []
    seen_calls: dict[str, int] = {}
    for effect in effects:
        fix = effect.async_alternative or "wrap it in sync_to_async"
        since = f" (Django {effect.alternative_since}+)" if effect.alternative_since else ""
        via = ""
        if len(effect.chain) > 1:
            via = " via " + " → ".join(link.function for link in effect.chain)
        text = (
            f"{effect.call} blocks the event loop in async view {view.id}{via} "
            f"(≈ {effect.estimated_ms:,.0f} ms per request). Use {fix}{since}."
        )
        # The same call can occur several times in one view: number them so each result
        # keeps its own identity across runs without depending on line numbers.
        occurrence = seen_calls.get(effect.call, 0)
        seen_calls[effect.call] = occurrence + 1
        result: dict[str, Any] = {
            "ruleId": rule.id,
            "ruleIndex": rule_index,
            "level": rule.level,
            "message": {"text": text},
            "locations": [
                _location(project, _in_project(effect, view)) | {"logicalLocations": _logical(view)}
            ],
            "partialFingerprints": {
                "adviceEffect/v1": f"{view.id}|{effect.call}|{occurrence}",
            },
            "properties": _properties(view)
            | {"effectKind": effect.kind.value, "call": effect.call},
        }
        if len(effect.chain) > 1:
            # The call path from the view to the blocking call, one hop per location.
            result["relatedLocations"] = [
                _location(
                    project,
                    link.location,
                    f"step {number + 1}: {link.function}",
                    number,
                    link.function,
                )
                for number, link in enumerate(effect.chain)
            ]
        results.append(result)
    return results


def _in_project(effect: Effect, view: View) -> Location:
    """Where a result about `effect` is annotated: the call itself, or, when that is in an
    installed package, the last hop of its chain in the project (the project's call that
    leads there)."""
    if not effect.location.installed:
        return effect.location
    for link in reversed(effect.chain):
        if not link.location.installed:
            return link.location
    return view.location


def _properties(view: View) -> dict[str, Any]:
    assert view.score is not None
    return {
        "viewId": view.id,
        "category": view.score.category.value,
        "score": view.score.value,
        "releasedMs": view.score.overlap_ms,
        "predictedSyncMs": view.score.predicted_sync_ms,
        "predictedAsyncMs": view.score.predicted_async_ms,
        "predictedGatheredMs": view.score.predicted_gathered_ms,
        "capacitySyncRps": view.score.capacity.sync_rps,
        "capacityAsyncRps": view.score.capacity.async_rps,
        "capacityRatio": view.score.capacity.ratio,
        "tags": ["django", "async", "performance"],
    }


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {"text": f"{rule.full} {rule.help_markdown}", "markdown": rule.help_markdown},
        "defaultConfiguration": {"level": rule.level},
        "properties": {"tags": ["django", "async", "performance"], "precision": "medium"},
    }


def _notifications(result: ScanResult, project: str) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = []
    for error in result.parse_errors:
        notes.append(
            {
                "level": "warning",
                "message": {"text": f"Could not parse, skipped: {error.message}"},
                "locations": [_location(project, Location(error.path, max(1, error.line)))],
            }
        )
    return notes


def build_sarif(result: ScanResult) -> dict[str, Any]:
    root = result.project.root
    if PurePosixPath(root).is_absolute() or PureWindowsPath(root).is_absolute():
        root = "."  # a result made by hand with a machine path: keep URIs relative anyway
    results: list[dict[str, Any]] = []
    for view in result.routed_views:
        # A `# advisor: ignore[...]` comment on the view keeps its finding out of the log.
        if view.score is None or view.score.rule in view.suppressed:
            continue
        if view.score.category in (Category.STRONG, Category.NEEDS_WORK):
            results.append(_view_result(view, root))
        elif view.score.category is Category.ASYNC_BLOCKING:
            results.extend(_blocking_results(view, root))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": result.tool_version,
                "semanticVersion": result.tool_version,
                "rules": [_rule_descriptor(rule) for rule in RULES],
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": _notifications(result, root),
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"djangoVersion": result.project.django_version or "unknown"},
    }
    where = (
        "the git work tree holding the scanned project"
        if result.project.in_repository
        else "the scanned project folder (it is in no git work tree)"
    )
    bases: dict[str, Any] = {
        ROOT_BASE_ID: {"description": {"text": f"The repository root: {where}."}}
    }
    if root not in ("", "."):
        bases[PROJECT_BASE_ID] = {
            "uri": artifact_uri("", root).rstrip("/") + "/",
            "uriBaseId": ROOT_BASE_ID,
            "description": {"text": "The scanned Django project, in the repository."},
        }
    run["originalUriBaseIds"] = bases
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


@reporter("sarif")
def render_sarif(result: ScanResult) -> str:
    return json.dumps(build_sarif(result), indent=2, ensure_ascii=False) + "\n"
