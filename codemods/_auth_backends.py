"""Which of the project's AUTHENTICATION_BACKENDS lack `aget_user`. `await request.auser()`
(5.0+) and the async path of `login_required`/`permission_required`/`user_passes_test`
(5.1+) call `backend.aget_user()` on the session's backend; Django's BaseBackend provides
it (wrapping `get_user` in sync_to_async), so every subclass of it has it, but a custom
backend class that does not subclass BaseBackend and defines no `aget_user` fails with
AttributeError (django/contrib/auth/__init__.py `aget_user`; ../shared/django-async-api.md
§1.5). Read from the settings module with `ast`, never by importing it.
"""

from __future__ import annotations

import ast

from codemods._source import Project

DEFAULT_BACKENDS = ("django.contrib.auth.backends.ModelBackend",)
# View decorators whose async path (5.1+) awaits request.auser().
AUSER_DECORATORS = frozenset(
    {
        *(
            f"django.contrib.auth.decorators.{name}"
            for name in ("login_required", "permission_required", "user_passes_test")
        ),
        "django.contrib.admin.views.decorators.staff_member_required",
    }
)


def why_not_auser(backends: tuple[str, ...]) -> str:
    """The reason to give when the async user APIs cannot be used."""
    return (
        f"{backends[0]} in AUTHENTICATION_BACKENDS has no aget_user() (it does not "
        "subclass django.contrib.auth.backends.BaseBackend), so request.auser() would "
        "raise AttributeError"
    )


# Every backend Django ships subclasses BaseBackend.
DJANGO_BACKENDS_MODULE = "django.contrib.auth.backends"
MAX_BASES = 8


def backends_without_aget_user(project: Project, settings_module: str | None) -> tuple[str, ...]:
    """The dotted paths of configured backends not shown to provide `aget_user`; a
    setting the rewrite cannot read is reported as `AUTHENTICATION_BACKENDS` itself."""
    if settings_module is None:
        return ()
    tree = _parse_module(project, settings_module)
    if tree is None:
        return ()
    backends: tuple[str, ...] | None = DEFAULT_BACKENDS
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "AUTHENTICATION_BACKENDS" for t in targets):
                backends = _strings(node.value) if not isinstance(node, ast.AugAssign) else None
    if backends is None:
        return ("AUTHENTICATION_BACKENDS (not a list of strings the rewrite can read)",)
    return tuple(path for path in backends if not _has_aget_user(project, path, 0))


def _strings(value: ast.expr | None) -> tuple[str, ...] | None:
    if not isinstance(value, ast.List | ast.Tuple):
        return None
    found = []
    for element in value.elts:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            return None
        found.append(element.value)
    return tuple(found)


def _parse_module(project: Project, module: str) -> ast.Module | None:
    for relative, text in project.texts():
        parts = relative.removesuffix(".py").split("/")
        if parts[-1] == "__init__":
            parts.pop()
        dotted = ".".join(parts)
        if dotted == module or dotted.endswith("." + module):
            try:
                return ast.parse(text)
            except SyntaxError:
                return None
    return None


def _has_aget_user(project: Project, path: str, depth: int) -> bool:
    module, _, name = path.rpartition(".")
    if module == DJANGO_BACKENDS_MODULE:
        return True
    if depth > MAX_BASES:
        return False
    tree = _parse_module(project, module)
    if tree is None:
        return False  # a third-party backend: nothing shows it has aget_user
    imported = _imports(tree, module)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            if any(
                isinstance(item, ast.AsyncFunctionDef | ast.FunctionDef)
                and item.name == "aget_user"
                for item in node.body
            ):
                return True
            for base in node.bases:
                dotted = _dotted(base)
                head, _, rest = dotted.partition(".")
                resolved = imported.get(head, f"{module}.{head}") + (f".{rest}" if rest else "")
                if _has_aget_user(project, resolved, depth + 1):
                    return True
            return False
    return False


def _imports(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name → the dotted path it was imported as."""
    names: dict[str, str] = {}
    package = module.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
    return names


def _dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))
