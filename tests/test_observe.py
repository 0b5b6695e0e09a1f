"""`advisor observe -- CMD`: per-view SQL and outbound HTTP from a project's own test run,
checked against counts the tests take independently (Django's CaptureQueriesContext, and
the requests a stub server on 127.0.0.1 receives)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from test_report_html import chromium, open_report  # noqa: F401  (its browser fixtures)

SETTINGS = """
SECRET_KEY = "x"
ROOT_URLCONF = "urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
"""

VIEWS = """
import os

import aiohttp
import pycurl
import requests
from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views import View

UPSTREAM = os.environ["SHOP_UPSTREAM"]


def quote(request):
    names = list(User.objects.values_list("username", flat=True))
    count = User.objects.count()
    first = requests.get(UPSTREAM + "/a", timeout=5).status_code
    second = requests.post(UPSTREAM + "/b", timeout=5).status_code
    return JsonResponse({"n": len(names), "c": count, "s": [first, second]})


class Stock(View):
    def get(self, request):
        return JsonResponse({"n": User.objects.filter(is_staff=True).count()})


def notify(request):
    return JsonResponse({"s": requests.post(UPSTREAM + "/notify", timeout=5).status_code})


def hidden(request):
    send = getattr(requests, "po" + "st")  # no code analysis can name this call
    return JsonResponse({"s": send(UPSTREAM + "/hidden", timeout=5).status_code})


def rarely(request):
    if request.GET.get("sync"):
        requests.get(UPSTREAM + "/rarely", timeout=5)
    return JsonResponse({})


class Upstream:
    def ping(self):
        return requests.get(UPSTREAM + "/ping", timeout=5).status_code


def ping(request):
    return JsonResponse({"s": Upstream().ping()})


def curl(request):
    handle = pycurl.Curl()
    handle.setopt(pycurl.URL, UPSTREAM + "/curl")
    handle.setopt(pycurl.WRITEFUNCTION, lambda chunk: None)
    handle.perform()
    return JsonResponse({"s": handle.getinfo(pycurl.RESPONSE_CODE)})


async def fetch(request):
    async with aiohttp.ClientSession() as session, session.get(UPSTREAM + "/aio") as reply:
        return JsonResponse({"s": reply.status})
"""

URLS = """
from django.urls import path

from shop import views

urlpatterns = [
    path("quote/", views.quote),
    path("stock/", views.Stock.as_view()),
    path("notify/", views.notify),
    path("hidden/", views.hidden),
    path("rarely/", views.rarely),
    path("fetch/", views.fetch),
    path("curl/", views.curl),
    path("ping/", views.ping),
]
"""

TESTS = """
import json
import os
from unittest import mock

from django.db import connection
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext

from shop import views

COUNTS = os.environ["SHOP_COUNTS"]


def record(name, value):
    with open(COUNTS, "a") as handle:
        handle.write(json.dumps({name: value}) + "\\n")


class QuoteTests(TestCase):
    def test_quote_through_the_client(self):
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get("/quote/").status_code, 200)
        record("quote_sql", len(queries))

    def test_stock_called_directly(self):
        request = RequestFactory().get("/stock/")
        with CaptureQueriesContext(connection) as queries:
            views.Stock.as_view()(request)
        record("stock_sql", len(queries))


class NotifyTests(TestCase):
    @mock.patch("shop.views.requests.post")
    def test_notify_with_a_double(self, post):
        post.return_value.status_code = 202
        self.client.get("/notify/")
        record("notify_double_calls", post.call_count)


class EvidenceTests(TestCase):
    def test_hidden_and_rare_calls(self):
        self.client.get("/hidden/")
        self.client.get("/rarely/")

    def test_async_view_with_aiohttp(self):
        self.assertEqual(self.client.get("/fetch/").status_code, 200)

    def test_pycurl(self):
        self.assertEqual(self.client.get("/curl/").json(), {"s": 200})

    def test_ping_with_a_hand_written_double(self):
        views.Upstream.ping = lambda self: 204
        self.assertEqual(self.client.get("/ping/").json(), {"s": 204})
"""


class _Upstream(BaseHTTPRequestHandler):
    hits: list[str] = []

    def _answer(self) -> None:
        _Upstream.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    _Upstream.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def make_project(root: Path) -> None:
    files = {
        "manage.py": "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n",
        "settings.py": SETTINGS,
        "urls.py": URLS,
        "shop/__init__.py": "",
        "shop/views.py": VIEWS,
        "shop/tests.py": TESTS,
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")


def observe(root: Path, upstream: str, *test_args: str) -> tuple[subprocess.CompletedProcess[str],
                                                                 dict[str, object], dict[str, int]]:
    counts = root / "counts.jsonl"
    env = {**os.environ, "SHOP_UPSTREAM": upstream, "SHOP_COUNTS": str(counts)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [sys.executable, "-m", "advisor", "observe", "--",
         sys.executable, "manage.py", "test", *test_args],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    data = json.loads((root / ".advisor" / "observed.json").read_text())
    independent: dict[str, int] = {}
    for line in counts.read_text().splitlines():
        independent.update(json.loads(line))
    return completed, data, independent


def test_observe_counts_equal_the_tests_own_counts(tmp_path: Path, upstream: str) -> None:
    make_project(tmp_path)
    completed, data, independent = observe(tmp_path, upstream)
    assert completed.returncode == 0, completed.stderr
    assert "observed 8 requests to 8 views" in completed.stderr
    assert data["schema_version"] == "1.0"
    views = data["views"]
    assert isinstance(views, dict)
    quote = views["shop.views.quote"]
    # Django's own count of the queries, and the stub server's count of the requests.
    assert quote["sql"] == independent["quote_sql"] == 2
    assert quote["http"] == len([h for h in _Upstream.hits if h in ("/a", "/b")]) == 2
    assert quote["sql_ms"] > 0 and quote["http_ms"] > 0
    # A view called directly with a RequestFactory request is the view's too.
    stock = views["shop.views.Stock"]
    assert stock["direct_calls"] == 1 and stock["sql"] == independent["stock_sql"] == 1
    # A unittest.mock double of requests.post is an outbound attempt.
    assert views["shop.views.notify"]["http"] == independent["notify_double_calls"] == 1
    # An async view's aiohttp call (aiohttp has its own connector, not http.client).
    assert views["shop.views.fetch"]["http"] == _Upstream.hits.count("/aio") == 1
    assert views["shop.views.curl"]["http"] == _Upstream.hits.count("/curl") == 1
    # A method that sends, replaced by hand in the test, is a test double too.
    assert views["shop.views.ping"]["http"] == 1 and "/ping" not in _Upstream.hits
    assert views["shop.views.ping"]["http_calls"] == ["hand-written double of Upstream.ping"]
    # Each effect keeps the chain of project frames down to its call site.
    sites = {s["kind"]: s for s in quote["sites"].values()}
    assert sites["http"]["chain"][-1].startswith("shop/views.py:")
    assert sites["http"]["chain"][-1].endswith(" quote")
    # The chain starts at the view: the test and the test client above it are left out.
    assert not any("tests.py" in link for s in quote["sites"].values() for link in s["chain"])
    tests = data["tests"]
    assert isinstance(tests, dict) and len(tests) == 7
    assert {t["outcome"] for t in tests.values()} == {"passed"}


def test_observe_collects_forked_parallel_workers(tmp_path: Path, upstream: str) -> None:
    make_project(tmp_path)
    completed, data, _ = observe(tmp_path, upstream, "--parallel", "2")
    assert completed.returncode == 0, completed.stderr
    views = data["views"]
    assert isinstance(views, dict)
    assert set(views) == {"shop.views.quote", "shop.views.Stock", "shop.views.notify",
                          "shop.views.hidden", "shop.views.rarely", "shop.views.fetch",
                          "shop.views.curl", "shop.views.ping"}
    assert views["shop.views.quote"]["sql"] == 2
    tests = data["tests"]
    assert isinstance(tests, dict) and len(tests) == 7


# A runner whose result class records outcomes its own way (xmlrunner's does): addSuccess
# and addError overridden without calling TestResult's.
RUNNER = """
import unittest
from django.test.runner import DiscoverRunner


class OwnResult(unittest.TextTestResult):
    def addSuccess(self, test):
        self.stream.write("ok ")

    def addError(self, test, err):
        self.errors.append((test, "own"))


class OwnRunner(DiscoverRunner):
    def get_resultclass(self):
        return OwnResult
"""


def test_observe_counts_outcomes_of_a_runner_with_its_own_result_class(
    tmp_path: Path, upstream: str
) -> None:
    make_project(tmp_path)
    (tmp_path / "shop" / "runner.py").write_text(RUNNER, encoding="utf-8")
    completed, data, _ = observe(tmp_path, upstream, "--testrunner", "shop.runner.OwnRunner")
    assert "ok " in completed.stderr, completed.stderr  # the runner's own result class ran
    tests = data["tests"]
    assert isinstance(tests, dict) and len(tests) == 7
    assert {t["outcome"] for t in tests.values()} == {"passed"}
    assert data["views"]["shop.views.quote"]["sql"] == 2


def test_observe_collects_pytest_xdist_workers(tmp_path: Path, upstream: str) -> None:
    make_project(tmp_path)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nDJANGO_SETTINGS_MODULE = settings\npython_files = tests.py\n"
    )
    counts = tmp_path / "counts.jsonl"
    env = {**os.environ, "SHOP_UPSTREAM": upstream, "SHOP_COUNTS": str(counts)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [sys.executable, "-m", "advisor", "observe", "--", sys.executable, "-m", "pytest",
         "-q", "-n", "2", "-p", "no:cacheprovider"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    data = json.loads((tmp_path / ".advisor" / "observed.json").read_text())
    views = data["views"]
    assert views["shop.views.quote"]["sql"] == 2 and views["shop.views.quote"]["http"] == 2
    assert views["shop.views.Stock"]["direct_calls"] == 1
    assert views["shop.views.notify"]["http"] == 1
    tests = data["tests"]
    assert len(tests) == 7 and {t["outcome"] for t in tests.values()} == {"passed"}


def test_scan_merges_the_record_and_flags_every_disagreement(tmp_path: Path,
                                                              upstream: str) -> None:
    make_project(tmp_path)
    observe(tmp_path, upstream)
    scan = subprocess.run(
        [sys.executable, "-m", "advisor", "scan", str(tmp_path), "--format", "json",
         "--no-cache", "--jobs", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert scan.returncode == 0, scan.stderr
    views = {v["id"]: v for v in json.loads(scan.stdout)["views"]}
    quote = views["shop.views.quote"]["observed"]
    assert (quote["requests"], quote["sql_per_request"], quote["http_per_request"]) == (1, 2, 2)
    assert quote["disagreements"] == []
    # Per route too: the requests the run sent through each route, beside the prediction.
    (route,) = views["shop.views.quote"]["routes"]
    assert route["pattern"] == "quote/"
    assert route["observed"] == {"requests": 1, "sql_per_request": 2, "http_per_request": 2}
    assert views["shop.views.rarely"]["routes"][0]["observed"]["requests"] == 1
    # A view called directly (RequestFactory) has evidence, but its route saw no request.
    assert views["shop.views.Stock"]["observed"]["direct_calls"] == 1
    assert views["shop.views.Stock"]["routes"][0]["observed"] is None
    # HTTP the code analysis cannot see: flagged, and counted by the time model.
    hidden = views["shop.views.hidden"]
    assert hidden["observed"]["disagreements"][0].startswith(
        "observed http, not predicted: shop/views.py:")
    observed_effects = [e for e in hidden["effects"] if e["confidence"] == "observed"]
    assert [e["kind"] for e in observed_effects] == ["http"]
    assert hidden["score"]["overlap_ms"] > 0
    # A predicted call the run never made is flagged, not dropped.
    rarely = views["shop.views.rarely"]
    assert rarely["observed"]["disagreements"] == ["predicted http, never observed in 1 requests"]
    assert any(e["kind"] == "http" for e in rarely["effects"])
    # Views the run never reached carry no evidence.
    assert all(v["observed"] is None for k, v in views.items() if not k.startswith("shop."))


def test_observe_keeps_the_commands_exit_code_and_writes_the_record(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "advisor", "observe", "--", sys.executable, "-c",
         "raise SystemExit(3)"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert completed.returncode == 3
    data = json.loads((tmp_path / ".advisor" / "observed.json").read_text())
    assert data["returncode"] == 3 and data["requests"] == []


@pytest.mark.browser
def test_the_html_report_shows_the_observed_chain(tmp_path: Path, upstream: str,
                                                   open_report: Any) -> None:
    make_project(tmp_path)
    observe(tmp_path, upstream)
    report = tmp_path / "report.html"
    subprocess.run(
        [sys.executable, "-m", "advisor", "scan", str(tmp_path), "--format", "html", "-o",
         str(report), "--no-cache", "--jobs", "1"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    watched = open_report(report)
    page = watched.page
    page.click("#view-table tr[data-view-id='shop.views.hidden']")
    page.wait_for_selector("#detail[open]")
    detail = page.locator("#detail").inner_text()
    assert "Observed in the test run (1 requests)" in detail
    assert "disagrees: observed http, not predicted: shop/views.py:" in detail
    assert "shop/views.py:" in page.locator("#detail ul.sites").inner_text()
    watched.assert_clean()
