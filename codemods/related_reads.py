"""Reading a foreign key of a model instance that was not loaded with `select_related()`
runs a query, which raises SynchronousOnlyOperation on the event loop
(../shared/django-async-api.md §1.2): `book.author` → `await sync_to_async(getattr)(book,
"author")`, so the query runs in a thread and the instance caches the result as before.
(Loading it up front with `select_related()` is cheaper; the summary says so.)"""

from __future__ import annotations

import libcst as cst

from codemods import Codemod, Refused, Step, codemod
from codemods._build import SYNC_TO_ASYNC, awaited, check_awaitable_here, needs_parentheses
from codemods._engine import Edits
from codemods._source import SourceFile


@codemod
class RelatedReads(Codemod):
    id = "related_reads"
    summary = "foreign keys read in sync_to_async"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Attribute)
        check_awaitable_here(node, source)
        parent = source.parent(node)
        if isinstance(parent, cst.AssignTarget | cst.AugAssign | cst.Del) or (
            isinstance(parent, cst.AnnAssign) and parent.target is node
        ):
            raise Refused(f"{source.path}:{step.location.line} assigns {source.code(node)}")
        parens = needs_parentheses(node, source)
        field = node.attr.value
        edits.add_import(*SYNC_TO_ASYNC)
        edits.note(
            f"{source.code(node)} now loads in a thread: select_related({field!r}) "
            "where it is fetched would save the query"
        )

        def in_a_thread(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Attribute)
            getter = cst.Call(func=cst.Name(SYNC_TO_ASYNC[1]), args=[cst.Arg(cst.Name("getattr"))])
            call = cst.Call(
                func=getter, args=[cst.Arg(updated.value), cst.Arg(cst.SimpleString(f'"{field}"'))]
            )
            return awaited(call, parens)

        edits.on_leave(node, in_a_thread, key=self.id)
