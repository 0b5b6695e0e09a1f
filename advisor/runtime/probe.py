"""The route table as the project's own Django resolves it (`advisor scan|views --resolve`).

Standalone (stdlib + Django): advisor copies this file into a temporary folder and runs it
with the project's interpreter, in a child process:

    PY probe.py OUTPUT.json     (DJANGO_SETTINGS_MODULE set, the project on sys.path)

or, for a project that calls `settings.configure(...)` instead of naming a settings module,
with ADVISOR_PROBE_CONFIGURE naming a JSON file of those keyword values.

It calls `django.setup()`, walks `get_resolver()` and writes every route: the pattern as
Django joins it, the namespaced name, and the callback resolved to the code that runs —
through decorators (`__wrapped__`), `functools.partial`, `view_class` (Django's
`as_view()`), `cls` / `actions` (DRF), and the class a factory-made closure holds. It also
writes what a route binds on its view: `as_view(**initkwargs)` values that are classes,
functions or instances of project classes, and the classes and functions a factory-made
closure holds in its cells (which client, which adapter), so the scan can type them.
The observer (`observer.py`) shares `view_identity` and `walk`.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
from typing import Any

PROBE_SCHEMA = 1
CONFIGURE_ENV = "ADVISOR_PROBE_CONFIGURE"  # a JSON file of settings.configure() keywords


def _unwrap(func: Any) -> Any:
    target = func
    for _ in range(32):  # bounded: a decorator loop must not hang the probe
        if isinstance(target, functools.partial):
            target = target.func
            continue
        view_class = getattr(target, "cls", None) or getattr(target, "view_class", None)
        if isinstance(view_class, type):
            return view_class
        wrapped = getattr(target, "__wrapped__", None)
        if wrapped is None:
            return target
        target = wrapped
    return target


def _closure_class(function: Any) -> type | None:
    """The view class a factory-made closure instantiates (the first class cell with a
    `dispatch`, as Django's and DRF's views have)."""
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, type) and hasattr(value, "dispatch"):
            return value
    return None


def _dotted(value: Any) -> tuple[str, str] | None:
    """(qualified name, kind) of a class, a function or an instance of a non-builtin class."""
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}", "class"
    if inspect.isfunction(value):
        return f"{value.__module__}.{value.__qualname__}", "function"
    klass = type(value)
    if (
        klass.__module__ not in ("builtins", "functools")
        and "<locals>" not in klass.__qualname__
        and not callable(value)
    ):
        return f"{klass.__module__}.{klass.__qualname__}", "instance"
    return None


def _initkwargs(func: Any) -> dict[str, Any]:
    """`as_view(**initkwargs)`: Django keeps them as `view_initkwargs`, DRF as `initkwargs`."""
    target = func
    for _ in range(32):
        for name in ("view_initkwargs", "initkwargs"):
            found = getattr(target, name, None)
            if isinstance(found, dict):
                return found
        if isinstance(target, functools.partial):
            target = target.func
        elif getattr(target, "__wrapped__", None) is not None:
            target = target.__wrapped__
        else:
            return {}
    return {}


def view_bindings(func: Any) -> dict[str, Any]:
    """What the route binds on its view: initkwargs, and a factory closure's cells."""
    bound = []
    for attribute, value in sorted(_initkwargs(func).items()):
        named = _dotted(value)
        if named is not None:
            bound.append([attribute, *named])
    target = _unwrap(func)
    closure = None
    if "<locals>" in str(getattr(target, "__qualname__", "")) and getattr(
        target, "__closure__", None
    ):
        held = _closure_class(target)
        cells = {}
        for name, cell in zip(target.__code__.co_freevars, target.__closure__, strict=False):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            named = _dotted(value) if value is not held else None
            if named is not None and named[1] != "instance":
                cells[name] = list(named)
        closure = {"function": f"{target.__module__}.{target.__qualname__}", "cells": cells}
    return {"initkwargs": bound, "closure": closure}


def view_identity(func: Any) -> str:
    """The dotted id the scan uses for a view callable (the class, for class-based views)."""
    target = _unwrap(func)
    if not hasattr(target, "__qualname__"):  # a callable instance, such as a Feed
        target = type(target)
    qualname = str(getattr(target, "__qualname__", "") or "")
    name = str(getattr(target, "__name__", "") or qualname)
    if "<locals>" in qualname:
        held = _closure_class(target)
        if held is not None:
            return f"{held.__module__}.{held.__qualname__}"
        # A class a function defines (and returns) is named as the scan names it, by the
        # scopes around it: `get_view.<locals>.View` is `get_view.View`.
        qualname = qualname.replace(".<locals>", "") if isinstance(target, type) else name
    elif qualname.rpartition(".")[2] != name:  # DRF's @api_view renames WrappedAPIView
        qualname = name
    return f"{getattr(target, '__module__', '')}.{qualname}"


def view_source(func: Any) -> tuple[str | None, int | None]:
    """The file and first line of the code a view callable runs."""
    target = _unwrap(func)
    if "<locals>" in str(getattr(target, "__qualname__", "")):
        target = _closure_class(target) or target
    if not hasattr(target, "__qualname__"):
        target = type(target)
    if isinstance(target, type):
        # A class a decorator made around a function (DRF's @api_view makes WrappedAPIView,
        # renamed after the function): the function is the code, in the project's file.
        target = _decorated_function(target) or target
    try:
        return inspect.getsourcefile(target), inspect.getsourcelines(target)[1]
    except (TypeError, OSError):
        return None, None


def _decorated_function(klass: type) -> Any:
    """The function a decorator-made class wraps: one its handler methods hold in a
    closure cell, named as the class is."""
    for value in vars(klass).values():
        for cell in getattr(value, "__closure__", None) or ():
            try:
                held = cell.cell_contents
            except ValueError:
                continue
            if inspect.isfunction(held) and held.__name__ == klass.__name__:
                return held
    return None


def _kind(func: Any) -> str:
    target = _unwrap(func)
    if isinstance(target, type):
        return "class"
    return "function" if inspect.isfunction(target) else "callable"


def walk(patterns: Any, prefix: str, namespace: str | None, rows: list[dict[str, Any]]) -> None:
    """Every route under `patterns`, depth first, as Django joins them."""
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            joined = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            try:
                children = entry.url_patterns
            except Exception as error:  # an include that fails to import
                rows.append({"error": f"{prefix}{entry.pattern}: {type(error).__name__}: {error}"})
                continue
            walk(children, prefix + str(entry.pattern), joined, rows)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            file, line = view_source(entry.callback)
            actions = getattr(entry.callback, "actions", None)
            rows.append(
                {
                    "pattern": prefix + str(entry.pattern),
                    "name": name,
                    "view": view_identity(entry.callback),
                    "kind": _kind(entry.callback),
                    "file": file,
                    "line": line,
                    "actions": dict(actions) if isinstance(actions, dict) else None,
                    **view_bindings(entry.callback),
                }
            )


def routes(urlconf: str | None = None) -> list[dict[str, Any]]:
    from django.urls import get_resolver

    rows: list[dict[str, Any]] = []
    walk(get_resolver(urlconf).url_patterns, "", None, rows)
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: probe.py OUTPUT.json", file=sys.stderr)
        return 2
    import django
    from django.conf import settings

    configure = os.environ.get(CONFIGURE_ENV)
    if configure:
        # A project configured by settings.configure(...) in a script (runtests.py, a
        # conftest): advisor read its keyword values statically and replays them here.
        with open(configure, encoding="utf-8") as handle:
            settings.configure(**json.load(handle))
    django.setup()
    data = {
        "schema": PROBE_SCHEMA,
        "django_version": django.get_version(),
        "python": sys.version.split()[0],
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "root_urlconf": getattr(settings, "ROOT_URLCONF", None),
        # An empty ROOT_URLCONF serves nothing (Django's resolver cannot even import it).
        "routes": routes() if getattr(settings, "ROOT_URLCONF", None) else [],
    }
    partial = f"{argv[1]}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(partial, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
