"""A view class defined inside a function, subclassing a class the function imports first
(dj-rest-auth's `get_refresh_view()`, which defers the import to avoid a cycle): its base,
and so its handlers and what they do, are the imported class's."""

from __future__ import annotations

from pathlib import Path

from snippets import SETTINGS, calls, make_project, scan_project

BASES = """
from django.http import HttpResponse
from django.views import View
from shop.models import Book

class CountingView(View):
    def get(self, request):
        return HttpResponse(Book.objects.count())

class QuietView(View):
    def get(self, request):
        return HttpResponse("ok")
"""
MODELS = "from django.db import models\nclass Book(models.Model):\n    title = models.TextField()\n"


def routed(factory_body: str) -> dict[str, str]:
    return {
        "settings.py": SETTINGS,
        "shop/models.py": MODELS,
        "shop/bases.py": BASES,
        "shop/views.py": "from shop.bases import QuietView\n\ndef get_view():\n"
        + factory_body
        + "    return LocalView\n",
        "urls.py": "from django.urls import path\nfrom shop.views import get_view\n"
        "urlpatterns = [path('count/', get_view().as_view())]\n",
    }


def local_view(tmp_path: Path, factory_body: str) -> list[str]:
    make_project(tmp_path, routed(factory_body))
    result = scan_project(tmp_path)
    view = result.view("shop.views.get_view.LocalView")
    assert view is not None, [v.id for v in result.views]
    return calls(view, "db")


def test_a_base_imported_inside_the_defining_function_is_the_base(tmp_path: Path) -> None:
    body = "    from shop.bases import CountingView\n    class LocalView(CountingView):\n        pass\n"
    assert local_view(tmp_path, body)


def test_an_aliased_local_import_is_followed(tmp_path: Path) -> None:
    body = (
        "    from shop.bases import CountingView as Base\n"
        "    class LocalView(Base):\n        pass\n"
    )
    assert local_view(tmp_path, body)


def test_the_module_level_import_stands_when_the_function_imports_something_else(
    tmp_path: Path,
) -> None:
    body = (
        "    from shop.bases import CountingView\n    class LocalView(QuietView):\n        pass\n"
    )
    assert local_view(tmp_path, body) == []


def test_a_local_import_of_a_quiet_base_is_not_flagged(tmp_path: Path) -> None:
    body = (
        "    from shop.bases import QuietView as Base\n    class LocalView(Base):\n        pass\n"
    )
    assert local_view(tmp_path, body) == []


def test_an_import_in_another_function_does_not_leak_in(tmp_path: Path) -> None:
    files = routed("    class LocalView(Base):\n        pass\n")
    files["shop/views.py"] += (
        "\ndef elsewhere():\n    from shop.bases import CountingView as Base\n"
    )
    make_project(tmp_path, files)
    view = scan_project(tmp_path).view("shop.views.get_view.LocalView")
    assert view is not None and calls(view, "db") == []
