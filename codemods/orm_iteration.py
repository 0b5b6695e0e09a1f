"""Evaluating a queryset without a call: iteration, `list(qs)`, `len(qs)`, `if qs:`,
`x in qs`. From Django 4.1 querysets support `async for` (and `aiterator()`), so
`for b in qs` → `async for b in qs`, `list(qs)` → `[row async for row in qs]`,
`len(qs)` → `await qs.acount()`, `if qs:` → `if await qs.aexists():`. Below 4.1 the
queryset is evaluated in a thread: `for b in await sync_to_async(list)(qs)`.
Source: ../shared/django-async-api.md §1.1 ("Asynchronous iteration", `list(qs)` row)."""

from __future__ import annotations

import libcst as cst

from codemods import Codemod, Refused, Step, codemod
from codemods._build import (
    SYNC_TO_ASYNC,
    as_aiterator,
    awaited,
    check_awaitable_here,
    in_thread,
    is_iterator_call,
    needs_parentheses,
)
from codemods._engine import Edits
from codemods._source import SourceFile

ROW = "row"
# aiterator() after prefetch_related() raises NotSupportedError before Django 5.0 (§1.1).
AITERATOR_PREFETCH_SINCE = "5.0"
_WRAP_FIRST_ARGUMENT = frozenset(
    {"tuple", "sorted", "sum", "any", "all", "max", "min", "enumerate", "zip", "dict", "frozenset"}
)


def async_list(
    iterable: cst.BaseExpression,
    brackets: tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]
    | None = None,
    kind: type[cst.ListComp] | type[cst.SetComp] = cst.ListComp,
) -> cst.ListComp | cst.SetComp:
    """`[row async for row in <iterable>]`."""
    after_open, before_close = brackets or (cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    for_in = cst.CompFor(target=cst.Name(ROW), iter=iterable, asynchronous=cst.Asynchronous())
    if kind is cst.SetComp:
        return cst.SetComp(
            elt=cst.Name(ROW),
            for_in=for_in,
            lbrace=cst.LeftCurlyBrace(whitespace_after=after_open),
            rbrace=cst.RightCurlyBrace(whitespace_before=before_close),
        )
    return cst.ListComp(
        elt=cst.Name(ROW),
        for_in=for_in,
        lbracket=cst.LeftSquareBracket(whitespace_after=after_open),
        rbracket=cst.RightSquareBracket(whitespace_before=before_close),
    )


def thread_list(iterable: cst.BaseExpression) -> cst.Await:
    """`await sync_to_async(list)(<iterable>)`."""
    return awaited(
        cst.Call(
            func=cst.Call(func=cst.Name(SYNC_TO_ASYNC[1]), args=[cst.Arg(cst.Name("list"))]),
            args=[cst.Arg(iterable)],
        )
    )


@codemod
class OrmIteration(Codemod):
    id = "orm_iteration"
    summary = "async for over querysets"
    thread_summary = "querysets evaluated in sync_to_async"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        native = step.mode == "native"
        if not native:
            edits.add_import(*SYNC_TO_ASYNC)
        if isinstance(node, cst.Call) and is_iterator_call(node):
            loop = source.parent(node)
            if not (isinstance(loop, cst.For | cst.CompFor) and loop.iter is node):
                raise Refused(
                    f"{source.code(node)!r} at {source.path}:{step.location.line} "
                    "is not iterated by a for loop: iterate it with `async for`"
                )
            node = loop
        if isinstance(node, cst.For | cst.CompFor):
            self._loop(step, node, source, edits, native)
        elif isinstance(node, cst.Call):
            self._builtin(step, node, source, edits, native)
        elif isinstance(node, cst.Comparison):
            self._contains(step, node, source, edits, native)
        elif isinstance(node, cst.BaseExpression):
            self._truth(step, node, source, edits, native)
        else:
            raise Refused(
                f"cannot rewrite {source.code(node)!r} at {source.path}:{step.location.line}"
            )

    def _loop(
        self,
        step: Step,
        loop: cst.For | cst.CompFor,
        source: SourceFile,
        edits: Edits,
        native: bool,
    ) -> None:
        if loop.asynchronous is not None:
            return
        check_awaitable_here(loop, source)
        if (
            native
            and is_iterator_call(loop.iter)
            and "prefetch_related" in source.code(loop.iter)
            and not edits.target.has(AITERATOR_PREFETCH_SINCE)
        ):
            raise Refused(
                f"aiterator() after prefetch_related() needs Django "
                f"{AITERATOR_PREFETCH_SINCE} ({source.path}:{step.location.line})"
            )
        if isinstance(loop, cst.CompFor):
            comprehension = source.parent(loop)
            if isinstance(comprehension, cst.GeneratorExp):
                if native:
                    self._generator_to_list(comprehension, source, edits)
                elif comprehension.for_in is not loop:
                    raise Refused(
                        f"{source.code(comprehension)!r} iterates a queryset in an "
                        "inner `for`: evaluate it into a list first"
                    )

        def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.For | cst.CompFor)
            if native:
                return updated.with_changes(
                    asynchronous=cst.Asynchronous(), iter=as_aiterator(updated.iter)
                )
            return updated.with_changes(iter=thread_list(updated.iter))

        edits.on_leave(loop, rewrite, key=f"{self.id}:loop")

    def _generator_to_list(
        self, generator: cst.GeneratorExp, source: SourceFile, edits: Edits
    ) -> None:
        """`sum(b.price for b in qs)` → `sum([b.price async for b in qs])`: an async
        generator expression cannot be consumed by a sync builtin."""
        call = source.parent(source.parent(generator) or generator)
        if not (
            isinstance(call, cst.Call) and len(call.args) >= 1 and call.args[0].value is generator
        ):
            raise Refused(
                f"{source.code(generator)!r} would become an async generator: "
                "use a list comprehension first"
            )

        def to_list(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.GeneratorExp)
            return cst.ListComp(elt=updated.elt, for_in=updated.for_in)

        edits.on_leave(generator, to_list, key=f"{self.id}:to_list")

    def _builtin(
        self, step: Step, call: cst.Call, source: SourceFile, edits: Edits, native: bool
    ) -> None:
        check_awaitable_here(call, source)
        builtin = call.func.value if isinstance(call.func, cst.Name) else ""
        if not call.args or call.args[0].star:
            raise Refused(f"cannot rewrite {source.code(call)!r}")
        parens = needs_parentheses(call, source)

        def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            first = updated.args[0]
            queryset = first.value
            if not native:
                if builtin in ("list", "len", "bool"):
                    return awaited(in_thread(cst.Name(builtin), updated), parens)
                return updated.with_changes(
                    args=[first.with_changes(value=thread_list(queryset)), *updated.args[1:]]
                )
            if builtin in ("list", "set") and len(updated.args) == 1:
                close = (
                    first.comma.whitespace_after
                    if isinstance(first.comma, cst.Comma)
                    else first.whitespace_after_arg
                )
                kind = cst.SetComp if builtin == "set" else cst.ListComp
                return async_list(queryset, (updated.whitespace_before_args, close), kind)
            if builtin in ("len", "bool"):
                method = "acount" if builtin == "len" else "aexists"
                target = (
                    queryset
                    if isinstance(queryset, cst.Name | cst.Attribute | cst.Call | cst.Subscript)
                    else queryset.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
                )
                return awaited(
                    cst.Call(func=cst.Attribute(value=target, attr=cst.Name(method))), parens
                )
            if builtin in _WRAP_FIRST_ARGUMENT or builtin == "list":
                return updated.with_changes(
                    args=[first.with_changes(value=async_list(queryset)), *updated.args[1:]]
                )
            raise Refused(f"no async rewrite for {builtin}() of a queryset")

        if (
            native
            and builtin not in ("list", "set", "len", "bool")
            and (builtin not in _WRAP_FIRST_ARGUMENT)
        ):
            raise Refused(
                f"no async rewrite for {builtin}() of a queryset "
                f"({source.path}:{step.location.line})"
            )
        edits.on_leave(call, rewrite, key=f"{self.id}:builtin")

    def _truth(
        self,
        step: Step,
        expression: cst.BaseExpression,
        source: SourceFile,
        edits: Edits,
        native: bool,
    ) -> None:
        check_awaitable_here(expression, source)

        def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.BaseExpression)
            if not native:
                return awaited(
                    cst.Call(
                        func=cst.Call(
                            func=cst.Name(SYNC_TO_ASYNC[1]), args=[cst.Arg(cst.Name("bool"))]
                        ),
                        args=[cst.Arg(updated)],
                    )
                )
            target = (
                updated
                if isinstance(updated, cst.Name | cst.Attribute | cst.Call)
                else (updated.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
            )
            return awaited(cst.Call(func=cst.Attribute(value=target, attr=cst.Name("aexists"))))

        edits.on_leave(expression, rewrite, key=f"{self.id}:truth")

    def _contains(
        self, step: Step, comparison: cst.Comparison, source: SourceFile, edits: Edits, native: bool
    ) -> None:
        check_awaitable_here(comparison, source)
        if not any(isinstance(t.operator, cst.In | cst.NotIn) for t in comparison.comparisons):
            raise Refused(f"no `in` test in {source.code(comparison)!r}")

        def rewrite(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Comparison)
            targets = []
            for target in updated.comparisons:
                if isinstance(target.operator, cst.In | cst.NotIn):
                    value = (
                        async_list(target.comparator) if native else thread_list(target.comparator)
                    )
                    target = target.with_changes(comparator=value)
                targets.append(target)
            return updated.with_changes(comparisons=targets)

        edits.on_leave(comparison, rewrite, key=f"{self.id}:contains")
