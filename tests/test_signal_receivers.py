"""signal.send() runs the project's receivers (connected with @receiver or .connect(),
for any sender or for the one sent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import calls, view_of

SIGNALS = """
import requests
from django.dispatch import Signal, receiver
from shop.models import Author, Book

order_paid = Signal()
order_refunded = Signal()
stock_checked = Signal()

@receiver(order_paid)
def notify_warehouse(sender, **kwargs):
    requests.post("http://127.0.0.1/paid", timeout=1)

@receiver(order_refunded, sender=Book)
def count_refunds(sender, **kwargs):
    Book.objects.count()

def log_stock(sender, **kwargs):
    requests.post("http://127.0.0.1/stock", timeout=1)

stock_checked.connect(log_stock, sender=Author)
"""


def sending(statement: str) -> str:
    return f"""
        from shop.models import Author, Book
        from shop import signals
        def view(request):
            {statement}
    """


FLAGGED = [
    ("http", "requests.post", sending("signals.order_paid.send(sender=Book)")),
    ("http", "requests.post", sending("signals.order_paid.send_robust(Author)")),
    ("db", "django.db.models.QuerySet.count", sending("signals.order_refunded.send(Book)")),
    ("http", "requests.post", sending("signals.stock_checked.send(sender=Author)")),
]

NOT_FLAGGED = [
    # Connected for another sender.
    ("db", sending("signals.order_refunded.send(sender=Author)")),
    ("http", sending("signals.stock_checked.send(sender=Book)")),
    # A signal nobody listens to.
    ("http", sending("signals.Signal().send(sender=Book)")),
    # Not a send: connecting or disconnecting runs nothing.
    ("http", sending("signals.order_paid.disconnect(signals.notify_warehouse)")),
    ("db", sending("signals.order_paid.send(sender=Book)")),
]


@pytest.mark.parametrize(("kind", "call", "source"), FLAGGED,
                         ids=[f"{i}-{c}" for i, (_, c, _) in enumerate(FLAGGED)])
def test_flagged(tmp_path: Path, kind: str, call: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/signals.py": SIGNALS})
    assert call in calls(view, kind), view.effects


@pytest.mark.parametrize(("kind", "source"), NOT_FLAGGED,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(NOT_FLAGGED)])
def test_not_flagged(tmp_path: Path, kind: str, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/signals.py": SIGNALS})
    assert calls(view, kind) == [], view.effects


MODEL_RECEIVERS = """
import requests
from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from shop.models import Author, Book

@receiver(post_save, sender=Book)
def publish_book(sender, instance, **kwargs):
    requests.post("http://127.0.0.1/books", timeout=1)

def forget_author(sender, instance, **kwargs):
    requests.post("http://127.0.0.1/authors", timeout=1)

class ShopConfig(AppConfig):
    name = "shop"
    def ready(self):
        post_delete.connect(forget_author, sender=Author)
"""


def saving(statement: str) -> str:
    return f"""
        from shop.models import Author, Book
        def view(request):
            {statement}
    """


MODEL_FLAGGED = [
    saving('Book(title="t").save()'),
    saving('Book.objects.create(title="t")'),
    saving('Book.objects.get_or_create(title="t")'),
    saving("Author.objects.get(pk=1).delete()"),
]

MODEL_NOT_FLAGGED = [
    saving('Author(name="n").save()'),  # connected for Book only
    saving('Book.objects.filter(pk=1).update(title="t")'),  # update() sends no signal
    saving('Book.objects.bulk_create([Book(title="t")])'),  # neither does bulk_create()
    saving("Book.objects.get(pk=1).delete()"),  # post_delete is connected for Author
    saving('Book.objects.filter(title="t").exists()'),
]


@pytest.mark.parametrize("source", MODEL_FLAGGED, ids=[str(i) for i in range(len(MODEL_FLAGGED))])
def test_model_signal_receiver_flagged(tmp_path: Path, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/receivers.py": MODEL_RECEIVERS})
    assert "requests.post" in calls(view, "http"), view.effects


@pytest.mark.parametrize(
    "source", MODEL_NOT_FLAGGED, ids=[str(i) for i in range(len(MODEL_NOT_FLAGGED))]
)
def test_model_signal_receiver_not_flagged(tmp_path: Path, source: str) -> None:
    view = view_of(tmp_path, source, files={"shop/receivers.py": MODEL_RECEIVERS})
    assert calls(view, "http") == [], view.effects
