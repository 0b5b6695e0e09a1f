"""`--resolve` in the scan: Django's own route table replaces the static one, and every
difference between the two is reported, so the user (and we) see where the static
discovery is wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from advisor.discovery.urlconf import RouteEntry
from advisor.facts import Call, Name
from advisor.index import ProjectIndex
from advisor.model import BoundAttribute, Finding, FrameworkRoute, Location
from advisor.runtime.resolve import Resolved, ResolvedRoute, normalise_pattern

_MAX_LISTED = 20


def merge_resolved(
    resolved: Resolved,
    root: Path,
    index: ProjectIndex,
    static: list[RouteEntry],
    static_framework: list[FrameworkRoute],
) -> tuple[list[RouteEntry], list[FrameworkRoute], list[Finding]]:
    """Routes from Django mapped onto the project's functions and classes; the rest (views
    whose code is not in the scanned tree) are framework or third-party routes."""
    by_key = {(normalise_pattern(e.pattern), e.view): e for e in static}
    routes: list[RouteEntry] = []
    framework: list[FrameworkRoute] = []
    findings = [Finding("resolve", f"--resolve: an include failed: {e}") for e in resolved.errors]
    missed: list[str] = []
    for route in resolved.routes:
        where = _location(root, route.file, route.line)
        # Django may name a project view by another sys.path entry than the scan does.
        named = index.runtime_name(route.view, where.path if where else None)
        if named is not None and named != route.view:
            route = replace(route, view=named)
        key = (normalise_pattern(route.pattern), route.view)
        if route.view not in index.functions and route.view not in index.classes:
            framework.append(
                FrameworkRoute(
                    group=_group(route.view, static_framework, route.pattern),
                    pattern=route.pattern,
                    name=route.name,
                    target=route.view,
                    location=_location(root, route.file, route.line),
                )
            )
            continue
        known = by_key.get(key)
        if known is None:
            missed.append(f"{route.pattern or '/'} → {route.view}")
        location = known.location if known else _location(root, route.file, route.line)
        routes.append(
            RouteEntry(
                view=route.view,
                pattern=route.pattern,
                name=route.name,
                location=location or Location(route.view, 1),
                decorators=known.decorators if known else (),
                methods=known.methods if known else (),
                action=known.action if known else None,
                bindings=bindings(route, index) or (known.bindings if known else ()),
            )
        )
    served = {(normalise_pattern(r.pattern), r.view) for r in routes}
    invented = [
        f"{e.pattern or '/'} → {e.view}"
        for e in static
        if (normalise_pattern(e.pattern), e.view) not in served
    ]
    findings.append(
        Finding(
            "resolve",
            f"--resolve ({resolved.python}, Django {resolved.django_version}): "
            f"{len(routes)} project routes; static discovery missed {len(missed)}"
            f" and invented {len(invented)}",
        )
    )
    findings += [Finding("resolve", f"static discovery missed {m}") for m in missed[:_MAX_LISTED]]
    findings += [
        Finding("resolve", f"static discovery invented {i}") for i in invented[:_MAX_LISTED]
    ]
    return routes, framework, findings


def bindings(route: ResolvedRoute, index: ProjectIndex) -> tuple[BoundAttribute, ...]:
    """What Django says the route binds on its view instance, as types the analysis can use:
    `as_view(**initkwargs)` values, and what a factory-made closure stores on the view it
    makes from the classes it holds (`self.adapter = adapter(request)`)."""
    bound = [
        BoundAttribute(attribute, value, kind)
        for attribute, value, kind in route.initkwargs
        # An instance of a framework class (a queryset) is typed better by the static
        # reading of the class attribute it replaces; a project instance is not.
        if kind != "instance" or value in index.classes
    ]
    found = index.functions.get(route.closure_function or "")
    if found is not None:
        cells = {name: (value, kind) for name, value, kind in route.closure_cells}
        for _, attribute, expr in found[1].attribute_assignments:
            if isinstance(expr, Name) and expr.dotted in cells:
                value, kind = cells[expr.dotted]
                bound.append(BoundAttribute(attribute, value, kind))
            elif isinstance(expr, Call) and isinstance(expr.func, Name):
                value, kind = cells.get(expr.func.dotted, ("", ""))
                if kind == "class":
                    bound.append(BoundAttribute(attribute, value, "instance"))
    return tuple(dict.fromkeys(bound))


def _group(view: str, static_framework: list[FrameworkRoute], pattern: str) -> str:
    for known in static_framework:
        if known.target == view or known.pattern == pattern:
            return known.group
    top = view.split(".", 1)[0]
    return "admin" if view.startswith("django.contrib.admin") else top


def _location(root: Path, file: str | None, line: int | None) -> Location | None:
    if not file:
        return None
    path = Path(file)
    try:
        relative = path.resolve().relative_to(root)
    except ValueError:
        return Location(str(path), line or 1)
    return Location(relative.as_posix(), line or 1)
