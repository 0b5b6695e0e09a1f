"""`StreamingHttpResponse(rows(qs))` fed by a sync generator → the generator becomes an async
generator iterating the queryset with `async for` (`iterator()` → `aiterator()`), so Django
4.2+ streams it under ASGI without holding a thread for the whole response
(../shared/django-async-api.md §1.10). Blocking calls inside the generator are awaited in a
thread by helper_calls. An async stream changes `response.streaming_content` into an async
iterator, so the rewrite refuses while sync project code (tests using the sync test client,
middleware) reads it."""

from __future__ import annotations

import ast
import re

import libcst as cst

from advisor.catalog.database import LAZY_QUERYSET_METHODS
from codemods import Codemod, Refused, Step, codemod
from codemods._build import as_aiterator
from codemods._engine import Edits
from codemods._source import SourceFile, is_generator
from codemods.orm_iteration import AITERATOR_PREFETCH_SINCE

ASYNC_STREAMING_SINCE = "4.2"


@codemod
class Streaming(Codemod):
    id = "streaming"
    summary = "async generator for StreamingHttpResponse"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.Call)
        where = f"{source.path}:{step.location.line}"
        if not edits.target.has(ASYNC_STREAMING_SINCE):
            raise Refused(
                f"StreamingHttpResponse streams async iterators from Django "
                f"{ASYNC_STREAMING_SINCE}; the target is "
                f"{edits.target.django_version}"
            )
        content = next((a.value for a in node.args if a.keyword is None), None) or next(
            (
                a.value
                for a in node.args
                if a.keyword is not None and a.keyword.value == "streaming_content"
            ),
            None,
        )
        if isinstance(content, cst.GeneratorExp):
            self._generator_expression(content, source, edits, where)
        elif isinstance(content, cst.Call) and isinstance(content.func, cst.Name):
            generator = source.module_function(content.func.value)
            if generator is None or not is_generator(generator):
                raise Refused(
                    f"{where}: the streamed content {source.code(content)!r} is not "
                    "a generator function of this module: make it an async "
                    "generator by hand"
                )
            if generator.asynchronous is not None:
                return
            self._generator_function(generator, source, edits)
        else:
            raise Refused(
                f"{where}: advisor converts StreamingHttpResponse fed by a generator "
                "function or expression; make its iterator async by hand"
            )
        _refuse_sync_consumers(source)

    def _generator_expression(
        self, generator: cst.GeneratorExp, source: SourceFile, edits: Edits, where: str
    ) -> None:
        if generator.for_in.asynchronous is not None:
            return
        _check_queryset(generator.for_in.iter, source, edits, where)

        def make_async(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.GeneratorExp)
            return updated.with_changes(
                for_in=updated.for_in.with_changes(
                    asynchronous=cst.Asynchronous(), iter=as_aiterator(updated.for_in.iter)
                )
            )

        edits.on_leave(generator, make_async, key=self.id)

    def _generator_function(
        self, generator: cst.FunctionDef, source: SourceFile, edits: Edits
    ) -> None:
        name = generator.name.value
        where = f"{source.path}:{source.range(generator).start.line}"
        _refuse_other_uses(name, source, generator)
        loops: list[cst.For] = []

        class Loops(cst.CSTVisitor):
            def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
                return node is generator

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                return False

            def visit_Yield(self, node: cst.Yield) -> None:
                if isinstance(node.value, cst.From):
                    raise Refused(
                        f"{name} at {where} uses `yield from`, which async "
                        "generators cannot: rewrite it by hand"
                    )

            def visit_For(self, node: cst.For) -> None:
                loops.append(node)

        generator.visit(Loops())
        for loop in loops:
            if loop.asynchronous is not None:
                continue
            if isinstance(loop.iter, cst.List | cst.Tuple | cst.Set):
                continue
            _check_queryset(loop.iter, source, edits, where)

            def async_loop(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(updated, cst.For)
                return updated.with_changes(
                    asynchronous=cst.Asynchronous(), iter=as_aiterator(updated.iter)
                )

            edits.on_leave(loop, async_loop, key=f"{self.id}:loop")

        def make_async(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            return updated.with_changes(asynchronous=cst.Asynchronous())

        edits.on_leave(generator, make_async, order=90, key=f"{self.id}:generator")
        edits.note(f"{name}() is now an async generator")


def _chain_methods(expression: cst.BaseExpression) -> list[str]:
    """`a.b.filter(x).order_by(y).iterator()` → ["iterator", "order_by", "filter"]."""
    methods = []
    while isinstance(expression, cst.Call) and isinstance(expression.func, cst.Attribute):
        methods.append(expression.func.attr.value)
        expression = expression.func.value
    return methods


def _check_queryset(
    iterable: cst.BaseExpression, source: SourceFile, edits: Edits, where: str
) -> None:
    """Only loops over something that is evidently a queryset can become `async for`."""
    methods = _chain_methods(iterable)
    if not methods or not (methods[0] == "iterator" or methods[0] in LAZY_QUERYSET_METHODS):
        raise Refused(
            f"{where}: cannot tell whether {source.code(iterable)!r} is a queryset, "
            "so the generator cannot safely become async: make it async by hand"
        )
    if (
        methods[0] == "iterator"
        and "prefetch_related" in methods
        and not edits.target.has(AITERATOR_PREFETCH_SINCE)
    ):
        raise Refused(
            f"{where}: aiterator() after prefetch_related() needs Django {AITERATOR_PREFETCH_SINCE}"
        )


def _refuse_other_uses(name: str, source: SourceFile, generator: cst.FunctionDef) -> None:
    """The generator may only feed this response: other callers expect a sync iterator."""
    pattern = re.compile(rf"(?<!\w){re.escape(name)}\b")
    for relative, text in source.project.texts():
        if name not in text:
            continue
        hits = [
            n
            for n, line in enumerate(text.splitlines(), start=1)
            if pattern.search(line.split("#", 1)[0])
        ]
        if relative == source.path:
            start = source.range(generator).start.line
            hits = [n for n in hits if n != start]
            if len(hits) <= 1:
                continue
        if hits:
            raise Refused(
                f"{name}() is also used at {relative}:{hits[-1]}, which expects a "
                "sync iterator: give the view its own async generator by hand"
            )


def _refuse_sync_consumers(source: SourceFile) -> None:
    """`b"".join(response.streaming_content)` in sync code fails on an async stream."""
    for relative, text in source.project.texts():
        if "streaming_content" not in text:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for line in _sync_reads(tree):
            raise Refused(
                f"{relative}:{line} reads response.streaming_content synchronously; "
                "an async generator would hand it an async iterator (TypeError). "
                "Consume the stream with `async for` in an async test (or "
                "AsyncClient), then rewrite again"
            )


def _sync_reads(tree: ast.Module) -> list[int]:
    found: list[int] = []

    def visit(node: ast.AST, in_async: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.AsyncFunctionDef):
                visit(child, True)
            elif isinstance(child, ast.FunctionDef | ast.Lambda):
                visit(child, False)
            else:
                if (
                    isinstance(child, ast.Attribute)
                    and child.attr == "streaming_content"
                    and isinstance(child.ctx, ast.Load)
                    and not in_async
                ):
                    found.append(child.lineno)
                visit(child, in_async)

    visit(tree, False)
    return found
