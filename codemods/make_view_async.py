"""`def view(request)` → `async def view(request)`, for function views and for every HTTP
handler of a class-based view (Django requires a class's handlers to be all sync or all
async: topics/class-based-views/index.txt, "Asynchronous class-based views", 4.1+)."""

from __future__ import annotations

import ast

import libcst as cst

from advisor import django_api
from codemods import Codemod, Refused, Step, codemod
from codemods._engine import Edits
from codemods._source import SourceFile, is_generator

METHOD_DECORATOR = "django.utils.decorators.method_decorator"
# method_decorator keeps async handlers async from 5.2 (../shared/django-async-api.md §2).
METHOD_DECORATOR_ASYNC_SINCE = "5.2"


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
        _refuse_nested_functions(node, source)
        if step.name == "handler":
            _check_handler_decorators(node, source, edits)
        else:
            _check_direct_callers(step.function, source)

        def make_async(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.FunctionDef)
            return updated.with_changes(asynchronous=cst.Asynchronous())

        edits.on_leave(node, make_async, order=90, key="make_async")


def _refuse_nested_functions(function: cst.FunctionDef, source: SourceFile) -> None:
    """The scan does not follow functions defined inside a view; one doing I/O would run
    it on the event loop."""
    for node in source.positions:
        if (
            isinstance(node, cst.FunctionDef)
            and node is not function
            and (source.contains(function, node))
        ):
            raise Refused(
                f"{function.name.value} defines {node.name.value}() inside it, which the scan "
                "does not follow: check it does no I/O (or move it to module level), then "
                "convert by hand"
            )


def _check_handler_decorators(function: cst.FunctionDef, source: SourceFile, edits: Edits) -> None:
    """A handler decorated with method_decorator stays sync before Django 5.2 (§2)."""
    for decorator in function.decorators:
        expression = decorator.decorator
        call = expression if isinstance(expression, cst.Call) else None
        names = source.qualified_names(call.func if call else expression)
        if METHOD_DECORATOR not in names or call is None or not call.args:
            raise Refused(
                f"{function.name.value}() is decorated with {source.code(expression)}, not "
                "known to keep an async handler async: convert by hand"
            )
        if not edits.target.has(METHOD_DECORATOR_ASYNC_SINCE):
            raise Refused(
                f"method_decorator keeps async handlers async only from Django "
                f"{METHOD_DECORATOR_ASYNC_SINCE} (target {edits.target.django_version}): "
                f"upgrade, or keep {function.name.value}() sync"
            )
        inner = source.qualified_names(call.args[0].value)
        support = next(
            (django_api.VIEW_DECORATORS[n] for n in inner if n in django_api.VIEW_DECORATORS),
            None,
        )
        if support is None or support.since is None or not edits.target.has(support.since):
            raise Refused(
                f"{source.code(call.args[0].value)} on {function.name.value}() does not accept "
                f"async views on Django {edits.target.django_version}: convert by hand"
            )


def _check_direct_callers(view_id: str, source: SourceFile) -> None:
    """A function view that project code calls directly would hand its callers a coroutine."""
    module, _, name = view_id.rpartition(".")
    for relative, text in source.project.texts():
        if name not in text:
            continue
        index = source.project.cache.get(f"calls:{relative}")
        if index is None:
            index = source.project.cache[f"calls:{relative}"] = _FileCalls(text)
        assert isinstance(index, _FileCalls)
        for line in index.lines_calling(module, name, own_module=relative == source.path):
            raise Refused(
                f"{relative}:{line} calls {name}() directly, and would get a coroutine once "
                "the view is async: call it through the URL (the test client) or "
                "async_to_sync, then rewrite again"
            )


class _FileCalls:
    """The imports and calls of one project file, parsed once per rewrite."""

    def __init__(self, text: str) -> None:
        self.from_imports: list[tuple[str, str, str]] = []  # (module, name, local name)
        self.imports: list[tuple[str, str]] = []  # (module, local name)
        # called name → [(what it is called on, or None when called bare; line)]
        self.calls: dict[str, list[tuple[str | None, int]]] = {}
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.from_imports.append((node.module, alias.name, alias.asname or alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.append((alias.name, alias.asname or alias.name))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    self.calls.setdefault(func.id, []).append((None, node.lineno))
                elif isinstance(func, ast.Attribute):
                    owner = ast.unparse(func.value)
                    self.calls.setdefault(func.attr, []).append((owner, node.lineno))

    def lines_calling(self, module: str, name: str, own_module: bool) -> list[int]:
        """Lines calling `module.name` by an imported alias, a module alias, or (inside the
        module itself) by its bare name."""
        package, _, last = module.rpartition(".")
        direct = {name} if own_module else set()
        direct |= {
            local
            for mod, imported, local in self.from_imports
            if mod == module and imported == name
        }
        modules = {
            local
            for mod, imported, local in self.from_imports
            if mod == package and imported == last
        }
        modules |= {local for mod, local in self.imports if mod == module}
        lines = [
            line for local in direct for owner, line in self.calls.get(local, []) if owner is None
        ]
        lines += [
            line
            for owner, line in self.calls.get(name, [])
            if owner is not None and owner in modules
        ]
        return sorted(lines)
