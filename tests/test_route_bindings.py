"""What a route binds on its view instance becomes a known type for the analysis.

`PaymentView.as_view(client_class=HttpClient)` makes `self.client_class` that class for this
route; a factory-made closure (`ProviderView.adapter_view(GitHubAdapter)`, which stores
`self.adapter = adapter(request)`) makes `self.adapter` an instance of the class it holds —
which only Django's own resolver can tell (`--resolve`). The effects the bound classes
cause (outbound HTTP here) are the view's, per route: a route binding a class without I/O
adds nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from advisor.cli import main

SETTINGS = (
    "SECRET_KEY = 'x'\nROOT_URLCONF = 'urls'\nINSTALLED_APPS = ['shop']\n"
    "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}\n"
)
MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"

CLIENTS = """
import requests

class HttpClient:
    def charge(self, amount):
        return requests.post("https://pay.example/charge", json={"amount": amount})

class LedgerClient:
    def charge(self, amount):
        return amount

class GitHubAdapter:
    def __init__(self, request):
        self.request = request

    def profile(self):
        return requests.get("https://api.github.example/user").json()

class DummyAdapter:
    def __init__(self, request):
        self.request = request

    def profile(self):
        return {"login": "dummy"}
"""

VIEWS = """
from django.http import JsonResponse
from django.views import View

from shop.models import AuditEntry


class PaymentView(View):
    client_class = None

    def post(self, request):
        return JsonResponse({"paid": self.client_class().charge(5)})


class LedgerView(View):
    client_class = None

    def post(self, request):
        return JsonResponse({"paid": self.client_class().charge(5)})


class ProviderView(View):
    adapter = None

    @classmethod
    def adapter_view(cls, adapter):
        def view(request, *args, **kwargs):
            self = cls()
            self.adapter = adapter(request)
            return self.dispatch(request, *args, **kwargs)

        return view

    def get(self, request):
        return JsonResponse(self.adapter.profile())


class DummyProviderView(ProviderView):
    pass


class CallbackView:
    # Not a Django View: a factory closure serves it and calls its dispatch.

    @classmethod
    def adapter_view(cls, adapter):
        def view(request, *args, **kwargs):
            self = cls()
            self.adapter = adapter(request)
            return self.dispatch(request, *args, **kwargs)

        return view

    def dispatch(self, request):
        return JsonResponse(self.adapter.profile())


class AuditedView(View):
    def dispatch(self, request, *args, **kwargs):
        AuditEntry.objects.create(path=request.path)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return JsonResponse({})


class PlainView(View):
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return JsonResponse({})
"""

URLS = """
from django.urls import path

from shop.clients import DummyAdapter, GitHubAdapter, HttpClient, LedgerClient
from shop.views import (
    AuditedView,
    CallbackView,
    DummyProviderView,
    LedgerView,
    PaymentView,
    PlainView,
    ProviderView,
)

urlpatterns = [
    path("pay/", PaymentView.as_view(client_class=HttpClient)),
    path("ledger/", LedgerView.as_view(client_class=LedgerClient)),
    path("github/", ProviderView.adapter_view(GitHubAdapter)),
    path("dummy/", DummyProviderView.adapter_view(DummyAdapter)),
    path("callback/", CallbackView.adapter_view(GitHubAdapter)),
    path("audited/", AuditedView.as_view()),
    path("plain/", PlainView.as_view()),
]
"""


def project(root: Path) -> Path:
    files = {
        "manage.py": MANAGE,
        "settings.py": SETTINGS,
        "shop/__init__.py": "",
        "shop/clients.py": CLIENTS,
        "shop/models.py": "from django.db import models\n\n\n"
        "class AuditEntry(models.Model):\n    path = models.CharField(max_length=200)\n",
        "shop/views.py": VIEWS,
        "urls.py": URLS,
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def scan(root: Path, *flags: str) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(
        main, ["scan", str(root), "--format", "json", "--no-cache", "--jobs", "1", *flags]
    )
    assert result.exit_code == 0, result.output
    return {view["id"]: view for view in json.loads(result.output)["views"]}


def http_calls(view: dict[str, Any]) -> list[str]:
    return [effect["call"] for effect in view["effects"] if effect["kind"] == "http"]


def test_initkwargs_in_the_urlconf_type_the_attribute_they_set(tmp_path: Path) -> None:
    views = scan(project(tmp_path))
    payment, ledger = views["shop.views.PaymentView"], views["shop.views.LedgerView"]
    assert http_calls(payment) == ["requests.post"], payment["effects"]
    assert [b["value"] for b in payment["routes"][0]["bindings"]] == ["shop.clients.HttpClient"]
    # The same shape binding a class without I/O: no HTTP, and no unknown call either.
    assert http_calls(ledger) == []
    assert not [u for u in ledger["unknown_calls"] if "charge" in u["expression"]]


def test_a_classmethod_factory_closure_is_read_statically_too(tmp_path: Path) -> None:
    """`ProviderView.adapter_view(GitHubAdapter)` routes ProviderView (not the adapter it
    is given), with `self.adapter` an instance of that adapter."""
    views = scan(project(tmp_path))
    github, dummy = views["shop.views.ProviderView"], views["shop.views.DummyProviderView"]
    assert [r["pattern"] for r in github["routes"]] == ["github/"]
    assert github["routes"][0]["bindings"] == [
        {"attribute": "adapter", "value": "shop.clients.GitHubAdapter", "kind": "instance"}
    ]
    assert http_calls(github) == ["requests.get"]
    assert http_calls(dummy) == []
    # The adapter classes it was given are not routed as views.
    routed = {v["id"] for v in views.values() if v["routes"]}
    assert not routed & {"shop.clients.GitHubAdapter", "shop.clients.DummyAdapter"}


def test_resolve_types_what_a_factory_closure_stores_on_the_view(tmp_path: Path) -> None:
    views = scan(project(tmp_path), "--resolve", "--python", sys.executable)
    github, dummy = views["shop.views.ProviderView"], views["shop.views.DummyProviderView"]
    assert [r["pattern"] for r in github["routes"]] == ["github/"]
    assert github["routes"][0]["bindings"] == [
        {"attribute": "adapter", "value": "shop.clients.GitHubAdapter", "kind": "instance"}
    ]
    assert http_calls(github) == ["requests.get"], github["effects"]
    # The sibling route's closure holds a class without I/O.
    assert dummy["routes"][0]["bindings"][0]["value"] == "shop.clients.DummyAdapter"
    assert http_calls(dummy) == []
    # initkwargs come through Django's own table as well.
    payment = views["shop.views.PaymentView"]
    assert payment["routes"][0]["bindings"] == [
        {"attribute": "client_class", "value": "shop.clients.HttpClient", "kind": "class"}
    ]
    assert http_calls(payment) == ["requests.post"]


def test_a_project_dispatch_is_part_of_every_request(tmp_path: Path) -> None:
    views = scan(project(tmp_path))
    audited = [e["kind"] for e in views["shop.views.AuditedView"]["effects"]]
    assert "db" in audited
    assert [e["kind"] for e in views["shop.views.PlainView"]["effects"] if e["kind"] == "db"] == []


def test_resolve_follows_the_dispatch_of_a_class_a_factory_closure_serves(tmp_path: Path) -> None:
    views = scan(project(tmp_path), "--resolve", "--python", sys.executable)
    callback = views["shop.views.CallbackView"]
    assert callback["routes"][0]["bindings"][0]["value"] == "shop.clients.GitHubAdapter"
    assert http_calls(callback) == ["requests.get"], callback["effects"]
