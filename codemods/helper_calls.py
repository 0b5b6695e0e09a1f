"""A call that blocks and has no async twin — a project helper whose chain reaches blocking
I/O (`services.recommend_for(book)`, `self.fetch_status(slug)`), or a sync-only API such as
`send_mail` or CPU-heavy hashing — runs in a worker thread: `f(x)` →
`await sync_to_async(f)(x)` (asgiref; thread-sensitive by default, so ORM use inside stays
on one thread: ../shared/django-async-api.md §4.3)."""

from __future__ import annotations

import libcst as cst

from codemods import Codemod, Refused, Step, codemod
from codemods._build import (
    SYNC_TO_ASYNC,
    awaited,
    check_awaitable_here,
    in_thread,
    needs_parentheses,
)
from codemods._engine import Edits
from codemods._source import SourceFile, is_generator


@codemod
class HelperCalls(Codemod):
    id = "helper_calls"
    summary = "sync_to_async for blocking helpers"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Call)
        check_awaitable_here(node, source)
        if isinstance(source.parent(node), cst.WithItem):
            raise Refused(
                f"{source.code(node)!r} at {source.path}:{step.location.line} is a "
                "context manager that blocks: move the block into a function and "
                "await sync_to_async(that_function)()"
            )
        if isinstance(node.func, cst.Call) and "sync_to_async" in source.code(node.func.func):
            return  # already runs in a thread
        self._refuse_generator(step, source)
        parens = needs_parentheses(node, source)
        edits.add_import(*SYNC_TO_ASYNC)

        def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            return awaited(in_thread(updated.func, updated), parens)

        edits.on_leave(node, rewrite, key=self.id)

    def _refuse_generator(self, step: Step, source: SourceFile) -> None:
        """sync_to_async(gen)() only creates the generator; its blocking work would run
        later, while the async code iterates it on the event loop."""
        effect = step.effect
        if effect is None:
            return
        links = list(effect.chain)
        for index, link in enumerate(links[:-1]):
            if (link.location.line, link.location.column) != (
                step.location.line,
                step.location.column,
            ):
                continue
            helper = links[index + 1]
            helper_source = source.project.source(helper.location.path)
            if helper_source is None:
                return
            definition = helper_source.function_at(
                helper.location.line, helper.function.rsplit(".", 1)[-1]
            )
            if definition is not None and is_generator(definition):
                raise Refused(
                    f"{helper.function} is a generator: its blocking work runs "
                    "while it is iterated, so sync_to_async around the call does "
                    "not help; evaluate it in a thread "
                    "(await sync_to_async(list)(…)) or make it an async generator"
                )
            return
