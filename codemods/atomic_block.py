"""`with transaction.atomic(): …` in an async view → the block moves, unchanged, into a sync
inner function that runs in a thread: `await sync_to_async(_in_transaction)()`.
Transactions cannot be entered from async code in any Django version
(../shared/django-async-api.md §4.1); the calls inside stay sync, in the thread. Names the
block assigns and the view reads later are returned; names the view also assigns elsewhere
are declared `nonlocal`."""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.metadata import Assignment

from codemods import Codemod, Refused, Step, codemod
from codemods._build import SYNC_TO_ASYNC, free_name, names_in
from codemods._engine import Edits
from codemods._source import SourceFile


@codemod
class AtomicBlock(Codemod):
    id = "atomic_block"
    summary = "transaction.atomic block in sync_to_async"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Call)
        item = source.parent(node)
        block = source.parent(item) if item is not None else None
        if not (isinstance(item, cst.WithItem) and isinstance(block, cst.With)):
            raise Refused(
                f"transaction.atomic at {source.path}:{step.location.line} is not a "
                "`with transaction.atomic():` block (a decorator or a manual "
                "Atomic): move the transactional code into a function and await "
                "sync_to_async(that_function)()"
            )
        if len(block.items) != 1 or item.asname is not None or block.asynchronous:
            raise Refused(
                f"{source.path}:{step.location.line}: only a plain "
                "`with transaction.atomic():` block is moved automatically"
            )
        function = source.enclosing_function(block)
        if function is None:
            raise Refused(f"{source.path}:{step.location.line} is not inside a function")
        _refuse_control_flow(block, source)
        returned, shared = _names_to_hand_back(block, function, source)
        name = free_name(("_in_transaction", "_in_transaction_block"), names_in(function))
        edits.add_import(*SYNC_TO_ASYNC)

        def move_to_thread(original: cst.CSTNode, updated: cst.CSTNode) -> Any:
            assert isinstance(updated, cst.With)
            body: list[cst.BaseStatement] = []
            if shared:
                body.append(cst.parse_statement(f"nonlocal {', '.join(shared)}"))
            body.append(updated.with_changes(leading_lines=()))
            if returned:
                body.append(cst.parse_statement(f"return {', '.join(returned)}"))
            inner = cst.FunctionDef(
                name=cst.Name(name),
                params=cst.Parameters(),
                body=cst.IndentedBlock(body=body),
                leading_lines=updated.leading_lines,
            )
            call = f"await sync_to_async({name})()"
            target = f"{', '.join(returned)} = " if returned else ""
            statement = cst.parse_statement(f"{target}{call}").with_changes(
                leading_lines=[cst.EmptyLine(indent=False)]
            )
            return cst.FlattenSentinel([inner, statement])

        edits.on_leave(block, move_to_thread, key=self.id)


def _refuse_control_flow(block: cst.With, source: SourceFile) -> None:
    """Statements whose meaning changes once the block is a function body."""

    class Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.problem: str | None = None
            self.loops = 0

        def _found(self, what: str) -> None:
            if self.problem is None:
                self.problem = what

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            self._found("return")

        def visit_Yield(self, node: cst.Yield) -> None:
            self._found("yield")

        def visit_Await(self, node: cst.Await) -> None:
            self._found("await")

        def visit_Global(self, node: cst.Global) -> None:
            self._found("global")

        def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
            self._found("nonlocal")

        def visit_For(self, node: cst.For) -> None:
            self.loops += 1

        def leave_For(self, original_node: cst.For) -> None:
            self.loops -= 1

        def visit_While(self, node: cst.While) -> None:
            self.loops += 1

        def leave_While(self, original_node: cst.While) -> None:
            self.loops -= 1

        def visit_Break(self, node: cst.Break) -> None:
            if not self.loops:
                self._found("break")

        def visit_Continue(self, node: cst.Continue) -> None:
            if not self.loops:
                self._found("continue")

    finder = Finder()
    block.body.visit(finder)
    if finder.problem is not None:
        raise Refused(
            f"the transaction.atomic block at {source.path}:"
            f"{source.range(block).start.line} uses `{finder.problem}`, which would "
            "change meaning inside a function: move it into a function by hand"
        )


def _names_to_hand_back(
    block: cst.With, function: cst.FunctionDef, source: SourceFile
) -> tuple[list[str], list[str]]:
    """(names to return, names to declare nonlocal) for moving `block` out of `function`."""
    first = function.body.body[0] if isinstance(function.body, cst.IndentedBlock) else None
    scope = source.scope(first) if first is not None else None
    if scope is None:
        raise Refused(f"cannot analyse the names in {function.name.value}")
    inside: dict[str, list[Assignment]] = {}
    outside: set[str] = set()
    for assignment in scope.assignments:
        if not isinstance(assignment, Assignment):
            continue
        if source.contains(block, assignment.node):
            inside.setdefault(assignment.name, []).append(assignment)
        else:
            outside.add(assignment.name)
    returned: list[str] = []
    shared: list[str] = []
    handlers = [t for t in source.ancestors(block) if isinstance(t, cst.Try)]

    def first_seen(item: tuple[str, list[Assignment]]) -> tuple[int, int]:
        start = source.range(item[1][0].node).start
        return start.line, start.column

    for name, assignments in sorted(inside.items(), key=first_seen):
        if name in outside:
            shared.append(name)
            continue
        used_after = [
            access
            for assignment in assignments
            for access in assignment.references
            if not source.contains(block, access.node)
        ]
        if not used_after:
            continue
        for access in used_after:
            for handler_owner in handlers:
                guarded = [
                    *handler_owner.handlers,
                    *([handler_owner.finalbody] if handler_owner.finalbody else []),
                ]
                if any(source.contains(part, access.node) for part in guarded):
                    raise Refused(
                        f"`{name}` is assigned in the transaction.atomic block and "
                        f"read in an except/finally clause at {source.path}:"
                        f"{source.range(access.node).start.line}: move the block "
                        "into a function by hand"
                    )
        returned.append(name)
    return returned, shared
