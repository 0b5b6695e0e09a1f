"""Who calls a view synchronously: project code (tests included) that calls a function view
directly, calls the result of a class-based view's `as_view()` (at once or after storing
it), or calls one of its handlers on an instance. Each such caller would get a coroutine
once the view is async, so the rewrite refuses and names it. Subclasses of a class-based
view count as the view: their `as_view()` runs its handlers too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from codemods._source import Project

HTTP_HANDLERS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})


@dataclass(frozen=True, slots=True)
class SyncCaller:
    path: str
    line: int
    what: str  # how the view is reached, for the message: "ping()", "PingView.as_view()(…)"


@dataclass
class _Imports:
    from_imports: list[tuple[str, str, str]] = field(default_factory=list)
    imports: list[tuple[str, str]] = field(default_factory=list)


class _FileIndex:
    """The imports, classes, assignments and calls of one project file, parsed once."""

    def __init__(self, text: str) -> None:
        self.imports = _Imports()
        # class name → (its bases as dotted text, the methods it defines, its line)
        self.classes: list[tuple[str, list[str], set[str], int]] = []
        # (dotted target, assigned expression)
        self.assignments: list[tuple[str, ast.expr]] = []
        # (call, awaited?)
        self.calls: list[tuple[ast.Call, bool]] = []
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return
        awaited = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Await)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imports.from_imports.append(
                        (node.module, alias.name, alias.asname or alias.name)
                    )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports.imports.append((alias.name, alias.asname or alias.name))
            elif isinstance(node, ast.ClassDef):
                bases = [_dotted(base) for base in node.bases]
                methods = {
                    item.name
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                }
                self.classes.append((node.name, [b for b in bases if b], methods, node.lineno))
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = _dotted(target)
                    if name:
                        self.assignments.append((name, node.value))
            elif isinstance(node, ast.Call):
                self.calls.append((node, id(node) in awaited))

    def refers_to(self, text: str, module: str, name: str, own_module: bool) -> bool:
        """True when the dotted `text` names `module.name` in this file: the name itself
        (`from module import name`), or a module or package the file imported followed by
        the attributes down to it (`views.ping`, `flows.reauthentication.ping`)."""
        if own_module and text == name:
            return True
        for mod, imported, local in self.imports.from_imports:
            if mod == module and imported == name and text == local:
                return True
        bound = [(f"{mod}.{imported}", local) for mod, imported, local in self.imports.from_imports]
        for bound_module, local in (*bound, *self.imports.imports):
            below = module.removeprefix(bound_module)  # the attributes from it to the module
            if (not below or below.startswith(".")) and text == f"{local}{below}.{name}":
                return True
        return False


def _dotted(node: ast.expr) -> str:
    """`a.b.c` for a chain of names and attributes (`self.view` too), else ""."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _index(project: Project, relative: str, text: str) -> _FileIndex:
    key = f"callers:{relative}"
    index = project.cache.get(key)
    if index is None:
        index = project.cache[key] = _FileIndex(text)
    assert isinstance(index, _FileIndex)
    return index


def _module_of(relative: str) -> str:
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _defines(relative: str, module: str) -> bool:
    """The file is `module` (the project root may sit above the import root)."""
    own = _module_of(relative)
    return own == module or own.endswith("." + module)


def sync_callers(
    project: Project, view_id: str, is_class: bool
) -> tuple[list[SyncCaller], list[SyncCaller]]:
    """(synchronous callers of the view, project subclasses defining their own handlers)."""
    module, _, name = view_id.rpartition(".")
    # The view and its project subclasses, as (module, name) pairs.
    targets = [(module, name)]
    handler_subclasses: list[SyncCaller] = []
    texts = project.texts()
    if is_class:
        seen = {(module, name)}
        changed = True
        while changed:
            changed = False
            for relative, text in texts:
                if not any(n in text for _, n in targets):
                    continue
                index = _index(project, relative, text)
                own = _module_of(relative)
                for class_name, bases, methods, line in index.classes:
                    key = (own, class_name)
                    if key in seen:
                        continue
                    if any(
                        index.refers_to(base, mod, target, _defines(relative, mod))
                        for base in bases
                        for mod, target in targets
                    ):
                        seen.add(key)
                        targets.append(key)
                        changed = True
                        own_handlers = sorted(methods & HTTP_HANDLERS - {"options"})
                        if own_handlers:
                            handler_subclasses.append(
                                SyncCaller(relative, line, f"{class_name}.{own_handlers[0]}()")
                            )
    callers: list[SyncCaller] = []
    for relative, text in texts:
        if not any(n in text for _, n in targets):
            continue
        index = _index(project, relative, text)

        def is_view(
            expression: ast.expr, relative: str = relative, index: _FileIndex = index
        ) -> str:
            """The view's name when `expression` names the view (or a subclass)."""
            dotted = _dotted(expression)
            if not dotted:
                return ""
            for mod, target in targets:
                if index.refers_to(dotted, mod, target, _defines(relative, mod)):
                    return target
            return ""

        def as_view_of(expression: ast.expr) -> str:
            if (
                isinstance(expression, ast.Call)
                and isinstance(expression.func, ast.Attribute)
                and expression.func.attr == "as_view"
            ):
                return is_view(expression.func.value)
            return ""

        # Names bound to the view callable in this file (per file, not per scope: a
        # coincidence of names only refuses more).
        stored: dict[str, str] = {}
        for target_name, value in index.assignments:
            found = as_view_of(value) if is_class else is_view(value)
            if found:
                stored[target_name] = f"{found}.as_view()" if is_class else found
        for call, awaited in index.calls:
            if awaited:
                continue
            func = call.func
            what = ""
            if is_class:
                found = as_view_of(func)
                if found:
                    what = f"{found}.as_view()(…)"
                elif (
                    isinstance(func, ast.Attribute)
                    and func.attr in HTTP_HANDLERS
                    and isinstance(func.value, ast.Call)
                    and is_view(func.value.func)
                ):
                    what = f"{is_view(func.value.func)}().{func.attr}(…)"
            elif is_view(func):
                what = f"{is_view(func)}()"
            dotted = _dotted(func)
            if not what and dotted in stored:
                what = f"{dotted}(…), which holds {stored[dotted]}"
            if what:
                callers.append(SyncCaller(relative, call.lineno, what))
    return sorted(callers, key=lambda c: (c.path, c.line)), handler_subclasses
