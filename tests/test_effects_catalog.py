"""Detector tests: small view bodies, each flagged or not flagged with an effect kind.
More negatives than positives: building a queryset is not I/O, an unused import is not I/O,
a local function named `get` is not the ORM."""

from __future__ import annotations

from pathlib import Path

import pytest

from snippets import calls, view_of

FLAGGED = [
    (
        "http",
        "requests.get",
        """
        import requests
        def view(request):
            return requests.get("http://127.0.0.1/x", timeout=5)
    """,
    ),
    (
        "http",
        "requests.Session.post",
        """
        import requests
        def view(request):
            session = requests.Session()
            return session.post("http://127.0.0.1/x")
    """,
    ),
    (
        "http",
        "httpx.Client.get",
        """
        import httpx
        def view(request):
            client = httpx.Client()
            return client.get("http://127.0.0.1/x")
    """,
    ),
    (
        "http",
        "requests.get",
        """
        from requests import get as fetch
        def view(request):
            return fetch("http://127.0.0.1/x")
    """,
    ),
    (
        "http",
        "urllib.request.urlopen",
        """
        from urllib.request import urlopen
        def view(request):
            return urlopen("http://127.0.0.1/x")
    """,
    ),
    (
        "sleep",
        "time.sleep",
        """
        import time
        def view(request):
            time.sleep(0.5)
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.count",
        """
        from shop.models import Book
        def view(request):
            return Book.objects.filter(title="x").count()
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.__iter__",
        """
        from shop.models import Book
        def view(request):
            for book in Book.objects.all():
                print(book)
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.__len__",
        """
        from shop.models import Book
        def view(request):
            books = Book.objects.order_by("title")
            return list(books)
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.__len__",
        """
        from shop.models import Book
        def view(request):
            books = Book.objects.filter(title="x")
            if books:
                return 1
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.__getitem__",
        """
        from shop.models import Book
        def view(request):
            return Book.objects.all()[0]
    """,
    ),
    (
        "db",
        "django.db.models.Model.save",
        """
        from shop.models import Book
        def view(request):
            book = Book.objects.get(pk=1)
            book.save()
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.count",
        """
        from shop.models import Author
        def view(request):
            author = Author.objects.get(pk=1)
            return author.books.count()
    """,
    ),
    (
        "db",
        "django.shortcuts.get_object_or_404",
        """
        from django.shortcuts import get_object_or_404
        from shop.models import Book
        def view(request):
            return get_object_or_404(Book, pk=1)
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.__render__",
        """
        from django.shortcuts import render
        from shop.models import Book
        def view(request):
            return render(request, "t.html", {"books": Book.objects.all()})
    """,
    ),
    (
        "db",
        "django.http.HttpRequest.user",
        """
        def view(request):
            return request.user.username
    """,
    ),
    (
        "cache",
        "django.core.cache.cache.get",
        """
        from django.core.cache import cache
        def view(request):
            return cache.get("k")
    """,
    ),
    (
        "email",
        "django.core.mail.send_mail",
        """
        from django.core.mail import send_mail
        def view(request):
            send_mail("s", "b", "a@example.com", ["b@example.com"])
    """,
    ),
    (
        "subprocess",
        "subprocess.run",
        """
        import subprocess
        def view(request):
            subprocess.run(["true"])
    """,
    ),
    (
        "filesystem",
        "open",
        """
        def view(request):
            with open("/etc/hostname") as handle:
                return handle.read()
    """,
    ),
    (
        "transaction",
        "django.db.transaction.atomic",
        """
        from django.db import transaction
        def view(request):
            with transaction.atomic():
                pass
    """,
    ),
    (
        "cpu",
        "hashlib.sha256",
        """
        import hashlib
        def view(request):
            return hashlib.sha256(b"x").hexdigest()
    """,
    ),
    (
        "template",
        "django.shortcuts.render",
        """
        from django.shortcuts import render
        def view(request):
            return render(request, "t.html", {})
    """,
    ),
    (
        "db",
        "django.http.HttpRequest.user",
        """
        def view(request):
            user = getattr(request, "user", None)
            return user and user.is_authenticated
    """,
    ),
    (
        "db",
        "django.db.models.QuerySet.get",
        """
        from shop.models import Book
        def view(request):
            return getattr(Book, "objects").get(pk=1)
    """,
    ),
]

NOT_FLAGGED = [
    (
        "db",
        """
        from shop.models import Book
        def view(request):
            books = Book.objects.filter(title="x").order_by("title")
            return books.query
    """,
    ),
    (
        "http",
        """
        import requests
        def view(request):
            return 1
    """,
    ),
    (
        "db",
        """
        def get(pk):
            return pk
        def view(request):
            return get(1)
    """,
    ),
    (
        "db",
        """
        def view(request):
            data = {"a": 1}
            return data.get("a")
    """,
    ),
    (
        "db",
        """
        from shop.models import Book
        def view(request):
            qs = Book.objects.all()
            return qs.filter(title="x").exclude(title="y").select_related("author")
    """,
    ),
    (
        "sleep",
        """
        import asyncio
        async def view(request):
            await asyncio.sleep(1)
    """,
    ),
    (
        "http",
        """
        def view(request):
            session = object()
            return session
    """,
    ),
    (
        "db",
        """
        from shop.models import Book
        async def view(request):
            async for book in Book.objects.all():
                print(book)
    """,
    ),
    (
        "db",
        """
        from django.shortcuts import render
        from shop.models import Book
        def view(request):
            books = list(Book.objects.none()[:0])
            return render(request, "t.html", {"books": books})
    """,
    ),
    (
        "http",
        """
        class Client:
            def get(self, url):
                return url
        def view(request):
            return Client().get("x")
    """,
    ),
    (
        "db",
        """
        def view(request):
            return getattr(request, "backend", None)
    """,
    ),
    (
        "db",
        """
        def view(request, name="user"):
            return getattr(request, name, None)
    """,
    ),
    (
        "db",
        """
        class Plain:
            objects = None
        def view(request):
            return getattr(Plain, "objects").get(pk=1)
    """,
    ),
]


@pytest.mark.parametrize(("kind", "call", "body"), FLAGGED, ids=[f"{c}" for _, c, _ in FLAGGED])
def test_flagged(tmp_path: Path, kind: str, call: str, body: str) -> None:
    view = view_of(tmp_path, body)
    assert call in calls(view, kind), view.effects


@pytest.mark.parametrize(
    ("kind", "body"), NOT_FLAGGED, ids=[f"{k}-{i}" for i, (k, _) in enumerate(NOT_FLAGGED)]
)
def test_not_flagged(tmp_path: Path, kind: str, body: str) -> None:
    view = view_of(tmp_path, body)
    if "Book.objects.none()[:0]" in body:
        # list() of a queryset IS a query; what must not be flagged is the render of a list.
        assert "django.db.models.QuerySet.__render__" not in calls(view, kind)
        return
    blocking = [e.call for e in view.effects if e.kind.value == kind and e.blocking]
    assert blocking == [], view.effects


def test_sleep_uses_literal_duration(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        """
        import time
        def view(request):
            time.sleep(0.25)
    """,
    )
    (effect,) = view.effects
    assert effect.estimated_ms == pytest.approx(250.0)


def test_call_in_loop_is_multiplied(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        """
        from shop.models import Book
        def view(request):
            for pk in range(10):
                Book.objects.get(pk=pk)
    """,
    )
    (effect,) = [e for e in view.effects if e.call.endswith(".get")]
    assert effect.multiplier == 10 and effect.in_loop


def test_user_catalog_row_from_pyproject(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        """
        from shop.curl import post
        def view(request):
            return post("http://127.0.0.1")
    """,
        files={
            "shop/curl.py": "def post(url):\n    return url\n",
            "pyproject.toml": '[[tool.advisor.effects]]\ncall = "shop.curl.post"\nkind = "http"\n',
        },
    )
    assert "shop.curl.post" in calls(view, "http")


def test_foreign_key_read_is_a_query_unless_select_related(tmp_path: Path) -> None:
    lazy = view_of(
        tmp_path / "lazy",
        """
        from shop.models import Book
        def view(request):
            book = Book.objects.get(pk=1)
            return book.author.name
    """,
    )
    assert "django.db.models.Model.__related__" in calls(lazy, "db")
    joined = view_of(
        tmp_path / "joined",
        """
        from shop.models import Book
        def view(request):
            book = Book.objects.select_related("author").get(pk=1)
            return book.author.name
    """,
    )
    assert "django.db.models.Model.__related__" not in calls(joined, "db")


def test_model_form_save_is_a_write(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        """
        from django import forms
        from shop.models import Book
        class BookForm(forms.ModelForm):
            class Meta:
                model = Book
                fields = ["title"]
        def view(request):
            form = BookForm(request.POST)
            if form.is_valid():
                form.save()
    """,
    )
    assert {"django.forms.ModelForm.save", "django.forms.ModelForm.is_valid"} <= set(
        calls(view, "db")
    )


def test_streaming_an_async_generator_does_not_block(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        """
        from django.http import StreamingHttpResponse
        async def rows():
            yield b"a"
        def sync_rows():
            yield b"a"
        async def view(request):
            return StreamingHttpResponse(rows())
        def old(request):
            return StreamingHttpResponse(sync_rows())
    """,
    )
    (stream,) = [e for e in view.effects if e.kind.value == "streaming"]
    assert not stream.blocking
    assert view.score is not None and view.score.category.value == "already async"


def test_polling_loop_that_breaks_counts_half_and_named_intervals_resolve(tmp_path: Path) -> None:
    view = view_of(
        tmp_path,
        """
        import time
        from shop.settings_local import POLL_INTERVAL
        def view(request):
            for attempt in range(6):
                if attempt == 3:
                    break
                time.sleep(POLL_INTERVAL)
    """,
        files={"shop/settings_local.py": "POLL_INTERVAL = 0.05\n"},
    )
    (sleep,) = view.effects
    assert sleep.multiplier == 3
    assert sleep.estimated_ms == pytest.approx(150.0)


# pycurl: Curl() is a handle, perform() is the request ------------------------------------

PYCURL = """
import io
import pycurl
def view(request):
    buffer = io.BytesIO()
    handle = pycurl.Curl()
    handle.setopt(pycurl.URL, "http://127.0.0.1/x")
    handle.setopt(pycurl.WRITEDATA, buffer)
    {last}
    return buffer.getvalue()
"""


@pytest.mark.parametrize("method", ["perform", "perform_rb"])
def test_pycurl_perform_is_outbound_http(tmp_path: Path, method: str) -> None:
    view = view_of(tmp_path, PYCURL.format(last=f"handle.{method}()"))
    assert calls(view, "http") == [f"pycurl.Curl.{method}"]
    assert view.unknown_calls == ()


@pytest.mark.parametrize("last", ["handle.close()", "pass"], ids=["closed", "never-performed"])
def test_a_pycurl_handle_that_never_performs_sends_nothing(tmp_path: Path, last: str) -> None:
    view = view_of(tmp_path, PYCURL.format(last=last))
    assert calls(view, "http") == [] and view.unknown_calls == ()


def test_a_project_class_named_curl_is_not_pycurl(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        class Curl:
            def perform(self):
                return None
        def view(request):
            return Curl().perform()
    """)
    assert calls(view, "http") == []
