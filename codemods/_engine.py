"""The engine that carries out the plan for one file: every step is located in the
unchanged source, its codemod checks it and registers edits, then one libcst pass applies
the edits of all accepted views bottom-up (each keyed by the original node), later passes
finish what needs the whole function (placeholders), and libcst's AddImportsVisitor /
RemoveImportsVisitor fix the imports. The result must compile, or the views that break it
are reported as Failed.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from advisor.model import View
from codemods import Refused, RunsInThread, Step, Target, codemods
from codemods._imports import fix_imports
from codemods._source import NodeNotFound, Project, SourceFile

LeaveResult = cst.CSTNode | cst.FlattenSentinel[Any] | cst.RemovalSentinel
Transform = Callable[[cst.CSTNode, cst.CSTNode], LeaveResult]
PostPass = Callable[[cst.Module], cst.Module]

CHANGED, SKIPPED, FAILED = "changed", "skipped", "failed"


@dataclass
class Edits:
    """What the steps of one view change, registered by the codemods' `prepare`."""

    view: View
    target: Target
    steps: tuple[Step, ...]
    leave: dict[cst.CSTNode, list[tuple[int, str, Transform]]] = field(default_factory=dict)
    post: list[tuple[int, str, PostPass]] = field(default_factory=list)
    imports: list[tuple[str, str | None]] = field(default_factory=list)
    unused: list[tuple[str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Shared scratch space for codemods that cooperate within one view (a placeholder
    # name per function, the response variables of converted HTTP calls…).
    scratch: dict[str, Any] = field(default_factory=dict)

    def on_leave(
        self, node: cst.CSTNode, transform: Transform, *, order: int = 50, key: str = ""
    ) -> None:
        """Run `transform(original, updated)` when the pass leaves `node`. Lower `order`
        runs first; a non-empty `key` registered twice (by two views) runs once."""
        self.leave.setdefault(node, []).append((order, key, transform))

    def after(self, post: PostPass, *, order: int = 50, key: str = "") -> None:
        self.post.append((order, key, post))

    def add_import(self, module: str, obj: str | None = None) -> None:
        self.imports.append((module, obj))

    def remove_if_unused(self, module: str, obj: str | None = None) -> None:
        self.unused.append((module, obj))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass(frozen=True, slots=True)
class ViewPlan:
    view: View
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class ViewResult:
    view_id: str
    status: str  # CHANGED, SKIPPED or FAILED
    reason: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileResult:
    path: str
    before: bytes
    after: bytes
    views: tuple[ViewResult, ...]


class _Apply(cst.CSTTransformer):
    def __init__(self, leave: dict[cst.CSTNode, list[tuple[int, str, Transform]]]) -> None:
        super().__init__()
        self._leave = leave

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        updated = super().on_leave(original_node, updated_node)
        transforms = self._leave.get(original_node)
        if not transforms:
            return updated
        result: LeaveResult = updated
        for _, _, transform in sorted(transforms, key=lambda item: item[0]):
            if not isinstance(result, cst.CSTNode):
                break
            result = transform(original_node, result)
        return result


def _merge(
    accepted: list[Edits],
) -> tuple[dict[cst.CSTNode, list[tuple[int, str, Transform]]], list[tuple[int, str, PostPass]]]:
    leave: dict[cst.CSTNode, list[tuple[int, str, Transform]]] = {}
    seen: set[tuple[int, str]] = set()
    for edits in accepted:
        for node, transforms in edits.leave.items():
            for order, key, transform in transforms:
                if key and (id(node), key) in seen:
                    continue
                seen.add((id(node), key))
                leave.setdefault(node, []).append((order, key, transform))
    post: list[tuple[int, str, PostPass]] = []
    post_keys: set[str] = set()
    for edits in accepted:
        for order, key, run in edits.post:
            if key and key in post_keys:
                continue
            post_keys.add(key)
            post.append((order, key, run))
    return leave, sorted(post, key=lambda item: item[0])


def _apply(source: SourceFile, accepted: list[Edits]) -> bytes:
    leave, post = _merge(accepted)
    tree = source.tree.visit(_Apply(leave))
    for _, _, run in post:
        tree = run(tree)
    imports = [item for edits in accepted for item in edits.imports]
    unused = [item for edits in accepted for item in edits.unused]
    tree = fix_imports(tree, imports, unused, source.project.root)
    return tree.bytes


def _compile_error(path: str, code: bytes) -> str | None:
    try:
        compile(code, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return f"the rewritten file does not compile: {error}"
    return None


def _prepare(plan: ViewPlan, source: SourceFile, target: Target) -> Edits:
    registry = codemods()
    edits = Edits(plan.view, target, plan.steps)
    for step in plan.steps:
        node = source.find(step.location, step.node, step.function)
        try:
            registry[step.codemod].prepare(step, node, source, edits)
        except RunsInThread:
            continue
    return edits


def rewrite_file(project: Project, path: str, plans: list[ViewPlan], target: Target) -> FileResult:
    """Carry out the plans of every view defined in `path`; never raises for bad input."""
    before = (project.root / path).read_bytes()
    try:
        source = SourceFile(path, before, project)
    except cst.ParserSyntaxError as error:
        return FileResult(
            path,
            before,
            before,
            tuple(
                ViewResult(p.view.id, FAILED, f"libcst cannot parse {path}: {error.message}")
                for p in plans
            ),
        )
    results: dict[str, ViewResult] = {}
    accepted: list[Edits] = []
    for plan in plans:
        try:
            accepted.append(_prepare(plan, source, target))
        except Refused as refusal:
            results[plan.view.id] = ViewResult(plan.view.id, SKIPPED, str(refusal))
        except NodeNotFound as error:
            results[plan.view.id] = ViewResult(plan.view.id, FAILED, str(error))
        except Exception as error:  # a codemod bug must not reach the CLI as a traceback
            results[plan.view.id] = ViewResult(plan.view.id, FAILED, _internal(error))
    after = before
    if accepted:
        after, failed = _apply_checked(source, path, accepted)
        for edits, reason in failed:
            results[edits.view.id] = ViewResult(edits.view.id, FAILED, reason)
        for edits in accepted:
            if edits.view.id not in results:
                results[edits.view.id] = ViewResult(edits.view.id, CHANGED, "", tuple(edits.notes))
    ordered = tuple(results[p.view.id] for p in plans)
    return FileResult(path, before, after, ordered)


def _apply_checked(
    source: SourceFile, path: str, accepted: list[Edits]
) -> tuple[bytes, list[tuple[Edits, str]]]:
    """Apply all views at once; if that fails, add them one by one to find the culprits."""
    error: str | None
    try:
        code = _apply(source, accepted)
        error = _compile_error(path, code)
    except Exception as failure:
        code, error = source.tree.bytes, _internal(failure)
    if error is None:
        return code, []
    kept: list[Edits] = []
    failed: list[tuple[Edits, str]] = []
    code = source.tree.bytes
    for edits in accepted:
        try:
            attempt = _apply(source, [*kept, edits])
            problem = _compile_error(path, attempt)
        except Exception as failure:
            attempt, problem = code, _internal(failure)
        if problem is None:
            kept.append(edits)
            code = attempt
        else:
            failed.append((edits, problem))
    return code, failed


def _internal(error: Exception) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    where = f" ({frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
    return f"internal error in the codemod: {type(error).__name__}: {error}{where}"
