"""import_string() of a static dotted path: a literal, a module constant, a setting, or a
library's app-settings default (`getattr(settings, "X", "pkg.Default")`) names the class
whose methods run."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import SETTINGS, calls, view_of

BACKENDS = """
import requests
class Remote:
    def send(self):
        requests.post("http://127.0.0.1", timeout=1)
class Quiet:
    def send(self):
        return None
"""

CONFIGURED_REMOTE = SETTINGS + 'NOTIFIER = "shop.backends.Remote"\n'
CONFIGURED_QUIET = SETTINGS + (
    'NOTIFIER = "shop.backends.Quiet"\nSHOP_NOTIFIER = "shop.backends.Quiet"\n'
)


def importing(path: str) -> str:
    return f"""
        from django.conf import settings
        from django.utils.module_loading import import_string
        DEFAULT_NOTIFIER = "shop.backends.Remote"
        def view(request, name="Remote"):
            notifier = import_string({path})
            return notifier().send()
    """


FLAGGED = [
    (SETTINGS, importing('"shop.backends.Remote"')),
    (SETTINGS, importing("DEFAULT_NOTIFIER")),
    (CONFIGURED_REMOTE, importing("settings.NOTIFIER")),
    (SETTINGS, importing('getattr(settings, "SHOP_NOTIFIER", "shop.backends.Remote")')),
]

NOT_FLAGGED = [
    (CONFIGURED_QUIET, importing("settings.NOTIFIER")),
    (CONFIGURED_QUIET, importing('getattr(settings, "SHOP_NOTIFIER", "shop.backends.Remote")')),
    (SETTINGS, importing('f"shop.backends.{name}"')),
    (SETTINGS, importing("name")),
    (SETTINGS, importing("settings.NOTIFIER")),  # not set, and no default
]


@pytest.mark.parametrize(("settings", "source"), FLAGGED, ids=[str(i) for i in range(len(FLAGGED))])
def test_flagged(tmp_path: Path, settings: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/backends.py": BACKENDS, "settings.py": settings})
    assert "requests.post" in calls(view, "http"), view.effects


@pytest.mark.parametrize(("settings", "source"), NOT_FLAGGED,
                         ids=[str(i) for i in range(len(NOT_FLAGGED))])
def test_not_flagged(tmp_path: Path, settings: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/backends.py": BACKENDS, "settings.py": settings})
    assert calls(view, "http") == [], view.effects


# A `get_backend()` helper returning the class a setting (or the app's default) names -----

HELPER = """
from django.conf import settings
from django.utils.module_loading import import_string

def get_backend():
    return import_string(getattr(settings, "SHOP_NOTIFIER", "shop.backends.Remote"))

def get_named_backend(name):
    return import_string(f"shop.backends.{name}")
"""


def through_helper(statement: str) -> str:
    return f"""
        from shop.helpers import get_backend, get_named_backend
        def view(request, name="Remote"):
            {statement}
    """


def test_a_helper_returning_the_default_backend_class_runs_its_methods(tmp_path: Path) -> None:
    view = view_of(tmp_path, through_helper("return get_backend()().send()"),
                   files={"shop/backends.py": BACKENDS, "shop/helpers.py": HELPER})
    assert calls(view, "http") == ["requests.post"]


@pytest.mark.parametrize(
    ("settings", "statement"),
    [
        (CONFIGURED_QUIET, "return get_backend()().send()"),  # the setting names Quiet
        (SETTINGS, "return get_backend"),  # the helper is never called
        (SETTINGS, "return get_named_backend(name)().send()"),  # a computed name
    ],
    ids=["setting-overrides-default", "never-called", "computed-name"],
)
def test_a_helper_whose_class_does_no_io_adds_nothing(
        tmp_path: Path, settings: str, statement: str) -> None:
    view = view_of(tmp_path, through_helper(statement), files={
        "shop/backends.py": BACKENDS, "shop/helpers.py": HELPER, "settings.py": settings})
    assert calls(view, "http") == []
