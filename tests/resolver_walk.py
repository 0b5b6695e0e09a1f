"""Run inside a sample project's directory: imports its settings with Django and prints,
as JSON, every route Django's real resolver serves (pattern, name, view id). Used only by
tests/test_resolver_agreement.py; the scanner itself never imports a project."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any


def view_id(callback: Any) -> str:
    target = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback
    qualname = target.__qualname__
    if qualname.endswith("WrappedAPIView"):
        # DRF's @api_view builds a class named after the function but keeps its qualname.
        qualname = target.__name__
    return f"{target.__module__}.{qualname}"


def walk(patterns: list[Any], prefix: str, namespace: str | None) -> list[dict[str, Any]]:
    from django.urls import URLPattern, URLResolver

    rows: list[dict[str, Any]] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            joined = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            rows += walk(entry.url_patterns, prefix + str(entry.pattern), joined)
        elif isinstance(entry, URLPattern):
            name = entry.name
            full = f"{namespace}:{name}" if namespace and name else name
            rows.append({"pattern": prefix + str(entry.pattern), "name": full,
                         "view": view_id(entry.callback)})
    return rows


def main() -> None:
    sys.path.insert(0, os.getcwd())
    manage = open("manage.py", encoding="utf-8").read()
    match = re.search(r"DJANGO_SETTINGS_MODULE['\"],\s*['\"]([\w.]+)", manage)
    assert match, "no settings module in manage.py"
    os.environ["DJANGO_SETTINGS_MODULE"] = match.group(1)
    import django
    from django.urls import get_resolver

    django.setup()
    print(json.dumps(walk(get_resolver().url_patterns, "", None)))


if __name__ == "__main__":
    main()
