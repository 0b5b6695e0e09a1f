"""`time.sleep(x)` → `await asyncio.sleep(x)`: the wait no longer holds the worker, in any
Django version."""

from __future__ import annotations

import libcst as cst

from codemods import Codemod, Refused, Step, codemod
from codemods._build import awaited, check_awaitable_here, needs_parentheses
from codemods._engine import Edits
from codemods._source import SourceFile


@codemod
class Sleep(Codemod):
    id = "sleep"
    summary = "asyncio.sleep"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Call)
        check_awaitable_here(node, source)
        if "time.sleep" not in source.qualified_names(node.func):
            raise Refused(
                f"{source.code(node.func)} at {source.path}:{step.location.line} is not time.sleep"
            )
        edits.add_import("asyncio")
        edits.remove_if_unused("time")
        edits.remove_if_unused("time", "sleep")
        parens = needs_parentheses(node, source)

        def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            func = cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("sleep"))
            return awaited(updated.with_changes(func=func), parens)

        edits.on_leave(node, rewrite, key=self.id)
