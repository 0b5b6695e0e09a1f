"""`advisor rewrite`: choose views, plan each one from the scan's result (which codemod at
which position, in which mode for the target Django), let the codemods carry the plan out,
then print one unified diff or write the files atomically. Every selected view ends up
Changed, Skipped (with a reason the user can act on) or Failed; never a traceback.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import json
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from advisor import django_api, policy
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
from advisor.plan import CHANGED, FAILED, SKIPPED, Step, Target, ViewPlan, ViewResult
from advisor.policy import Decision
from advisor.rules import CategoryParam
from advisor.verify import Verification, Verifier, VerifyError, verify
from advisor.writer import WriteError, write_files
from codemods import carry_out, codemods

ASYNC_ORM_SINCE = "4.1"


DROPPED = "dropped"  # converted, but --verify found it makes the project's tests worse


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
    verification: Verification | None = None
    http_client_source: str = ""


# --- selection ----------------------------------------------------------------------------


def select_views(
    result: ScanResult, view_ids: Iterable[str], categories: Iterable[str], min_score: int | None
) -> list[View]:
    """`--view` ids, plus every view matching all of the given filters."""
    wanted = list(dict.fromkeys(view_ids))
    known = {view.id: view for view in result.views}
    for view_id in wanted:
        if view_id not in known:
            short = view_id.rsplit(".", 1)[-1]
            same_name = [k for k in known if k.rsplit(".", 1)[-1] == short]
            close = list(
                dict.fromkeys(
                    [*same_name, *difflib.get_close_matches(view_id, list(known), n=3, cutoff=0.6)]
                )
            )[:3]
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


def _check_policy(view: View, target: Target, notes: list[str]) -> list[Decision]:
    """Skip on the first thing the conversion policy says blocks the view; return what the
    rewrite must carry out (LoginRequiredMixin), and note what it allows with a caveat."""
    decisions = policy.decide(view, target.django_version, target.sync_only_auth_backends)
    for decision in decisions:
        if decision.outcome == policy.Outcome.BLOCKS:
            raise _Skip(decision.reason)
    notes.extend(d.reason for d in decisions if d.outcome == policy.Outcome.ALLOWED and d.advice)
    return [d for d in decisions if d.outcome == policy.Outcome.CONVERTS]


def _check_kind(view: View, target: Target) -> None:
    if view.kind not in (ViewKind.FUNCTION, ViewKind.CLASS):
        raise _Skip(f"{view.kind.value} views are not rewritten")
    if view.unknown_calls:
        unknown = view.unknown_calls[0]
        raise _Skip(
            f"the scan could not follow {unknown.expression} at {unknown.location} "
            f"({unknown.reason}), so it cannot tell whether it blocks: convert by hand"
        )


def _class_steps(
    view: View, target: Target, steps: list[Step], converts: list[Decision]
) -> set[str]:
    for decision in converts:
        if decision.rule == "auth-mixin":
            steps.append(
                Step("auth_mixin", view.id, view.location, "class", view.id, name=decision.what)
            )
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


def plan_view(
    view: View, target: Target, statements: Statements | None = None
) -> tuple[ViewPlan, tuple[str, ...]]:
    """The steps that convert `view`, and notes for the summary; raises `_Skip`."""
    notes: list[str] = []
    steps: list[Step] = []
    converts = _check_policy(view, target, notes)
    _check_kind(view, target)
    if view.kind == ViewKind.FUNCTION:
        converted = {view.id}
        if not view.is_async:
            steps.append(Step("make_view_async", view.id, view.location, "function", view.id))
    else:
        converted = _class_steps(view, target, steps, converts)
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
    if not view.is_async:
        _check_observed(view, unique, statements)
    return ViewPlan(view, tuple(unique)), tuple(notes)


# Steps that change a whole function or class, not one call: they cover no call site.
_WHOLE_FUNCTION_STEPS = frozenset({"make_view_async", "auth_mixin", "gather"})
_OBSERVED_KIND = {"db": "SQL", "http": "outbound HTTP"}


def _frame(text: str) -> tuple[str, int] | None:
    """`shop/views.py:12 label` (a frame of advisor observe's chain) → ("shop/views.py", 12)."""
    where = text.partition(" ")[0]
    path, _, line = where.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else None


class Statements:
    """Statement spans of the project's files (stdlib ast, read once per file): an observed
    frame's line stands for the statement it is in (Python reports the line of the
    sub-expression running), and a moved `with` block for the whole block."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._spans: dict[str, list[tuple[int, int, int, bool]]] = {}

    def _file(self, path: str) -> list[tuple[int, int, int, bool]]:
        if path not in self._spans:
            spans: list[tuple[int, int, int, bool]] = []
            try:
                tree = ast.parse((self.root / path).read_bytes())
            except (OSError, SyntaxError, ValueError):
                tree = ast.Module(body=[], type_ignores=[])
            for node in ast.walk(tree):
                if isinstance(node, ast.stmt):
                    body = getattr(node, "body", None)
                    compound = isinstance(body, list) and bool(body)
                    header_end = body[0].lineno - 1 if compound and isinstance(body, list) else None
                    end = node.end_lineno or node.lineno
                    spans.append((node.lineno, max(header_end or end, node.lineno), end, compound))
            self._spans[path] = spans
        return self._spans[path]

    def around(self, path: str, line: int) -> tuple[int, int]:
        """The innermost statement (or compound statement's header) holding `line`."""
        best: tuple[int, int] | None = None
        for start, header_end, end, compound in self._file(path):
            high = header_end if compound else end
            if start <= line <= high and (best is None or high - start < best[1] - best[0]):
                best = (start, high)
        return best or (line, line)

    def block(self, path: str, line: int) -> tuple[int, int]:
        """The whole compound statement whose header holds `line` (a `with` block)."""
        found = (line, line)
        for start, header_end, end, compound in self._file(path):
            if compound and start <= line <= header_end and end - start >= found[1] - found[0]:
                found = (start, end)
        return found


def _check_observed(view: View, steps: list[Step], statements: Statements | None) -> None:
    """With `advisor observe` evidence, every call site where the test run saw SQL or HTTP
    must lie in a call the plan rewrites or moves into a thread (directly, or below one
    of the frames that led there); else converting would leave it on the event loop."""
    if view.observed is None or statements is None:
        return
    spans: list[tuple[str, int, int]] = []
    for step in steps:
        if step.codemod in _WHOLE_FUNCTION_STEPS:
            continue
        where = step.location
        if step.codemod == "atomic_block":
            spans.append((where.path, *statements.block(where.path, where.line)))
        else:
            spans.append((where.path, where.line, where.end_line or where.line))
    for site in view.observed.sites:
        if site.kind not in _OBSERVED_KIND or not site.chain:
            continue
        frames = [f for f in map(_frame, site.chain) if f is not None]
        if any(
            path == span_path and low <= high_span and low_span <= high
            for path, line in frames
            for low, high in [statements.around(path, line)]
            for span_path, low_span, high_span in spans
        ):
            continue
        via = f" (via {' → '.join(site.chain)})" if len(site.chain) > 1 else ""
        raise _Skip(
            f"advisor observe saw {_OBSERVED_KIND[site.kind]} at {site.chain[-1]}{via}, and "
            "the plan neither rewrites nor moves that call into a thread, so it would run "
            "on the event loop: convert by hand, or declare the call in "
            "[[tool.advisor.effects]] and rewrite again"
        )


# --- running ------------------------------------------------------------------------------


def rewrite_project(
    root: Path, result: ScanResult, views: list[View], target: Target, version_source: str
) -> RewriteResult:
    target = dataclasses.replace(
        target,
        sync_only_auth_backends=result.project.auth_backends_without_aget_user,
    )
    outcomes: dict[str, Outcome] = {}
    plans: list[ViewPlan] = []
    plan_notes: dict[str, tuple[str, ...]] = {}
    statements = Statements(root)
    for view in views:
        try:
            plan, notes = plan_view(view, target, statements)
        except _Skip as skip:
            outcomes[view.id] = Outcome(view.id, SKIPPED, str(skip), path=view.location.path)
            continue
        plan_notes[view.id] = notes
        plans.append(plan)
    changes: dict[str, tuple[bytes, bytes]] = {}
    for file_result in carry_out(root, plans, target):
        path = file_result.path
        for view_result in file_result.views:
            notes = (
                *_describe(plans, view_result, target),
                *plan_notes.get(view_result.view_id, ()),
                *view_result.notes,
            )
            outcomes[view_result.view_id] = Outcome(
                view_result.view_id, view_result.status, view_result.reason, notes, path
            )
        if file_result.after != file_result.before:
            changes[path] = (file_result.before, file_result.after)
    if _imports_added(changes, target.http_client):
        requirements = _with_requirement(root, target.http_client)
        if requirements is not None:
            changes["requirements.txt"] = requirements
    ordered = tuple(outcomes[view.id] for view in views)
    return RewriteResult(target, version_source, ordered, changes)


def preview_outcomes(root: Path, result: ScanResult, views: list[View]) -> tuple[Outcome, ...]:
    """What `advisor rewrite --view ID` would do with each view, run in full but writing
    nothing: reports show it (they cannot import the rewrite), so their advice is the
    rewrite's own answer, never a restatement of its rules."""
    # As `advisor rewrite` does: an unknown version gets no version-gated API.
    version = result.project.django_version or django_api.ASYNC_VIEWS_SINCE
    # ...and converts requests calls to the client it would choose for this project.
    client = choose_http_client(root, None)[0]
    target = Target(version, http_client=client)
    return rewrite_project(root, result, views, target, "detected").outcomes


def verified_rewrite(
    root: Path,
    result: ScanResult,
    views: list[View],
    target: Target,
    version_source: str,
    command: str,
    timeout: float | None,
) -> RewriteResult:
    """The rewrite, keeping only the converted views with which `command` (the project's
    tests) stays at its baseline; the others become Dropped, naming the tests they broke."""
    full = rewrite_project(root, result, views, target, version_source)
    by_id = {view.id: view for view in views}
    changed = [o.view_id for o in full.outcomes if o.status == CHANGED]
    cache: dict[frozenset[str], RewriteResult] = {frozenset(changed): full}

    def subset(ids: Sequence[str]) -> RewriteResult:
        key = frozenset(ids)
        if key not in cache:
            chosen = [by_id[i] for i in changed if i in key]
            cache[key] = rewrite_project(root, result, chosen, target, version_source)
        return cache[key]

    with tempfile.TemporaryDirectory(prefix="advisor-verify-copy-") as folder:
        verifier = Verifier(root, command, timeout, Path(folder))
        found, kept = verify(
            verifier,
            changed,
            lambda ids: subset(ids).changes,
            _progress,
        )
    final = subset(kept)
    final_outcomes = {o.view_id: o for o in final.outcomes}
    requested = found.requested_views
    outcomes = []
    for outcome in full.outcomes:
        if outcome.view_id in found.dropped:
            tests = found.dropped[outcome.view_id]
            shown = ", ".join(tests[:3]) + (f" and {len(tests) - 3} more" if len(tests) > 3 else "")
            outcomes.append(
                dataclasses.replace(
                    outcome,
                    status=DROPPED,
                    reason=f"dropped by --verify: with it converted, {shown} failed",
                )
            )
        elif outcome.status == CHANGED:
            kept_outcome = final_outcomes.get(outcome.view_id, outcome)
            if outcome.view_id not in requested:
                kept_outcome = dataclasses.replace(
                    kept_outcome,
                    notes=(*kept_outcome.notes, "not exercised by the tests: no request of "
                           "the --verify run reached it"),
                )  # fmt: skip
            outcomes.append(kept_outcome)
        else:
            outcomes.append(outcome)
    return RewriteResult(target, version_source, tuple(outcomes), final.changes, found)


def _progress(line: str) -> None:
    if sys.stderr.isatty():
        click.echo(line, err=True)


def _describe(plans: Sequence[ViewPlan], result: ViewResult, target: Target) -> tuple[str, ...]:
    if result.status != CHANGED:
        return ()
    registry = codemods()
    plan = next(p for p in plans if p.view.id == result.view_id)
    used = dict.fromkeys(
        registry[s.codemod].summary_for(target, s.mode == "sync_to_async") for s in plan.steps
    )
    return (", ".join(u for u in used if u),)


def _imports_added(changes: dict[str, tuple[bytes, bytes]], module: str) -> bool:
    line = f"import {module}".encode()
    return any(line in after and line not in before for before, after in changes.values())


_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        match = _REQUIREMENT_NAME.match(line.split("#", 1)[0])
        if match:
            names.add(match.group(1).lower().replace("_", "-"))
    return names


def project_dependencies(root: Path) -> set[str]:
    """The distribution names the project declares: requirements*.txt (also under
    requirements/) and pyproject.toml ([project] dependencies and extras, Poetry)."""
    names: set[str] = set()
    files = [*root.glob("requirements*.txt"), *root.glob("requirements/*.txt")]
    for path in files:
        try:
            names |= _requirement_names(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    try:
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        data = {}
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    declared = [*project.get("dependencies", [])]
    for extra in (project.get("optional-dependencies") or {}).values():
        declared.extend(extra)
    names |= _requirement_names("\n".join(str(d) for d in declared))
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    names |= {str(n).lower() for n in (poetry.get("dependencies") or {})}
    return names


HTTP_CLIENTS = ("httpx", "niquests", "aiohttp")


def choose_http_client(root: Path, asked: str | None) -> tuple[str, str]:
    """The async HTTP client to convert requests calls to, and why: the one asked for,
    else the one the project already depends on, else httpx."""
    if asked is not None:
        return asked, "--http-client"
    declared = project_dependencies(root)
    for client in HTTP_CLIENTS:
        if client in declared:
            return client, "the project depends on it"
    return "httpx", "default; --http-client niquests|aiohttp targets another"


def _with_requirement(root: Path, name: str) -> tuple[bytes, bytes] | None:
    """Add `name` to requirements.txt when the rewrite starts importing it."""
    path = root / "requirements.txt"
    if not path.is_file():
        return None
    before = path.read_bytes()
    if name in _requirement_names(before.decode("utf-8", errors="replace")):
        return None
    text = before.decode("utf-8", errors="replace")
    if text and not text.endswith("\n"):
        text += "\n"
    return before, (text + f"{name}\n").encode("utf-8")


def repository_prefix(root: Path) -> str:
    """`root`'s path inside the git repository holding it ("" at its top, or outside any
    repository), so that the diff applies with `git apply` from the repository root."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            relative = root.relative_to(folder).as_posix()
            return "" if relative == "." else relative + "/"
    return ""


_DIFF_COLOURS = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def _paint(line: str) -> str:
    for start, colour in _DIFF_COLOURS:
        if line.startswith(start):
            if colour == "bold":
                return click.style(line.rstrip("\n"), bold=True) + "\n"
            return click.style(line.rstrip("\n"), fg=colour) + "\n"
    return line


def _colour(stream: Any) -> bool:
    """Colour on a terminal only; NO_COLOR turns it off, FORCE_COLOR on (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def unified_diff(
    changes: dict[str, tuple[bytes, bytes]], prefix: str = "", *, colour: bool = False
) -> str:
    """One unified diff; `prefix` is the project's folder inside its repository."""
    parts: list[str] = []
    for path, (before, after) in sorted(changes.items()):
        old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
        new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
        shown = f"{prefix}{path}"
        for line in difflib.unified_diff(old, new, f"a/{shown}", f"b/{shown}"):
            line = line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            parts.append(_paint(line) if colour else line)
    return "".join(parts)


def _nothing_selected(
    result: ScanResult, categories: tuple[str, ...], min_score: int | None
) -> str:
    wanted = [f"--category {c!r}" for c in categories]
    if min_score is not None:
        wanted.append(f"--min-score {min_score}")
    return (
        f"advisor rewrite: no view matches {' and '.join(wanted)} "
        f"({len(result.views)} views scanned): nothing to rewrite"
    )


def _warnings(outcome: RewriteResult, views: list[View]) -> list[str]:
    by_id = {view.id: view for view in views}
    found = []
    for converted in outcome.outcomes:
        view = by_id.get(converted.view_id)
        if converted.status != CHANGED or view is None or view.score is None:
            continue
        if view.score.category == Category.KEEP_SYNC and any(
            e.kind == EffectKind.CPU for e in view.effects
        ):
            found.append(
                f"{view.id} is CPU-bound (keep sync): async releases nothing while it "
                "computes, and the converted view pays a thread hop for that work"
            )
    return found


def write_changes(root: Path, changes: dict[str, tuple[bytes, bytes]]) -> list[str]:
    """Write every changed file, all or nothing (advisor/writer.py); raises WriteError."""
    return write_files(root, {path: after for path, (_, after) in changes.items()})


# --- the command ----------------------------------------------------------------------------


def _fail(message: str) -> None:
    click.echo(f"advisor: error: {message}", err=True)
    sys.exit(2)


def _summary(result: RewriteResult, mode: str) -> str:
    lines = [
        f"advisor rewrite: target Django {result.target.django_version} ({result.version_source})"
    ]
    client = result.target.http_client
    if _imports_added(result.changes, client):
        lines[0] += f"; HTTP client {client} ({result.http_client_source})"
    width = max((len(o.view_id) for o in result.outcomes), default=0)
    for outcome in result.outcomes:
        detail = outcome.reason if outcome.status != CHANGED else "; ".join(outcome.notes)
        lines.append(f"  {outcome.status:<8} {outcome.view_id:<{width}}  {detail}".rstrip())
    counts = {
        status: sum(1 for o in result.outcomes if o.status == status)
        for status in (CHANGED, SKIPPED, FAILED, DROPPED)
    }
    files = len(result.changes)
    action = {
        "write": "written",
        "check": "would change (--check)",
        "diff": "in the diff (use --write to apply)",
    }[mode]
    dropped = f", {counts[DROPPED]} dropped by verify" if result.verification else ""
    lines.append(
        f"{counts[CHANGED]} changed, {counts[SKIPPED]} skipped, {counts[FAILED]} "
        f"failed{dropped}; {files} file{'s' if files != 1 else ''} {action}"
    )
    found = result.verification
    if found is not None:
        final = found.final or found.baseline
        lines.append(
            f"verified with `{found.command}` ({found.runs} run{'s' if found.runs != 1 else ''}): "
            f"baseline {found.baseline.describe()}; with the rewrite {final.describe()} "
            f"[counted from the {found.baseline.counted_by}]"
        )
    return "\n".join(lines)


def _as_json(result: RewriteResult, mode: str, written: list[str], prefix: str = "") -> str:
    data: dict[str, Any] = {
        "django_version": result.target.django_version,
        "http_client": result.target.http_client,
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
    found = result.verification
    if found is not None:
        final = found.final or found.baseline
        data["verify"] = {
            "command": found.command,
            "runs": found.runs,
            "counted_by": found.baseline.counted_by,
            "baseline": {"passed": found.baseline.passed, "failed": found.baseline.failed,
                         "returncode": found.baseline.returncode},
            "final": {"passed": final.passed, "failed": final.failed,
                      "returncode": final.returncode},
            "dropped": {view: tests for view, tests in sorted(found.dropped.items())},
            "requested_views": sorted(found.requested_views),
        }  # fmt: skip
    if mode == "write":
        data["written"] = written
    data["diff"] = unified_diff(result.changes, prefix)
    return json.dumps(data, indent=2)


@click.command("rewrite")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."), required=False)
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
    type=CategoryParam(),
    help="Rewrite views in this category: a slug (strong-candidate), a code (ADV102) or "
    "the name the scan shows (repeatable).",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print one unified diff (the default unless --write or --check; with them, too).",
)
@click.option("--write", is_flag=True, help="Apply the changes to the files.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when the rewrite would change a file (for CI, pre-commit).",
)
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
    "--http-client",
    type=click.Choice(HTTP_CLIENTS),
    default=None,
    help="The async client requests calls become (default: the one the project depends "
    "on, else httpx).",
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
    "--project",
    metavar="MANAGE_PY",
    help="In a folder holding several projects, rewrite this one (its manage.py).",
)
@click.option(
    "--verify",
    "verify_command",
    metavar="CMD",
    help="Run CMD (the project's tests, e.g. 'python manage.py test') on a copy before and "
    "after the rewrite; drop the views that make it worse.",
)
@click.option(
    "--verify-timeout",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Bound each --verify run (default: 5 x the baseline run, at least 120 s).",
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
    show_diff: bool,
    write: bool,
    check: bool,
    django_version: str | None,
    gather: bool,
    http_client: str | None,
    settings_module: str | None,
    exclude: tuple[str, ...],
    project: str | None,
    verify_command: str | None,
    verify_timeout: float | None,
    output_format: str,
) -> None:
    """Convert the chosen views of the project at PATH to async: print a diff, or --write."""
    if not path.is_dir():
        _fail(f"{path}: no such directory")
    if not (view_ids or categories or min_score is not None):
        _fail("choose the views to rewrite with --view, --category or --min-score")
    if write and check:
        _fail("--check writes nothing: use --check or --write, not both")
    mode = "write" if write else ("check" if check else "diff")
    show_diff = show_diff or mode == "diff"
    if django_version is not None and django_api.parse_version(django_version) is None:
        _fail(f"--django-version takes X.Y, not {django_version!r}")
    try:
        settings = build_settings(
            path,
            settings_module=settings_module,
            django_version=django_version,
            excludes=exclude or None,
            project=project,
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
    if not views:
        if output_format == "json":
            click.echo(json.dumps({"outcomes": [], "files": [], "diff": ""}, indent=2))
        click.echo(_nothing_selected(result, categories, min_score), err=True)
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
        version = django_api.ASYNC_VIEWS_SINCE
        source = "not detected: no version-gated API used; pass --django-version"
    if not django_api.version_at_least(version, django_api.ASYNC_VIEWS_SINCE):
        _fail(
            f"Django {version} has no async views (added in {django_api.ASYNC_VIEWS_SINCE}): "
            "nothing to convert; pass --django-version for the version you will run"
        )
    client, client_source = choose_http_client(path.resolve(), http_client)
    target = Target(version, gather=gather, http_client=client)
    if verify_command is not None:
        try:
            outcome = verified_rewrite(
                path.resolve(), result, views, target, source, verify_command, verify_timeout
            )
        except VerifyError as error:
            _fail(str(error))
            return
    else:
        outcome = rewrite_project(path.resolve(), result, views, target, source)
    outcome = dataclasses.replace(outcome, http_client_source=client_source)
    written: list[str] = []
    if mode == "write":
        try:
            written = write_changes(path.resolve(), outcome.changes)
        except WriteError as error:
            _fail(str(error))
    prefix = repository_prefix(path.resolve())
    if output_format == "json":
        click.echo(_as_json(outcome, mode, written, prefix))
    elif show_diff:
        colour = _colour(sys.stdout)
        click.echo(unified_diff(outcome.changes, prefix, colour=colour), nl=False, color=colour)
    for warning in _warnings(outcome, views):
        click.echo(f"advisor: warning: {warning}", err=True)
    click.echo(_summary(outcome, mode), err=True)
    if any(o.status == FAILED for o in outcome.outcomes):
        sys.exit(1)
    if mode == "check" and outcome.changes:
        sys.exit(1)
