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


@pytest.mark.parametrize(
    ("settings", "source"), NOT_FLAGGED, ids=[str(i) for i in range(len(NOT_FLAGGED))]
)
def test_not_flagged(tmp_path: Path, settings: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/backends.py": BACKENDS, "settings.py": settings})
    assert calls(view, "http") == [], view.effects


# A library's own loader (allauth's import_attribute, social-core's module_member): a
# function returning getattr() of a module it imported, called on a dotted path.
LOADERS = """
import importlib
import sys

def import_attribute(path):
    pkg, attr = path.rsplit(".", 1)
    return getattr(importlib.import_module(pkg), attr)

def _import_module(name):
    __import__(name)
    return sys.modules[name]

def module_member(name):
    mod, member = name.rsplit(".", 1)
    module = _import_module(mod)
    return getattr(module, member)

def first_attribute(obj, name):
    return getattr(obj, name)  # not a loader: nothing is imported

def lookup(path):
    return getattr(importlib, path)  # not a loader: importlib itself, not what path names
"""

# App settings with defaults, read through the module's PEP 562 __getattr__ (allauth).
APP_SETTINGS = """
from django.conf import settings

class AppSettings:
    def __init__(self, prefix):
        self.prefix = prefix

    def _setting(self, name, default):
        return getattr(settings, self.prefix + name, default)

    @property
    def NOTIFIER(self):
        return self._setting("NOTIFIER", "shop.backends.Remote")

    @property
    def QUIET(self):
        return self._setting("QUIET", "shop.backends.Quiet")

    @property
    def TIMEOUT(self):
        return self._setting("TIMEOUT", 5)

_app_settings = AppSettings("SHOP_")

def __getattr__(name):
    return getattr(_app_settings, name)
"""


def loading(call: str) -> str:
    return f"""
        from shop import app_settings
        from shop.loaders import first_attribute, import_attribute, lookup, module_member
        from shop import backends
        def view(request, name="Remote"):
            notifier = {call}
            return notifier().send()
    """


LOADER_FLAGGED = [
    loading('import_attribute("shop.backends.Remote")'),
    loading('module_member("shop.backends.Remote")'),
    loading("import_attribute(app_settings.NOTIFIER)"),
]

LOADER_NOT_FLAGGED = [
    loading('import_attribute("shop.backends.Quiet")'),
    loading('module_member("shop.backends.Quiet")'),
    loading("import_attribute(app_settings.QUIET)"),
    loading('first_attribute(backends, "Quiet")'),
    loading("lookup(name)"),
    loading("import_attribute(name)"),  # a parameter: nothing static to follow
]


@pytest.mark.parametrize("source", LOADER_FLAGGED, ids=[str(i) for i in range(len(LOADER_FLAGGED))])
def test_a_library_loader_of_a_dotted_path_is_followed(tmp_path: Path, source: str) -> None:
    view = view_of(
        tmp_path,
        source,
        files={
            "shop/backends.py": BACKENDS,
            "shop/loaders.py": LOADERS,
            "shop/app_settings.py": APP_SETTINGS,
            "settings.py": SETTINGS,
        },
    )
    assert "requests.post" in calls(view, "http"), view.effects


@pytest.mark.parametrize(
    "source", LOADER_NOT_FLAGGED, ids=[str(i) for i in range(len(LOADER_NOT_FLAGGED))]
)
def test_a_loader_of_another_class_or_no_loader_is_not_flagged(tmp_path: Path, source: str) -> None:
    view = view_of(
        tmp_path,
        source,
        files={
            "shop/backends.py": BACKENDS,
            "shop/loaders.py": LOADERS,
            "shop/app_settings.py": APP_SETTINGS,
            "settings.py": SETTINGS,
        },
    )
    assert calls(view, "http") == [], view.effects


# The path reaches the loader through a parameter (social-core's get_strategy(strategy) calls
# module_member(strategy)), from a constant read with a computed setting name and a default.
FACTORY = """
from django.conf import settings
from shop.loaders import module_member

def setting_name(name):
    return "SHOP_" + name

NOTIFIER = getattr(settings, setting_name("NOTIFIER"), "shop.backends.Remote")
QUIET = getattr(settings, setting_name("QUIET"), "shop.backends.Quiet")

def make(path, *args):
    notifier_class = module_member(path)
    return notifier_class(*args)
"""


def making(argument: str) -> str:
    return f"""
        from shop.factory import NOTIFIER, QUIET, make
        def view(request, name="Remote"):
            return make({argument}).send()
    """


@pytest.mark.parametrize(
    ("argument", "posts"),
    [
        ('"shop.backends.Remote"', True),
        ("NOTIFIER", True),
        ('"shop.backends.Quiet"', False),
        ("QUIET", False),
        ("name", False),
        ('f"shop.backends.{name}"', False),
    ],
)
def test_a_path_passed_down_to_a_loader_is_followed(
    tmp_path: Path, argument: str, posts: bool
) -> None:
    view = view_of(
        tmp_path,
        making(argument),
        files={
            "shop/backends.py": BACKENDS,
            "shop/loaders.py": LOADERS,
            "shop/factory.py": FACTORY,
            "settings.py": SETTINGS,
        },
    )
    assert ("requests.post" in calls(view, "http")) is posts, view.effects


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
