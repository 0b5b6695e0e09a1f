"""A project decorator's wrapper runs around the view on every request: its body is the
view's, found through decorator factories (`@psa(...)` → `decorator` → `wrapper`) and
closures (the factory's parameters and their defaults)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import calls, view_of

DECORATORS = """
from functools import wraps
import requests
from shop.models import Book

REGISTRY = []

def fetch_remote():
    return requests.get("http://127.0.0.1", timeout=1)

def audited(label):
    def decorator(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            Book.objects.filter(title=label).exists()
            return func(request, *args, **kwargs)
        return wrapper
    return decorator

def token_required(func):
    def wrapper(request, *args, **kwargs):
        requests.post("http://127.0.0.1/check", timeout=1)
        return func(request, *args, **kwargs)
    return wrapper

def refreshed(fetch=fetch_remote):
    def decorator(func):
        def wrapper(request, *args, **kwargs):
            fetch()
            return func(request, *args, **kwargs)
        return wrapper
    return decorator

def registered(func):
    REGISTRY.append(func)
    return func

def timed(func):
    def wrapper(request, *args, **kwargs):
        return func(request, *args, **kwargs)
    return wrapper

def lazy_checker(func):
    def unused():
        requests.get("http://127.0.0.1", timeout=1)
    return func
"""


def decorated(decorator: str) -> str:
    return f"""
        from shop.decorators import *
        @{decorator}
        def view(request):
            return None
    """


FLAGGED = [
    ("db", "django.db.models.QuerySet.exists", decorated('audited("checkout")')),
    ("http", "requests.post", decorated("token_required")),
    ("http", "requests.get", decorated("refreshed()")),
]

NOT_FLAGGED = [
    ("http", decorated("registered")),  # returns the view itself
    ("http", decorated("timed")),  # a wrapper without I/O
    ("http", decorated("lazy_checker")),  # I/O in a nested function nobody returns
    ("http", decorated("audited('x')")),  # the factory's wrapper queries, sends nothing
    ("db", decorated("token_required")),
]


@pytest.mark.parametrize(("kind", "call", "source"), FLAGGED,
                         ids=[f"{i}-{c}" for i, (_, c, _) in enumerate(FLAGGED)])
def test_flagged(tmp_path: Path, kind: str, call: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/decorators.py": DECORATORS})
    assert call in calls(view, kind), view.effects
    effect = next(e for e in view.effects if e.call == call)
    assert effect.chain[0].function == "shop.views.view"
    assert ".<locals>.wrapper" in effect.chain[1].function


@pytest.mark.parametrize(("kind", "source"), NOT_FLAGGED,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(NOT_FLAGGED)])
def test_not_flagged(tmp_path: Path, kind: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/decorators.py": DECORATORS})
    assert calls(view, kind) == [], view.effects


@pytest.mark.xfail(strict=True, reason="false positive today: the wrapper is summarised with "
                   "the factory's parameter defaults, not the arguments the decorator passed "
                   "(the closure shape in tests/SHAPES.md)")
def test_a_factory_argument_replaces_the_closures_default(tmp_path: Path) -> None:
    # `refreshed(fetch=...)` given a function without I/O: the default's request never runs.
    view = view_of(tmp_path, """
        from shop.decorators import refreshed
        def quiet():
            return None
        @refreshed(fetch=quiet)
        def view(request):
            return None
    """, files={"shop/decorators.py": DECORATORS})
    assert calls(view, "http") == []
