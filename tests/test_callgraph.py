"""The call graph: effects found below the view (services, mixins, managers, re-exports)
with the chain kept as evidence, cycles handled, loops multiplied, confidence recorded and
unresolvable calls counted."""

from __future__ import annotations

from pathlib import Path

from advisor.model import Confidence
from snippets import calls, view_of


def test_three_deep_chain_across_modules_with_aliases(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        from shop import services as svc
        def view(request):
            return svc.quote_all()
    """, files={
        "shop/services.py": "from shop.carriers import fetch as carrier_fetch\n"
                            "def quote_all():\n    return carrier_fetch('a')\n",
        "shop/carriers.py": "import requests\n"
                            "def fetch(name):\n    return requests.get(name, timeout=3)\n",
    })
    (effect,) = view.effects
    assert effect.call == "requests.get"
    assert [link.function for link in effect.chain] == [
        "shop.views.view", "shop.services.quote_all", "shop.carriers.fetch"]
    assert effect.location.path == "shop/carriers.py" and effect.location.line == 3
    assert effect.confidence == Confidence.EXACT


def test_reexport_through_package_init_and_relative_import(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        from .clients import fetch
        def view(request):
            return fetch()
    """, files={
        "shop/clients/__init__.py": "from .http import fetch\n",
        "shop/clients/http.py": "import time\ndef fetch():\n    time.sleep(1)\n",
    })
    assert calls(view, "sleep") == ["time.sleep"]


def test_mixin_method_through_self_in_class_based_view(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        from django.views import View
        from shop.mixins import UpstreamMixin
        class StatusView(UpstreamMixin, View):
            def get(self, request):
                return self.fetch_status()
    """, view_id="shop.views.StatusView", files={
        "shop/mixins.py": "import requests\nclass UpstreamMixin:\n"
                          "    def fetch_status(self):\n"
                          "        return requests.get('http://127.0.0.1', timeout=1)\n",
        "urls.py": "from django.urls import path\nfrom shop.views import StatusView\n"
                   "urlpatterns = [path('s/', StatusView.as_view())]\n",
    })
    assert calls(view, "http") == ["requests.get"]
    assert view.effects[0].chain[1].function == "shop.mixins.UpstreamMixin.fetch_status"


def test_super_call_and_custom_manager(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        from shop.models import Book
        def view(request):
            return Book.published.recent()
    """, files={"shop/models.py": """
from django.db import models

class BookQuerySet(models.QuerySet):
    def recent(self):
        return self.filter(year__gte=2020).count()

class Book(models.Model):
    published = BookQuerySet.as_manager()
"""})
    assert "django.db.models.QuerySet.count" in calls(view, "db")


def test_cycles_terminate_and_loops_multiply(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        import requests
        def ping(n):
            if n:
                pong(n - 1)
            return requests.get("http://127.0.0.1", timeout=1)
        def pong(n):
            return ping(n)
        def view(request):
            for _ in range(4):
                ping(3)
    """)
    http = [e for e in view.effects if e.kind.value == "http"]
    assert http and http[0].multiplier == 4


def test_n_plus_one_in_a_loop_is_visible(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        from shop.models import Author
        def view(request):
            names = []
            for author in Author.objects.all():
                names.append(author.books.count())
            return names
    """)
    counts = [e for e in view.effects if e.call.endswith(".count")]
    assert counts and counts[0].in_loop and counts[0].multiplier > 1
    assert view.score is not None and any("N+1" in r for r in view.score.reasons)


def test_unknown_calls_are_counted(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        HANDLERS = {}
        def view(request, callback=None):
            getattr(request, "handler")()
            HANDLERS["x"]()
            callback()
            return 1
    """)
    reasons = sorted(u.reason for u in view.unknown_calls)
    assert reasons == ["calls a callback passed in as an argument",
                       "calls an item looked up at run time", "getattr() dispatch"]


def test_sync_to_async_wrapped_helper_does_not_block(tmp_path: Path) -> None:
    view = view_of(tmp_path, """
        from asgiref.sync import sync_to_async
        import requests
        def fetch():
            return requests.get("http://127.0.0.1", timeout=1)
        async def view(request):
            return await sync_to_async(fetch)()
    """)
    assert view.score is not None
    assert view.score.category.value == "already async"
    assert all(not e.blocking for e in view.effects)
