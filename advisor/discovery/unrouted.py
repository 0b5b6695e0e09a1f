"""Views nothing in the URLconf reaches, found by shape, so nothing is silently dropped:
module-level functions whose first parameter is `request` and that build a response, and
concrete `View` subclasses."""

from __future__ import annotations

from advisor import django_api
from advisor.facts import Call, Name
from advisor.index import ProjectIndex

_RESPONSES = frozenset(
    {
        "django.shortcuts.render",
        "django.shortcuts.redirect",
        "django.http.HttpResponse",
        "django.http.JsonResponse",
        "django.http.StreamingHttpResponse",
        "django.http.FileResponse",
        "django.http.HttpResponseRedirect",
        "django.template.response.TemplateResponse",
        "rest_framework.response.Response",
        "django.http.HttpResponseNotFound",
        "django.http.HttpResponseBadRequest",
    }
)


def find_unrouted(index: ProjectIndex, routed: set[str]) -> list[str]:
    found: list[str] = []
    base_classes: set[str] = set()
    for qualified in index.classes:
        base_classes.update(index.bases(qualified))
    for qualified, info, function in index.iter_functions():
        if qualified in routed or function.class_name is not None or "." in function.qualname:
            continue
        if not function.params or function.params[0] != "request":
            continue
        if info.name.split(".")[-1] in ("tests", "conftest") or ".tests" in info.name:
            continue
        returned = list(function.returns)
        for expr in function.returns:
            if isinstance(expr, Name):
                returned += [b.value for b in function.bindings if b.name == expr.dotted]
        if any(_returns_response(index, info.name, expr) for expr in returned):
            found.append(qualified)
    for qualified, (info, klass) in index.classes.items():
        if qualified in routed or qualified in base_classes or "." in klass.qualname:
            continue
        if klass.name.endswith("Mixin") or klass.name.startswith(("Base", "Abstract")):
            continue
        if ".tests" in info.name or info.name.endswith("tests"):
            continue
        if index.is_subclass(qualified, frozenset({django_api.VIEW})):
            found.append(qualified)
    return found


def _returns_response(index: ProjectIndex, module: str, expr: object) -> bool:
    if not isinstance(expr, Call):
        return False
    func = expr.func
    # `await sync_to_async(render)(request, ...)` after a rewrite is still a response.
    if (
        isinstance(func, Call)
        and func.args
        and isinstance(func.func, Name)
        and index.resolve(module, func.func.dotted) == "asgiref.sync.sync_to_async"
    ):
        func = func.args[0]
    if isinstance(func, Name):
        return (index.resolve(module, func.dotted) or "") in _RESPONSES
    return False
