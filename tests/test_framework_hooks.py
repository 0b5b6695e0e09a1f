"""Framework code a view's attributes make run on every request: DRF authenticates with
each of `authentication_classes`, checks `permission_classes` and `throttle_classes`; and
`get_user_model()` is the user model class."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import SETTINGS, calls, view_of

URLS = """
from django.urls import path
from shop.views import V
urlpatterns = [path("v/", V.as_view())]
"""

AUTH = """
from django.contrib.auth import get_user_model
from rest_framework.authentication import BaseAuthentication

class TokenAuthentication(BaseAuthentication):
    def __init__(self):
        self.user_model = get_user_model()
    def authenticate(self, request):
        return self.user_model.objects.get(pk=1), None

class HeaderAuthentication(BaseAuthentication):
    def authenticate(self, request):
        return request.META.get("HTTP_X_USER"), None
"""

PERMISSIONS = """
import requests
class UpstreamAllows:
    def has_permission(self, request, view):
        return requests.get("http://127.0.0.1", timeout=1).ok
"""

FLAGGED = [
    ("db", "django.db.models.QuerySet.get", """
        from rest_framework.views import APIView
        from shop.auth import TokenAuthentication
        class V(APIView):
            authentication_classes = (TokenAuthentication,)
            def get(self, request):
                return None
    """),
    ("http", "requests.get", """
        from rest_framework.views import APIView
        from shop.permissions import UpstreamAllows
        class V(APIView):
            permission_classes = [UpstreamAllows]
            def get(self, request):
                return None
    """),
]

NOT_FLAGGED = [
    # An authentication class that reads a header only.
    ("db", """
        from rest_framework.views import APIView
        from shop.auth import HeaderAuthentication
        class V(APIView):
            authentication_classes = (HeaderAuthentication,)
            def get(self, request):
                return None
    """),
    # A plain Django view: nothing calls its authentication_classes.
    ("db", """
        from django.views import View
        from shop.auth import TokenAuthentication
        class V(View):
            authentication_classes = (TokenAuthentication,)
            def get(self, request):
                return None
    """),
    # No authentication classes at all.
    ("db", """
        from rest_framework.views import APIView
        class V(APIView):
            authentication_classes = ()
            def get(self, request):
                return None
    """),
    # The permission is the framework's own: no project body to follow.
    ("http", """
        from rest_framework.permissions import IsAuthenticated
        from rest_framework.views import APIView
        class V(APIView):
            permission_classes = [IsAuthenticated]
            def get(self, request):
                return None
    """),
]


@pytest.mark.parametrize(("kind", "call", "body"), FLAGGED, ids=[c for _, c, _ in FLAGGED])
def test_flagged(tmp_path: Path, kind: str, call: str, body: str) -> None:
    view = view_of(tmp_path, body, view_id="shop.views.V", files={
        "urls.py": URLS, "shop/auth.py": AUTH, "shop/permissions.py": PERMISSIONS})
    assert call in calls(view, kind), view.effects
    effect = next(e for e in view.effects if e.call == call)
    assert effect.chain[0].function.startswith("shop.views.V.")


@pytest.mark.parametrize(
    ("kind", "body"), NOT_FLAGGED, ids=[f"{k}-{i}" for i, (k, _) in enumerate(NOT_FLAGGED)]
)
def test_not_flagged(tmp_path: Path, kind: str, body: str) -> None:
    view = view_of(tmp_path, body, view_id="shop.views.V", files={
        "urls.py": URLS, "shop/auth.py": AUTH, "shop/permissions.py": PERMISSIONS})
    assert calls(view, kind) == [], view.effects


DEFAULTS = """
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["shop.auth.TokenAuthentication"]}
"""

PLAIN_API_VIEW = """
    from rest_framework.views import APIView
    class V(APIView):
        def get(self, request):
            return None
"""


def test_a_view_without_its_own_classes_gets_rest_frameworks_defaults(tmp_path: Path) -> None:
    """DRF authenticates with REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES when the view
    names none: the project's class there queries on every request."""
    view = view_of(tmp_path, PLAIN_API_VIEW, view_id="shop.views.V", files={
        "urls.py": URLS, "shop/auth.py": AUTH, "settings.py": SETTINGS + DEFAULTS})
    assert "django.db.models.QuerySet.get" in calls(view, "db"), view.effects
    effect = next(e for e in view.effects if e.call == "django.db.models.QuerySet.get")
    assert effect.chain[0].function == "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']"


@pytest.mark.parametrize("case", ["own-empty-classes", "no-setting"])
def test_the_defaults_apply_only_where_the_view_names_nothing(tmp_path: Path, case: str) -> None:
    if case == "own-empty-classes":
        body = PLAIN_API_VIEW.replace(
            "    class V(APIView):\n", "    class V(APIView):\n        authentication_classes = ()\n")
        settings = SETTINGS + DEFAULTS
    else:  # DRF's own defaults are framework classes: nothing of the project runs
        body, settings = PLAIN_API_VIEW, SETTINGS
    view = view_of(tmp_path, body, view_id="shop.views.V", files={
        "urls.py": URLS, "shop/auth.py": AUTH, "settings.py": settings})
    assert calls(view, "db") == [], view.effects
