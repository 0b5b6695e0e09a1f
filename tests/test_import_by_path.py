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
