"""What request.user, request.session and logout() cost follows the settings: the
middleware that puts them on the request, and SESSION_ENGINE's store."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import SETTINGS, calls, view_of

FULL_CHAIN = SETTINGS
CACHE_SESSIONS = SETTINGS + 'SESSION_ENGINE = "django.contrib.sessions.backends.cache"\n'
SIGNED_COOKIES = SETTINGS + 'SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"\n'
NO_MIDDLEWARE = SETTINGS + "MIDDLEWARE = []\n"
SESSIONS_ONLY = SETTINGS + (
    'MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]\n'
)
COMPUTED_CHAIN = SETTINGS + "MIDDLEWARE = load_middleware()\n"

USER = """
def view(request):
    return request.user.is_authenticated
"""
SESSION = """
def view(request):
    return request.session.get("cart")
"""
LOGOUT = """
from django.contrib.auth import logout
def view(request):
    logout(request)
"""
LOGIN = """
from django.contrib.auth import login
def view(request, user):
    login(request, user)
"""

# (settings, view body, kind, call)
FLAGGED = [
    (FULL_CHAIN, SESSION, "db", "django.http.HttpRequest.session"),
    (CACHE_SESSIONS, SESSION, "cache", "django.contrib.sessions.backends.cache.SessionStore"),
    (CACHE_SESSIONS, LOGOUT, "cache", "django.contrib.auth.logout"),
    (CACHE_SESSIONS, LOGIN, "db", "django.contrib.auth.login"),
    (CACHE_SESSIONS, USER, "db", "django.http.HttpRequest.user"),
    (COMPUTED_CHAIN, USER, "db", "django.http.HttpRequest.user"),
]

# (settings, view body, kind that must not appear)
NOT_FLAGGED = [
    (NO_MIDDLEWARE, USER, "db"),
    (SESSIONS_ONLY, USER, "db"),
    (NO_MIDDLEWARE, SESSION, "db"),
    (NO_MIDDLEWARE, SESSION, "cache"),
    (SIGNED_COOKIES, SESSION, "db"),
    (CACHE_SESSIONS, SESSION, "db"),
    (CACHE_SESSIONS, LOGOUT, "db"),
    (SIGNED_COOKIES, LOGOUT, "db"),
]


@pytest.mark.parametrize(("settings", "body", "kind", "call"), FLAGGED,
                         ids=[f"{i}-{c}" for i, (_, _, _, c) in enumerate(FLAGGED)])
def test_flagged(tmp_path: Path, settings: str, body: str, kind: str, call: str) -> None:
    view = view_of(tmp_path, body, files={"settings.py": settings})
    assert call in calls(view, kind), view.effects


@pytest.mark.parametrize(("settings", "body", "kind"), NOT_FLAGGED,
                         ids=[f"{k}-{i}" for i, (_, _, k) in enumerate(NOT_FLAGGED)])
def test_not_flagged(tmp_path: Path, settings: str, body: str, kind: str) -> None:
    view = view_of(tmp_path, body, files={"settings.py": settings})
    assert calls(view, kind) == [], view.effects


# Attributes project middleware puts on the request --------------------------------------

ACCOUNT_MIDDLEWARE = """
import requests

class Account:
    def refresh(self):
        return requests.get("http://127.0.0.1/account", timeout=1)

class AccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
    def __call__(self, request):
        request.account = Account()
        return self.get_response(request)

class UserTouchingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
    def __call__(self, request):
        request.is_staff_user = request.user.is_staff
        return self.get_response(request)

class QuietMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
    def __call__(self, request):
        return self.get_response(request)

class SessionTouchingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
    def __call__(self, request):
        request.cart = request.session.get("cart")
        return self.get_response(request)

class AuditMiddleware:
    def process_response(self, request, response):
        response["X-User"] = str(request.user.pk)
        return response
"""


def with_middleware(name: str) -> str:
    return SETTINGS + (
        "MIDDLEWARE = [\n"
        '    "django.contrib.sessions.middleware.SessionMiddleware",\n'
        '    "django.contrib.auth.middleware.AuthenticationMiddleware",\n'
        f'    "shop.middleware.{name}",\n'
        "]\n"
    )


def test_an_attribute_project_middleware_sets_on_the_request_is_typed(tmp_path: Path) -> None:
    view = view_of(tmp_path, "def view(request):\n    return request.account.refresh()\n",
                   files={"settings.py": with_middleware("AccountMiddleware"),
                          "shop/middleware.py": ACCOUNT_MIDDLEWARE})
    assert calls(view, "http") == ["requests.get"]


def test_a_user_project_middleware_already_loaded_costs_the_view_nothing(
        tmp_path: Path) -> None:
    view = view_of(tmp_path, USER, files={"settings.py": with_middleware("UserTouchingMiddleware"),
                                          "shop/middleware.py": ACCOUNT_MIDDLEWARE})
    assert calls(view, "db") == []


@pytest.mark.parametrize(
    "middleware",
    ["QuietMiddleware", "SessionTouchingMiddleware", "AuditMiddleware"],
    ids=["reads-nothing", "reads-the-session-only", "reads-the-user-after-the-view"],
)
def test_a_project_middleware_that_does_not_load_the_user_first_leaves_the_views_cost(
        tmp_path: Path, middleware: str) -> None:
    view = view_of(tmp_path, USER, files={"settings.py": with_middleware(middleware),
                                          "shop/middleware.py": ACCOUNT_MIDDLEWARE})
    assert calls(view, "db") == ["django.http.HttpRequest.user"]


def test_a_project_middleware_before_authentication_has_loaded_no_user(
        tmp_path: Path) -> None:
    settings = SETTINGS + (
        "MIDDLEWARE = [\n"
        '    "django.contrib.sessions.middleware.SessionMiddleware",\n'
        '    "shop.middleware.UserTouchingMiddleware",\n'
        '    "django.contrib.auth.middleware.AuthenticationMiddleware",\n'
        "]\n"
    )
    view = view_of(tmp_path, USER, files={"settings.py": settings,
                                          "shop/middleware.py": ACCOUNT_MIDDLEWARE})
    assert calls(view, "db") == ["django.http.HttpRequest.user"]
