"""`--gather`: independent HTTP calls awaited one after another in the same block run
together with `asyncio.gather`, so the view waits for the slowest instead of the sum:

    a = await client.get(x)
    a.raise_for_status()
    b = await client.get(y)
→
    a, b = await asyncio.gather(client.get(x), client.get(y))
    a.raise_for_status()

A call joins the group only if its arguments use nothing the earlier statements of the
group assign; statements between the calls (such as `raise_for_status()`) then run after
all of them — a change in order the flag opts into."""

from __future__ import annotations

from typing import cast

import libcst as cst

from codemods import Codemod, Step, codemod
from codemods._build import names_in, single_line
from codemods._engine import Edits


@codemod
class Gather(Codemod):
    id = "gather"
    summary = "asyncio.gather"

    def prepare(self, step: Step, node: cst.CSTNode, source: object, edits: Edits) -> None:
        placeholder = edits.scratch.get(f"client:{step.function}")
        if not isinstance(placeholder, str):
            return

        def gather(function: cst.FunctionDef) -> cst.FunctionDef:
            runs = _GatherRuns(placeholder)
            updated = cast(cst.FunctionDef, function.visit(runs))
            if runs.gathered:
                # Only now is asyncio needed; imports are fixed after the functions are.
                edits.add_import("asyncio")
            return updated

        edits.finish(placeholder, gather, order=40)


def _http_call(statement: cst.BaseStatement, client: str) -> tuple[str, cst.Call] | None:
    """`name = await <client>.verb(…)` → (name, the call)."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    assign = statement.body[0]
    if not (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and isinstance(assign.value, cst.Await)
        and not assign.value.lpar
    ):
        return None
    call = assign.value.expression
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == client
    ):
        return None
    return assign.targets[0].target.value, call


def _movable(statement: cst.BaseStatement) -> bool:
    """Plain expression statements without awaits (`response.raise_for_status()`)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    if not all(isinstance(small, cst.Expr) for small in statement.body):
        return False
    return "await" not in cst.Module(body=[]).code_for_node(statement)


class _GatherRuns(cst.CSTTransformer):
    def __init__(self, client: str) -> None:
        super().__init__()
        self.client = client
        self.gathered = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return True

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = list(updated_node.body)
        result: list[cst.BaseStatement] = []
        index = 0
        while index < len(body):
            run = self._run(body, index)
            if run is None:
                result.append(body[index])
                index += 1
                continue
            calls, between, end = run
            self.gathered = True
            result.append(self._gathered(calls, body[index]))
            result.extend(between)
            index = end
        return updated_node.with_changes(body=result)

    def _run(
        self, body: list[cst.BaseStatement], start: int
    ) -> tuple[list[tuple[str, cst.Call]], list[cst.BaseStatement], int] | None:
        first = _http_call(body[start], self.client)
        if first is None:
            return None
        calls = [first]
        assigned = {first[0]}
        between: list[cst.BaseStatement] = []
        pending: list[cst.BaseStatement] = []
        end = start + 1
        position = start + 1
        while position < len(body):
            statement = body[position]
            call = _http_call(statement, self.client)
            if call is not None:
                if names_in(call[1]) & assigned or call[0] in assigned:
                    break
                calls.append(call)
                assigned.add(call[0])
                between.extend(pending)
                pending = []
                end = position + 1
            elif _movable(statement):
                pending.append(statement)
            else:
                break
            position += 1
        if len(calls) < 2:
            return None
        return calls, between, end

    def _gathered(
        self, calls: list[tuple[str, cst.Call]], first: cst.BaseStatement
    ) -> cst.BaseStatement:
        empty = cst.Module(body=[])
        targets = ", ".join(name for name, _ in calls)
        arguments = "".join(f"    {empty.code_for_node(single_line(call))},\n" for _, call in calls)
        statement = cst.parse_statement(f"{targets} = await asyncio.gather(\n{arguments})\n")
        return statement.with_changes(leading_lines=getattr(first, "leading_lines", ()))
