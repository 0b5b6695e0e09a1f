"""A dict of classes or functions looked up at run time (`PROVIDERS[name]()`): the call
can reach any of its values, so each one's effects are the view's."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import calls, view_of

PROVIDERS = """
import requests
from shop.models import Book

class Remote:
    def charge(self):
        requests.post("http://127.0.0.1", timeout=1)

class Ledger:
    def charge(self):
        Book.objects.count()

class Dummy:
    def charge(self):
        return None

def refund_remote():
    requests.post("http://127.0.0.1/refund", timeout=1)

def refund_nothing():
    return None

PROVIDERS = {"remote": Remote, "ledger": Ledger}
QUIET = {"dummy": Dummy}
REFUNDS = {"remote": refund_remote, "dummy": refund_nothing}
QUIET_REFUNDS = {"dummy": refund_nothing}
"""


def view(statement: str) -> str:
    return f"""
        from shop.providers import PROVIDERS, QUIET, REFUNDS, QUIET_REFUNDS
        def view(request, name):
            {statement}
    """


FLAGGED = [
    ("http", "requests.post", view("PROVIDERS[name]().charge()")),
    ("db", "django.db.models.QuerySet.count", view("PROVIDERS[name]().charge()")),
    ("http", "requests.post", view("PROVIDERS.get(name)().charge()")),
    ("http", "requests.post", view("REFUNDS[name]()")),
]

NOT_FLAGGED = [
    ("http", view("QUIET[name]().charge()")),
    ("db", view("QUIET.get(name)().charge()")),
    ("http", view("QUIET_REFUNDS[name]()")),
    ("db", view("REFUNDS[name]()")),
    ("http", view("PROVIDERS.keys()")),
]


@pytest.mark.parametrize(("kind", "call", "source"), FLAGGED,
                         ids=[f"{i}-{c}" for i, (_, c, _) in enumerate(FLAGGED)])
def test_flagged(tmp_path: Path, kind: str, call: str, source: str) -> None:
    found = view_of(tmp_path, source, files={"shop/providers.py": PROVIDERS})
    assert call in calls(found, kind), found.effects


@pytest.mark.parametrize(("kind", "source"), NOT_FLAGGED,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(NOT_FLAGGED)])
def test_not_flagged(tmp_path: Path, kind: str, source: str) -> None:
    found = view_of(tmp_path, source, files={"shop/providers.py": PROVIDERS})
    assert calls(found, kind) == [], found.effects
