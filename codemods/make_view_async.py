"""`def view(request)` → `async def view(request)`, for function views and for every HTTP
handler of a class-based view (Django requires a class's handlers to be all sync or all
async: topics/class-based-views/index.txt, "Asynchronous class-based views", 4.1+)."""

from __future__ import annotations

import re

import libcst as cst

from codemods import Codemod, Refused, Step, codemod
from codemods._engine import Edits
from codemods._source import SourceFile, is_generator


@codemod
class MakeViewAsync(Codemod):
    id = "make_view_async"
    summary = "async def"

    def prepare(self, step: Step, node: cst.CSTNode, source: SourceFile, edits: Edits) -> None:
        assert isinstance(node, cst.FunctionDef)
        if node.asynchronous is not None:
            return
        if is_generator(node):
            raise Refused(
                f"{node.name.value} is a generator: an async view must return a response, not yield"
            )
        if step.name != "handler":
            _check_direct_callers(node.name.value, source)

        def make_async(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            return updated.with_changes(asynchronous=cst.Asynchronous())

        edits.on_leave(node, make_async, order=90, key="make_async")


def _check_direct_callers(name: str, source: SourceFile) -> None:
    """A function view that project code calls directly would hand its callers a coroutine."""
    call = re.compile(rf"(?<!\w){re.escape(name)}\s*\(")
    for relative, path in source.project.python_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            code = line.split("#", 1)[0]
            if call.search(code) and not re.match(
                rf"\s*(async\s+)?def\s+{re.escape(name)}\b", code
            ):
                raise Refused(
                    f"{relative}:{number} calls {name}() directly, and would get a "
                    "coroutine once the view is async: call it through the URL "
                    "(the test client) or async_to_sync, then rewrite again"
                )
