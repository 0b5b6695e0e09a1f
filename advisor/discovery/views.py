"""Turning discovered targets into `View` records: kind, handlers, decorators, async-ness."""

from __future__ import annotations

from collections import defaultdict

from advisor import django_api
from advisor.discovery.urlconf import RouteEntry
from advisor.facts import Call, Expr, Name
from advisor.index import ProjectIndex
from advisor.model import Handler, Location, Route, View, ViewKind


def view_kind(index: ProjectIndex, qualified: str) -> ViewKind:
    if qualified in index.functions:
        return ViewKind.FUNCTION
    ancestors = set(index.mro(qualified))
    if django_api.DRF_VIEWSET_MIXIN in ancestors:
        return ViewKind.DRF_VIEWSET
    if django_api.DRF_API_VIEW in ancestors:
        return ViewKind.DRF_API
    if ancestors & django_api.GENERIC_VIEWS:
        return ViewKind.GENERIC_CLASS
    return ViewKind.CLASS


def _decorator_name(index: ProjectIndex, module: str, expr: Expr) -> str | None:
    target = expr.func if isinstance(expr, Call) else expr
    if isinstance(target, Name):
        return index.resolve(module, target.dotted) or target.dotted
    return None


def _decorator_names(index: ProjectIndex, module: str, exprs: tuple[Expr, ...]) -> tuple[str, ...]:
    return tuple(
        name for name in (_decorator_name(index, module, d) for d in exprs) if name is not None
    )


# What a syndication Feed instance runs per request besides the framework's own code: the
# hooks a subclass defines (django/contrib/syndication/views.py, Feed.__call__/get_feed).
_FEED = "django.contrib.syndication.views.Feed"
_FEED_HOOKS = ("get_object", "items", "get_context_data", "get_feed", "__call__")


def handlers(index: ProjectIndex, qualified: str, kind: ViewKind) -> tuple[Handler, ...]:
    names: tuple[str, ...] = django_api.HTTP_HANDLERS
    if kind == ViewKind.DRF_VIEWSET:
        names = (*django_api.DRF_LIST_ACTIONS, *django_api.DRF_DETAIL_ACTIONS)
    elif index.is_subclass(qualified, frozenset({_FEED})):
        names = _FEED_HOOKS
    elif kind == ViewKind.CLASS and index.find_method(qualified, "__call__") is not None:
        names = (*names, "__call__")  # an instance routed as the view
    found: list[Handler] = []
    seen: set[str] = set()
    for klass in index.mro(qualified):
        entry = index.classes.get(klass)
        if entry is None:
            continue
        info, facts = entry
        for method in facts.methods:
            if method in seen:
                continue
            function = index.functions.get(f"{klass}.{method}")
            if function is None:
                continue
            is_action = any(
                _decorator_name(index, info.name, d) == "rest_framework.decorators.action"
                for d in function[1].decorators
            )
            if method in names or is_action:
                if method == "options":
                    continue
                seen.add(method)
                found.append(
                    Handler(
                        method,
                        function[1].is_async,
                        Location(info.path, function[1].line, function[1].column),
                        klass,
                    )
                )
    return tuple(found)


def build_views(index: ProjectIndex, routes: list[RouteEntry], unrouted: list[str]) -> list[View]:
    by_view: dict[str, list[RouteEntry]] = defaultdict(list)
    for entry in routes:
        by_view[entry.view].append(entry)
    views = [_view(index, qualified, entries) for qualified, entries in by_view.items()]
    views.extend(_view(index, qualified, []) for qualified in unrouted if qualified not in by_view)
    return views


def _view(index: ProjectIndex, qualified: str, entries: list[RouteEntry]) -> View:
    route_records = tuple(
        dict.fromkeys(
            Route(e.pattern, e.name, e.location, e.methods, e.action, bindings=e.bindings)
            for e in entries
        )
    )
    urlconf_decorators = tuple(d for e in entries for d in e.decorators)
    if qualified in index.functions:
        info, function = index.functions[qualified]
        decorators = _decorator_names(index, info.name, function.decorators)
        return View(
            id=qualified,
            location=Location(info.path, function.line, function.column),
            kind=ViewKind.FUNCTION,
            routes=route_records,
            decorators=tuple(dict.fromkeys((*decorators, *urlconf_decorators))),
            is_async=function.is_async,
            routed=bool(entries),
        )
    info, klass = index.classes[qualified]
    kind = view_kind(index, qualified)
    found = handlers(index, qualified, kind)
    decorators = _decorator_names(index, info.name, klass.decorators)
    return View(
        id=qualified,
        location=Location(info.path, klass.line, klass.column),
        kind=kind,
        routes=route_records,
        handlers=found,
        decorators=tuple(dict.fromkeys((*decorators, *urlconf_decorators))),
        bases=tuple(b for b in index.mro(qualified)[1:]),
        is_async=bool(found) and all(h.is_async for h in found),
        routed=bool(entries),
    )
