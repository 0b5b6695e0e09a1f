"""`def view(request)` → `async def view(request)`, for function views and for every HTTP
handler of a class-based view (Django requires a class's handlers to be all sync or all
async: topics/class-based-views/index.txt, "Asynchronous class-based views", 4.1+)."""

from __future__ import annotations

import ast

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
            _check_direct_callers(step.function, source)

        def make_async(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            return updated.with_changes(asynchronous=cst.Asynchronous())

        edits.on_leave(node, make_async, order=90, key="make_async")


def _check_direct_callers(view_id: str, source: SourceFile) -> None:
    """A function view that project code calls directly would hand its callers a coroutine."""
    module, _, name = view_id.rpartition(".")
    for relative, path in source.project.python_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if name not in text:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        own = relative == source.path
        for line in _calls_of(tree, module, name, own):
            raise Refused(
                f"{relative}:{line} calls {name}() directly, and would get a coroutine once "
                "the view is async: call it through the URL (the test client) or "
                "async_to_sync, then rewrite again"
            )


def _calls_of(tree: ast.Module, module: str, name: str, own_module: bool) -> list[int]:
    """Lines calling `module.name` by an imported alias, a module alias, or (inside the
    module itself) by its bare name."""
    direct = {name} if own_module else set()
    modules: set[str] = set()
    package, _, last = module.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if node.module == module and alias.name == name:
                    direct.add(alias.asname or alias.name)
                elif node.module == package and alias.name == last:
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == module:
                    modules.add(alias.asname or alias.name)
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        by_name = isinstance(func, ast.Name) and func.id in direct
        by_module = (
            isinstance(func, ast.Attribute)
            and func.attr == name
            and (ast.unparse(func.value) in modules)
        )
        if by_name or by_module:
            lines.append(node.lineno)
    return sorted(lines)
