"""`advisor rewrite`: choose views, plan each one from the scan's result (which codemod at
which position, in which mode for the target Django), let the codemods carry the plan out,
then print one unified diff or write the files atomically. Every selected view ends up
Changed, Skipped (with a reason the user can act on) or Failed; never a traceback.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from advisor import django_api
from advisor.config import ConfigError, build_settings
from advisor.model import (
    Category,
    Effect,
    EffectKind,
    Location,
    ScanResult,
    Trigger,
    View,
    ViewKind,
)
from advisor.pipeline import ScanError, scan
from codemods import Step, Target, codemods
from codemods._auth_backends import AUSER_DECORATORS, why_not_auser
from codemods._engine import (
    CHANGED,
    FAILED,
    SKIPPED,
    FileResult,
    ViewPlan,
    ViewResult,
    rewrite_file,
)
from codemods._source import Project
from codemods.make_view_async import METHOD_DECORATOR_ASYNC_SINCE

ASYNC_CLASS_HANDLERS_SINCE = "4.1"  # async handlers on View subclasses (§4.5)
ASYNC_ORM_SINCE = "4.1"
LOGIN_REQUIRED = "django.contrib.auth.mixins.LoginRequiredMixin"


class UsageError(Exception):
    """Bad selection: the CLI prints it on one line and exits 2."""


@dataclass(frozen=True, slots=True)
class Outcome:
    view_id: str
    status: str  # "changed", "skipped" or "failed"
    reason: str = ""
    notes: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True, slots=True)
class RewriteResult:
    target: Target
    version_source: str
    outcomes: tuple[Outcome, ...]
    # path relative to the project root → (before, after) for every file that changes
    changes: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)


# --- selection ----------------------------------------------------------------------------


def select_views(
    result: ScanResult, view_ids: Iterable[str], categories: Iterable[str], min_score: int | None
) -> list[View]:
    """`--view` ids, plus every view matching all of the given filters."""
    wanted = list(dict.fromkeys(view_ids))
    known = {view.id: view for view in result.views}
    for view_id in wanted:
        if view_id not in known:
            close = difflib.get_close_matches(view_id, list(known), n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise UsageError(f"no view {view_id!r} in {result.project.root}{hint}")
    chosen = {view_id: known[view_id] for view_id in wanted}
    category_set = set(categories)
    if category_set or min_score is not None:
        for view in result.views:
            score = view.score
            if score is None:
                continue
            if category_set and score.category.value not in category_set:
                continue
            if min_score is not None and score.value < min_score:
                continue
            chosen.setdefault(view.id, view)
    return list(chosen.values())


# --- planning -------------------------------------------------------------------------------


class _Skip(Exception):
    pass


def _short(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def _mode(target: Target, since: str | None) -> str:
    return "native" if since is not None and target.has(since) else "sync_to_async"


def _inside(outer: Location, inner: Location) -> bool:
    if outer.end_line is None or outer.end_column is None:
        return False
    return (
        (outer.line, outer.column)
        <= (inner.line, inner.column)
        <= (outer.end_line, outer.end_column)
    )


def _check_kind(view: View, target: Target) -> None:
    if view.kind == ViewKind.GENERIC_CLASS:
        generic = next((b for b in view.bases if b in django_api.GENERIC_VIEWS), "a generic view")
        raise _Skip(
            f"it is a {_short(generic)}, and Django's generic class-based views have "
            "no async support in any version: rewrite it as a plain View with async "
            "handlers, or keep it sync"
        )
    if view.kind in (ViewKind.DRF_API, ViewKind.DRF_VIEWSET) or (
        "rest_framework.decorators.api_view" in view.decorators
    ):
        raise _Skip(
            "DRF views are sync-only: use adrf (adrf.views.APIView, "
            "adrf.viewsets.ViewSet, adrf.decorators.api_view) or a plain async "
            "Django view"
        )
    if view.kind not in (ViewKind.FUNCTION, ViewKind.CLASS):
        raise _Skip(f"{view.kind.value} views are not rewritten")
    if view.unknown_calls:
        unknown = view.unknown_calls[0]
        raise _Skip(
            f"the scan could not follow {unknown.expression} at {unknown.location} "
            f"({unknown.reason}), so it cannot tell whether it blocks: convert by hand"
        )


def _check_decorators(view: View, target: Target, notes: list[str]) -> None:
    for decorator in view.decorators:
        support = django_api.VIEW_DECORATORS.get(decorator)
        name = _short(decorator)
        if support is None:
            raise _Skip(
                f"@{name} is not known to accept async views: check that it awaits "
                "the view (asgiref.sync.iscoroutinefunction), then convert by hand"
            )
        if support.since is None:
            raise _Skip(
                f"@{name} does not accept async views ({support.note}): remove or replace it first"
            )
        if not target.has(support.since):
            raise _Skip(
                f"@{name} accepts async views only from Django {support.since} (target "
                f"{target.django_version}): upgrade, or drop it and do its check "
                "inside the view"
            )
        if decorator in AUSER_DECORATORS and target.sync_only_auth_backends:
            raise _Skip(
                f"@{name} on an async view awaits request.auser(); "
                f"{why_not_auser(target.sync_only_auth_backends)}: add aget_user to the "
                "backend (or subclass BaseBackend), or keep the view sync"
            )
        if support.note:
            notes.append(f"@{name}: {support.note}")


def _class_steps(view: View, target: Target, steps: list[Step]) -> set[str]:
    if not target.has(ASYNC_CLASS_HANDLERS_SINCE):
        raise _Skip(
            f"async handlers on class-based views need Django "
            f"{ASYNC_CLASS_HANDLERS_SINCE} (target {target.django_version})"
        )
    if view.decorators:
        raise _Skip(
            f"class decorator @{_short(view.decorators[0])}: check it supports async "
            "handlers, then convert by hand"
        )
    mixins = sorted(set(view.bases) & django_api.AUTH_MIXINS)
    for mixin in mixins:
        if mixin != LOGIN_REQUIRED:
            raise _Skip(
                f"{_short(mixin)} overrides dispatch() synchronously and fails with "
                "async handlers: check the user in the async handler with "
                "`await request.auser()` (5.0+), or keep the view sync"
            )
        if target.sync_only_auth_backends:
            raise _Skip(
                "LoginRequiredMixin would become @method_decorator(login_required), whose "
                "async path awaits request.auser(); "
                f"{why_not_auser(target.sync_only_auth_backends)}: add aget_user to the "
                "backend, or keep the view sync"
            )
        if not target.has(METHOD_DECORATOR_ASYNC_SINCE):
            raise _Skip(
                f"LoginRequiredMixin overrides dispatch() synchronously and fails with "
                "async handlers; the replacement, @method_decorator(login_required) "
                f"on async handlers, needs Django {METHOD_DECORATOR_ASYNC_SINCE} "
                f"(target {target.django_version}): keep the view sync or check "
                "`await request.auser()` in the handler by hand"
            )
        steps.append(Step("auth_mixin", view.id, view.location, "class", view.id, name=mixin))
    handlers = [h for h in view.handlers if h.name != "options"]
    if not handlers:
        raise _Skip("no HTTP handler defined in the class")
    for handler in handlers:
        if handler.defined_in != view.id:
            raise _Skip(
                f"its {handler.name}() is inherited from {handler.defined_in}, which "
                "other views may share: Django needs all handlers of a class async "
                "together, so convert that class by hand"
            )
    converted = set()
    for handler in handlers:
        qualified = f"{handler.defined_in}.{handler.name}"
        converted.add(qualified)
        if not handler.is_async:
            steps.append(
                Step(
                    "make_view_async",
                    view.id,
                    handler.location,
                    "function",
                    qualified,
                    name="handler",
                )
            )
    return converted


@dataclass(frozen=True, slots=True)
class _Route:
    """How the plan carries out one of the catalog's rewrite hints."""

    codemod: str
    # Which node the effect's location names: "call", "attribute", or "located" (a call
    # when the location has an end, else a `for` for iteration or a truth-tested expression).
    node: str = "call"
    # Native async API only from the effect's `alternative_since`, sync_to_async below it.
    versioned: bool = False
    # What the codemod calls instead: "method" (the alternative's last name), "function"
    # (its qualified name).
    alternative: str = ""


# The catalog's rewrite hints (advisor/catalog/*.py) → the codemod that carries them out.
ROUTES: dict[str, _Route] = {
    "http_client": _Route("http_client"),
    "orm_method": _Route("orm_calls", versioned=True, alternative="method"),
    "orm_shortcut": _Route("orm_calls", versioned=True, alternative="function"),
    "auth_function": _Route("orm_calls", versioned=True, alternative="function"),
    "orm_iterate": _Route("orm_iteration", node="located", versioned=True),
    "orm_evaluate": _Route("orm_iteration", node="located", versioned=True),
    "sleep": _Route("sleep"),
    "request_user": _Route("request_user", node="attribute"),
    "render": _Route("render_context"),
    "atomic_block": _Route("atomic_block"),
    "streaming": _Route("streaming"),
}


def _effect_steps(
    view: View, effect: Effect, converted: set[str], target: Target, steps: list[Step]
) -> None:
    chain = effect.chain
    if chain and chain[0].function not in converted:
        return
    depth = 0
    while depth + 1 < len(chain) and chain[depth + 1].function in converted:
        depth += 1
    if chain and depth < len(chain) - 1:
        # A helper that stays sync: the call into it, in the last converted function, runs
        # in a thread.
        link = chain[depth]
        steps.append(
            Step("helper_calls", view.id, link.location, "call", link.function, effect=effect)
        )
        return
    function = chain[-1].function if chain else view.id
    location = effect.location
    if effect.trigger == Trigger.RENDER:
        return  # the render() call itself becomes a TemplateResponse (render_context)
    if effect.rewrite == "atomic_block" and location.end_line is None:
        raise _Skip(
            "@transaction.atomic on the view: transactions cannot be entered from async "
            "code; move the transactional part into a function and await "
            "sync_to_async(that_function)()"
        )
    route = ROUTES.get(effect.rewrite or "")
    if route is None:
        if effect.rewrite == "sync_to_async" or effect.kind == EffectKind.CPU:
            _thread_step(view, effect, function, target, steps)
            return
        raise _Skip(
            f"no rewrite is known for {effect.call} at {location} ({effect.detail}): "
            "convert by hand"
        )
    node = route.node
    if node == "located":
        node = (
            "call"
            if location.end_line is not None
            else ("iteration" if effect.trigger == Trigger.ITERATION else "expression")
        )
    mode = _mode(target, effect.alternative_since) if route.versioned else "native"
    if effect.rewrite == "auth_function" and target.sync_only_auth_backends:
        mode = "sync_to_async"  # aauthenticate() & co. call the backends' a* methods
    alternative = effect.async_alternative or ""
    name = {"method": _short(alternative), "function": alternative}.get(route.alternative, "")
    steps.append(Step(route.codemod, view.id, location, node, function, mode, name, effect))


def _thread_step(
    view: View, effect: Effect, function: str, target: Target, steps: list[Step]
) -> None:
    location = effect.location
    if effect.trigger == Trigger.RELATED_READ:
        steps.append(Step("related_reads", view.id, location, "attribute", function, effect=effect))
    elif effect.trigger == Trigger.MEMBERSHIP:
        steps.append(
            Step(
                "orm_iteration",
                view.id,
                location,
                "comparison",
                function,
                _mode(target, ASYNC_ORM_SINCE),
                effect=effect,
            )
        )
    elif effect.trigger == Trigger.INDEX:
        raise _Skip(
            f"indexing a queryset at {location} runs a query: use "
            "`await qs[i:i+1].afirst()` or a list evaluated with "
            "`[row async for row in qs]`, then rewrite again"
        )
    elif location.end_line is None or effect.call == "django.http.HttpRequest.session":
        raise _Skip(
            f"{effect.subject or effect.call} at {location}: {effect.detail}; use "
            f"{effect.async_alternative or 'sync_to_async'} by hand"
        )
    else:
        steps.append(Step("helper_calls", view.id, location, "call", function, effect=effect))


def plan_view(view: View, target: Target) -> tuple[ViewPlan, tuple[str, ...]]:
    """The steps that convert `view`, and notes for the summary; raises `_Skip`."""
    _check_kind(view, target)
    notes: list[str] = []
    steps: list[Step] = []
    if view.kind == ViewKind.FUNCTION:
        converted = {view.id}
        if not view.is_async:
            _check_decorators(view, target, notes)
            steps.append(Step("make_view_async", view.id, view.location, "function", view.id))
    else:
        converted = _class_steps(view, target, steps)
    blocking = [e for e in view.effects if (e.blocking and not e.awaited) or e.rewrite == "render"]
    blocking = [e for e in blocking if not (e.kind == EffectKind.TEMPLATE and not e.blocking)]
    for effect in blocking:
        if (
            effect.rewrite == "streaming"
            and effect.chain
            and effect.chain[0].function in (converted)
        ):
            for other in view.effects:
                if len(other.chain) > 1 and _inside(effect.location, other.chain[0].location):
                    converted.add(other.chain[1].function)
    for effect in blocking:
        if effect.in_transaction and effect.rewrite != "atomic_block":
            if not any(
                e.rewrite == "atomic_block" and e.location.end_line is not None
                for e in view.effects
            ):
                raise _Skip(
                    f"{effect.call} at {effect.location} runs in a transaction "
                    "advisor cannot move: convert by hand"
                )
            continue
        _effect_steps(view, effect, converted, target, steps)
    if target.gather:
        for function in sorted({s.function for s in steps if s.codemod == "http_client"}):
            if sum(1 for s in steps if s.codemod == "http_client" and s.function == function) > 1:
                anchor = next(s for s in steps if s.function == function)
                steps.append(Step("gather", view.id, anchor.location, anchor.node, function))
    unique = list(dict.fromkeys(steps))
    for step in unique:
        if step.location.path != view.location.path:
            raise _Skip(
                f"converting it needs changes in {step.location.path} "
                f"({step.codemod} at line {step.location.line}): convert by hand"
            )
    if view.is_async and len(unique) == 0:
        raise _Skip("already async, and the scan found nothing blocking left to convert")
    return ViewPlan(view, tuple(unique)), tuple(notes)


# --- running ------------------------------------------------------------------------------


def rewrite_project(
    root: Path, result: ScanResult, views: list[View], target: Target, version_source: str
) -> RewriteResult:
    project = Project(root)
    target = dataclasses.replace(
        target,
        sync_only_auth_backends=result.project.auth_backends_without_aget_user,
    )
    outcomes: dict[str, Outcome] = {}
    by_file: dict[str, list[ViewPlan]] = {}
    plan_notes: dict[str, tuple[str, ...]] = {}
    for view in views:
        try:
            plan, notes = plan_view(view, target)
        except _Skip as skip:
            outcomes[view.id] = Outcome(view.id, SKIPPED, str(skip), path=view.location.path)
            continue
        plan_notes[view.id] = notes
        by_file.setdefault(view.location.path, []).append(plan)
    changes: dict[str, tuple[bytes, bytes]] = {}
    for path, plans in sorted(by_file.items()):
        file_result = _rewrite_file(project, path, plans, target)
        for view_result in file_result.views:
            notes = (
                *_describe(plans, view_result),
                *plan_notes.get(view_result.view_id, ()),
                *view_result.notes,
            )
            outcomes[view_result.view_id] = Outcome(
                view_result.view_id, view_result.status, view_result.reason, notes, path
            )
        if file_result.after != file_result.before:
            changes[path] = (file_result.before, file_result.after)
    if any(
        b"import httpx" in after and b"import httpx" not in before
        for before, after in changes.values()
    ):
        requirements = _with_httpx(root)
        if requirements is not None:
            changes["requirements.txt"] = requirements
    ordered = tuple(outcomes[view.id] for view in views)
    return RewriteResult(target, version_source, ordered, changes)


def _rewrite_file(project: Project, path: str, plans: list[ViewPlan], target: Target) -> FileResult:
    try:
        return rewrite_file(project, path, plans, target)
    except OSError as error:
        return FileResult(
            path,
            b"",
            b"",
            tuple(ViewResult(p.view.id, FAILED, f"cannot read {path}: {error}") for p in plans),
        )


def _describe(plans: list[ViewPlan], result: ViewResult) -> tuple[str, ...]:
    if result.status != CHANGED:
        return ()
    registry = codemods()
    plan = next(p for p in plans if p.view.id == result.view_id)
    used = dict.fromkeys(
        (registry[s.codemod].thread_summary if s.mode == "sync_to_async" else "")
        or registry[s.codemod].summary
        for s in plan.steps
    )
    return (", ".join(u for u in used if u),)


def _with_httpx(root: Path) -> tuple[bytes, bytes] | None:
    """Add httpx to requirements.txt when the rewrite starts importing it."""
    path = root / "requirements.txt"
    if not path.is_file():
        return None
    before = path.read_bytes()
    lines = before.decode("utf-8", errors="replace").splitlines()
    names = {
        line.split("#", 1)[0]
        .strip()
        .lower()
        .split("[")[0]
        .split("=")[0]
        .split(">")[0]
        .split("<")[0]
        .split("~")[0]
        .strip()
        for line in lines
    }
    if "httpx" in names:
        return None
    text = before.decode("utf-8", errors="replace")
    if text and not text.endswith("\n"):
        text += "\n"
    return before, (text + "httpx\n").encode("utf-8")


def unified_diff(changes: dict[str, tuple[bytes, bytes]]) -> str:
    parts: list[str] = []
    for path, (before, after) in sorted(changes.items()):
        old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
        new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
        for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}"):
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(parts)


def write_changes(root: Path, changes: dict[str, tuple[bytes, bytes]]) -> list[str]:
    """Write each file next to itself and rename it into place (atomic per file)."""
    written = []
    for path, (_, after) in sorted(changes.items()):
        target = root / path
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(after)
            shutil.copymode(target, temporary)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


# --- the command ----------------------------------------------------------------------------


def _fail(message: str) -> None:
    click.echo(f"advisor: error: {message}", err=True)
    sys.exit(2)


def _summary(result: RewriteResult, mode: str) -> str:
    lines = [
        f"advisor rewrite: target Django {result.target.django_version} ({result.version_source})"
    ]
    width = max((len(o.view_id) for o in result.outcomes), default=0)
    for outcome in result.outcomes:
        detail = outcome.reason if outcome.status != CHANGED else "; ".join(outcome.notes)
        lines.append(f"  {outcome.status:<8} {outcome.view_id:<{width}}  {detail}".rstrip())
    counts = {
        status: sum(1 for o in result.outcomes if o.status == status)
        for status in (CHANGED, SKIPPED, FAILED)
    }
    files = len(result.changes)
    action = "written" if mode == "write" else "in the diff (use --write to apply)"
    lines.append(
        f"{counts[CHANGED]} changed, {counts[SKIPPED]} skipped, {counts[FAILED]} "
        f"failed; {files} file{'s' if files != 1 else ''} {action}"
    )
    return "\n".join(lines)


def _as_json(result: RewriteResult, mode: str, written: list[str]) -> str:
    data: dict[str, Any] = {
        "django_version": result.target.django_version,
        "django_version_source": result.version_source,
        "outcomes": [
            {
                "view": o.view_id,
                "outcome": o.status,
                "reason": o.reason,
                "notes": list(o.notes),
                "file": o.path,
            }
            for o in result.outcomes
        ],
        "files": sorted(result.changes),
    }
    if mode == "write":
        data["written"] = written
    else:
        data["diff"] = unified_diff(result.changes)
    return json.dumps(data, indent=2)


@click.command("rewrite")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--view",
    "view_ids",
    multiple=True,
    metavar="ID",
    help="Rewrite this view (dotted id as `advisor scan` shows it; repeatable).",
)
@click.option(
    "--min-score",
    type=click.IntRange(0, 100),
    default=None,
    help="Rewrite views scoring at least N.",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice([c.value for c in Category]),
    help="Rewrite views in this category (repeatable).",
)
@click.option(
    "--diff", "mode", flag_value="diff", default=True, help="Print one unified diff (the default)."
)
@click.option("--write", "mode", flag_value="write", help="Apply the changes to the files.")
@click.option(
    "--django-version",
    metavar="X.Y",
    help="Target Django version (default: the one the scan detects).",
)
@click.option(
    "--gather",
    is_flag=True,
    help="Run independent HTTP calls of a view together with asyncio.gather.",
)
@click.option(
    "--settings",
    "settings_module",
    metavar="MODULE",
    help="Django settings module (default: read from manage.py).",
)
@click.option(
    "--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable)."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: print the outcomes (and the diff) as JSON on stdout.",
)
def rewrite_command(
    path: Path,
    view_ids: tuple[str, ...],
    min_score: int | None,
    categories: tuple[str, ...],
    mode: str,
    django_version: str | None,
    gather: bool,
    settings_module: str | None,
    exclude: tuple[str, ...],
    output_format: str,
) -> None:
    """Convert the chosen views of the project at PATH to async: print a diff, or --write."""
    if not path.is_dir():
        _fail(f"{path}: no such directory")
    if not (view_ids or categories or min_score is not None):
        _fail("choose the views to rewrite with --view, --category or --min-score")
    if django_version is not None and django_api.parse_version(django_version) is None:
        _fail(f"--django-version takes X.Y, not {django_version!r}")
    try:
        settings = build_settings(
            path,
            settings_module=settings_module,
            django_version=django_version,
            excludes=exclude or None,
        )
        result = scan(path, settings)
    except (ConfigError, ScanError) as error:
        _fail(str(error))
        return
    try:
        views = select_views(result, view_ids, categories, min_score)
    except UsageError as error:
        _fail(str(error))
        return
    version = django_version or result.project.django_version
    source = (
        "--django-version"
        if django_version
        else (
            f"detected from {result.project.django_version_source}"
            if result.project.django_version_source
            else "detected"
        )
    )
    if version is None:
        version = django_api.NEWEST_KNOWN_DJANGO
        source = "not detected: assuming the newest known; pass --django-version"
    target = Target(version, gather=gather)
    outcome = rewrite_project(path.resolve(), result, views, target, source)
    written: list[str] = []
    if mode == "write":
        written = write_changes(path.resolve(), outcome.changes)
    if output_format == "json":
        click.echo(_as_json(outcome, mode, written))
    elif mode == "diff":
        click.echo(unified_diff(outcome.changes), nl=False)
    click.echo(_summary(outcome, mode), err=True)
    if any(o.status == FAILED for o in outcome.outcomes):
        sys.exit(1)
