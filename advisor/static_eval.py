"""Turning simple expressions into Python values without running anything: settings such
as `MIDDLEWARE = [...]`, `ROOT_URLCONF = "shop.urls"`, `DATABASES = {...}`."""

from __future__ import annotations

from typing import Any

from advisor.facts import BinOp, Call, Const, Expr, Mapping, Name, Seq, Starred
from advisor.index import ModuleInfo, ProjectIndex

_UNKNOWN = object()


def module_value(index: ProjectIndex, info: ModuleInfo, name: str) -> Any:
    """The value of a module-level name after all of the module's statements, following
    `X += [...]` and `X.append(...)`/`X.extend(...)`/`X.insert(...)`; None when unknown."""
    value: Any = _UNKNOWN
    for statement in info.facts.statements:
        if statement.target == name and statement.kind == "assign":
            value = literal(index, info, statement.value)
        elif statement.target == name and statement.kind == "augassign":
            extra = literal(index, info, statement.value)
            if isinstance(value, list) and isinstance(extra, list | tuple):
                value = [*value, *extra]
            elif isinstance(value, tuple) and isinstance(extra, list | tuple):
                value = (*value, *extra)
        elif statement.kind == "call" and isinstance(statement.value, Call):
            func = statement.value.func
            if isinstance(func, Name) and func.dotted.startswith(name + "."):
                method = func.dotted[len(name) + 1 :]
                args = [literal(index, info, arg) for arg in statement.value.args]
                if isinstance(value, list):
                    if method == "append" and args:
                        value.append(args[0])
                    elif method == "extend" and args and isinstance(args[0], list | tuple):
                        value.extend(args[0])
                    elif method == "insert" and len(args) == 2 and isinstance(args[0], int):
                        value.insert(args[0], args[1])
    if value is _UNKNOWN:
        # `from .base import *` settings layouts.
        for star in info.star_imports:
            star_info = index.modules.get(star)
            if star_info is not None and star_info is not info:
                inherited = module_value(index, star_info, name)
                if inherited is not None:
                    return inherited
        return None
    return value


def literal(index: ProjectIndex, info: ModuleInfo, expr: Expr, depth: int = 0) -> Any:
    if depth > 20:
        return None
    down = depth + 1
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Seq):
        items: list[Any] = []
        for item in expr.items:
            if isinstance(item, Starred):
                inner = literal(index, info, item.value, down)
                if isinstance(inner, list | tuple):
                    items.extend(inner)
                continue
            items.append(literal(index, info, item, down))
        return tuple(items) if expr.kind == "tuple" else items
    if isinstance(expr, Mapping):
        result = {}
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:
                continue
            result[literal(index, info, key, down)] = literal(index, info, value, down)
        return result
    if isinstance(expr, BinOp) and expr.op == "Add":
        left = literal(index, info, expr.left, down)
        right = literal(index, info, expr.right, down)
        if isinstance(left, list) and isinstance(right, list | tuple):
            return [*left, *right]
        if isinstance(left, tuple) and isinstance(right, list | tuple):
            return (*left, *right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return None
    if isinstance(expr, Call) and isinstance(expr.func, Name):
        qualified = index.resolve(info.name, expr.func.dotted) or expr.func.dotted
        # os.environ.get("X", "default") / os.getenv: the default is what a fresh checkout
        # runs with.
        if qualified in ("os.environ.get", "os.getenv") and len(expr.args) >= 2:
            return literal(index, info, expr.args[1], down)
        if qualified in ("str", "int", "bool") and expr.args:
            return literal(index, info, expr.args[0], down)
        return None
    if isinstance(expr, Name) and "." not in expr.dotted:
        local = info.symbols.get(expr.dotted)
        if local is not None and local.kind == "value":
            return module_value(index, info, expr.dotted)
        target = index.resolve(info.name, expr.dotted)
        if target:
            found = index.module_for(target)
            if found is not None and found[1] and found[0] is not info:
                return module_value(index, found[0], found[1])
    return None
