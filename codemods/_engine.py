"""The engine that carries out the plan for one file: every step is located in the
unchanged source, its codemod checks it and registers edits, then one libcst pass applies
the edits of all accepted views bottom-up (each keyed by the original node), later passes
finish what needs the whole function (placeholders), and libcst's AddImportsVisitor /
RemoveImportsVisitor fix the imports. The result must compile, or the views that break it
are reported as Failed.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst

from advisor.model import Location, View
from advisor.plan import CHANGED, FAILED, SKIPPED, FileResult, Step, Target, ViewPlan, ViewResult
from codemods import Refused, RunsInThread, codemods
from codemods._build import names_in
from codemods._imports import fix_imports
from codemods._loop_audit import LoopAudit
from codemods._source import NodeNotFound, Project, SourceFile

LeaveResult = cst.CSTNode | cst.FlattenSentinel[Any] | cst.RemovalSentinel
Transform = Callable[[cst.CSTNode, cst.CSTNode], LeaveResult]
# Finishes a function once the main pass is done with it (wraps statements, inserts one,
# renames a placeholder); runs on each outermost function that uses its placeholder.
Finisher = Callable[[cst.FunctionDef], cst.FunctionDef]


@dataclass
class Edits:
    """What the steps of one view change, registered by the codemods' `prepare`."""

    view: View
    target: Target
    steps: tuple[Step, ...]
    leave: dict[cst.CSTNode, list[tuple[int, str, Transform]]] = field(default_factory=dict)
    finishers: dict[str, list[tuple[int, Finisher]]] = field(default_factory=dict)
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

    def finish(self, placeholder: str, finisher: Finisher, *, order: int = 50) -> None:
        """Run `finisher` on the outermost function that uses the name `placeholder`,
        after the main pass; lower `order` runs first."""
        self.finishers.setdefault(placeholder, []).append((order, finisher))

    def add_import(self, module: str, obj: str | None = None) -> None:
        self.imports.append((module, obj))

    def remove_if_unused(self, module: str, obj: str | None = None) -> None:
        self.unused.append((module, obj))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


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
) -> tuple[
    dict[cst.CSTNode, list[tuple[int, str, Transform]]], dict[str, list[tuple[int, Finisher]]]
]:
    leave: dict[cst.CSTNode, list[tuple[int, str, Transform]]] = {}
    seen: set[tuple[int, str]] = set()
    for edits in accepted:
        for node, transforms in edits.leave.items():
            for order, key, transform in transforms:
                if key and (id(node), key) in seen:
                    continue
                seen.add((id(node), key))
                leave.setdefault(node, []).append((order, key, transform))
    finishers: dict[str, list[tuple[int, Finisher]]] = {}
    for edits in accepted:
        finishers.update(edits.finishers)  # placeholders are unique to one view
    return leave, finishers


class _Finish(cst.CSTTransformer):
    """One pass over the module that finishes each outermost function using placeholders."""

    def __init__(self, finishers: dict[str, list[tuple[int, Finisher]]]) -> None:
        super().__init__()
        self._finishers = finishers
        self._depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._depth += 1
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._depth -= 1
        if self._depth:
            return updated_node
        used = names_in(updated_node)
        pending = [
            (order, index, finisher)
            for placeholder, finishers in self._finishers.items()
            if placeholder in used
            for index, (order, finisher) in enumerate(finishers)
        ]
        for _, _, finisher in sorted(pending, key=lambda item: (item[0], item[1])):
            updated_node = finisher(updated_node)
        return updated_node


def _apply(source: SourceFile, accepted: list[Edits]) -> bytes:
    leave, finishers = _merge(accepted)
    tree = source.tree.visit(_Apply(leave))
    if finishers:
        tree = tree.visit(_Finish(finishers))
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
    found: list[tuple[Step, cst.CSTNode]] = []
    for step in plan.steps:
        node = source.find(step.location, step.node, step.function)
        found.append((step, node))
        try:
            registry[step.codemod].prepare(step, node, source, edits)
        except RunsInThread:
            continue
    _audit(found, source, edits)
    return edits


# Codemods whose call becomes an async API that returns the same kind of value.
_RESULT_KINDS = {"orm_calls": "db", "http_client": "http"}


def _audit(found: list[tuple[Step, cst.CSTNode]], source: SourceFile, edits: Edits) -> None:
    """Check that what the converted functions still call cannot block (see _loop_audit);
    a call it cannot place moves into a thread when nothing lazy comes back from it."""
    functions = [
        node
        for step, node in found
        if step.codemod == "make_view_async" and isinstance(node, cst.FunctionDef)
    ]
    if not functions:
        return
    covered: dict[cst.CSTNode, str] = {}
    moved: list[cst.CSTNode] = []
    for step, node in found:
        if step.codemod == "atomic_block":
            block = source.enclosing(node, cst.With)
            if block is not None:
                moved.append(block)
        elif step.codemod == "streaming":
            moved.append(node)  # the codemod converts the generator it is fed, or refuses
        elif isinstance(node, cst.For | cst.CompFor):
            covered[node] = covered[node.iter] = ""  # the loop becomes `async for`
        elif isinstance(node, cst.BaseExpression):
            covered[node] = _RESULT_KINDS.get(step.codemod, "")
    handler = any(step.name == "handler" for step, _ in found if step.codemod == "make_view_async")
    view_class = source.enclosing(functions[0], cst.ClassDef) if handler else None
    helper_calls = codemods()["helper_calls"]
    in_thread: list[str] = []

    def to_thread(call: cst.Call) -> bool:
        where = source.range(call)
        location = Location(
            source.path, where.start.line, where.start.column, where.end.line, where.end.column
        )
        step = Step("helper_calls", edits.view.id, location, "call", edits.view.id)
        try:
            helper_calls.prepare(step, call, source, edits)
        except Refused:
            return False
        in_thread.append(f"{single_line_code(source, call.func)}() at line {where.start.line}")
        return True

    audit = LoopAudit(source.project, to_thread=to_thread)
    audit.check_view(source, functions, covered, moved, view_class)
    if in_thread:
        edits.note("sync_to_async for calls not shown to be non-blocking: " + ", ".join(in_thread))


def single_line_code(source: SourceFile, node: cst.CSTNode) -> str:
    text = " ".join(source.code(node).split())
    return text if len(text) <= 50 else text[:47] + "…"


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


def rewrite_files(root: Path, plans: Sequence[ViewPlan], target: Target) -> list[FileResult]:
    """Every file's plans carried out (see `codemods.carry_out`)."""
    project = Project(root)
    by_file: dict[str, list[ViewPlan]] = {}
    for plan in plans:
        by_file.setdefault(plan.view.location.path, []).append(plan)
    results = []
    for path, file_plans in sorted(by_file.items()):
        try:
            results.append(rewrite_file(project, path, file_plans, target))
        except OSError as error:
            failed = tuple(
                ViewResult(p.view.id, FAILED, f"cannot read {path}: {error}") for p in file_plans
            )
            results.append(FileResult(path, b"", b"", failed))
    return results
