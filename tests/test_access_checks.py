"""Django's access checks read request.user before the view runs: @login_required and
its kin on functions, LoginRequiredMixin and its kin on classes (a session and a user query
under AuthenticationMiddleware)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import SETTINGS, calls, view_of

URLS = """
from django.urls import path
from shop.views import V
urlpatterns = [path("v/", V.as_view())]
"""
USER = "django.http.HttpRequest.user"

FUNCTION_FLAGGED = [
    "from django.contrib.auth.decorators import login_required\n@login_required",
    "from django.contrib.auth.decorators import permission_required\n"
    '@permission_required("shop.view_book")',
    "from django.contrib.auth.decorators import user_passes_test\n"
    "@user_passes_test(lambda u: u.is_staff)",
]

FUNCTION_NOT_FLAGGED = [
    "from django.views.decorators.http import require_GET\n@require_GET",
    "from django.views.decorators.cache import never_cache\n@never_cache",
    "def login_required(f):\n    return f\n@login_required",  # the project's own, a no-op
]


def function_view(decorator: str) -> str:
    return f"{decorator}\ndef view(request):\n    return None\n"


def class_view(bases: str) -> str:
    return f"""
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.views.generic import TemplateView
class V({bases}):
    template_name = "t.html"
"""


@pytest.mark.parametrize("decorator", FUNCTION_FLAGGED)
def test_function_check_flagged(tmp_path: Path, decorator: str) -> None:
    view = view_of(tmp_path, function_view(decorator))
    assert USER in calls(view, "db"), view.effects


@pytest.mark.parametrize("decorator", FUNCTION_NOT_FLAGGED)
def test_function_check_not_flagged(tmp_path: Path, decorator: str) -> None:
    view = view_of(tmp_path, function_view(decorator))
    assert USER not in calls(view, "db"), view.effects


@pytest.mark.parametrize("bases", ["LoginRequiredMixin, TemplateView",
                                   "PermissionRequiredMixin, TemplateView"])
def test_mixin_check_flagged(tmp_path: Path, bases: str) -> None:
    view = view_of(tmp_path, class_view(bases), view_id="shop.views.V", files={"urls.py": URLS})
    assert calls(view, "db").count(USER) == 1, view.effects


def test_mixin_check_not_flagged_without_the_mixin(tmp_path: Path) -> None:
    view = view_of(tmp_path, class_view("TemplateView"), view_id="shop.views.V",
                   files={"urls.py": URLS})
    assert USER not in calls(view, "db"), view.effects


def test_check_not_flagged_without_authentication_middleware(tmp_path: Path) -> None:
    view = view_of(tmp_path, function_view(FUNCTION_FLAGGED[0]),
                   files={"settings.py": SETTINGS + "MIDDLEWARE = []\n"})
    assert USER not in calls(view, "db"), view.effects
