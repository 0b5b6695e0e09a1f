"""Blocking Django calls that have an async twin: `qs.get(…)` → `await qs.aget(…)` (QuerySet
4.1+, model instance `asave`/`adelete`/`arefresh_from_db` 4.2+), `get_object_or_404` →
`await aget_object_or_404` (5.0+), `login`/`logout`/`authenticate` → `alogin`/… (5.0+).
Below the version that added the twin, the call runs in a thread:
`await sync_to_async(qs.get)(…)`. Source: ../shared/django-async-api.md §1.1-1.5."""

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
from codemods._source import SourceFile

# asave() and friends take keyword arguments only from Django 6.0 (§1.2).
_KEYWORD_ONLY = frozenset({"save", "delete", "refresh_from_db"})


@codemod
class OrmCalls(Codemod):
    id = "orm_calls"
    summary = "async ORM/shortcut calls"
    thread_summary = "sync_to_async for ORM/shortcut calls"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Call) and step.effect is not None
        check_awaitable_here(node, source)
        sync_name = step.effect.call.rsplit(".", 1)[-1]
        func = node.func
        named = (
            func.attr.value
            if isinstance(func, cst.Attribute)
            else (func.value if isinstance(func, cst.Name) else None)
        )
        twin_is_function = "." in step.name
        if twin_is_function:
            if step.effect.call not in source.qualified_names(func) and named != sync_name:
                raise Refused(
                    f"{source.code(func)} at {source.path}:{step.location.line} is "
                    f"not {step.effect.call}"
                )
        elif named != sync_name:
            raise Refused(
                f"{source.code(node)!r} at {source.path}:{step.location.line} does "
                f"not call .{sync_name}(): rescan the project"
            )
        mode = step.mode
        if (
            mode == "native"
            and sync_name in _KEYWORD_ONLY
            and any(arg.keyword is None for arg in node.args)
        ):
            # Positional arguments to asave() raise TypeError from Django 6.0.
            mode = "sync_to_async"
        parens = needs_parentheses(node, source)
        if mode == "sync_to_async":
            edits.add_import(*SYNC_TO_ASYNC)

            def in_a_thread(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(updated, cst.Call)
                return awaited(in_thread(updated.func, updated), parens)

            edits.on_leave(node, in_a_thread, key=f"{self.id}:thread")
            return
        new_name = step.name.rsplit(".", 1)[-1]
        if twin_is_function and isinstance(func, cst.Name):
            module = step.name.rsplit(".", 1)[0]
            edits.add_import(module, new_name)
            edits.remove_if_unused(module, sync_name)

        def native(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            target = updated.func
            if isinstance(target, cst.Attribute):
                target = target.with_changes(attr=cst.Name(new_name))
            else:
                target = cst.Name(new_name)
            return awaited(updated.with_changes(func=target), parens)

        edits.on_leave(node, native, key=f"{self.id}:native")
