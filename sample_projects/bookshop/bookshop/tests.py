import json
import subprocess
import sys
import time
from pathlib import Path
from unittest import skipUnless

import requests
from django.conf import settings
from django.test import SimpleTestCase
from django.urls import URLResolver, get_resolver

from bookshop.stub_upstream import StubUpstream

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXPECTATIONS = PROJECT_DIR.parent.parent / "tests" / "expectations" / "bookshop.json"


def routed_project_views():
    """{view id: [url path, ...]} for every routed view defined in this project."""
    found = {}

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
                continue
            view = getattr(entry.callback, "view_class", entry.callback)
            if view.__module__.startswith("django."):
                continue
            found.setdefault(f"{view.__module__}.{view.__qualname__}", []).append(route)

    walk(get_resolver().url_patterns, "/")
    return found


class ProjectSettingsTests(SimpleTestCase):
    def test_atomic_requests_is_off(self):
        self.assertFalse(settings.DATABASES["default"]["ATOMIC_REQUESTS"])

    def test_routed_views(self):
        views = routed_project_views()
        self.assertEqual(views["shipping.views.shipping_quotes"], ["/shipping/quotes/"])
        self.assertEqual(views["catalog.views.book_detail"], ["/catalog/books/<int:pk>/"])
        self.assertEqual(views["catalog.views.BookSearchView"], ["/catalog/search/"])
        self.assertEqual(len(views), 16)
        self.assertNotIn("catalog.views.legacy_export", views)

    @skipUnless(EXPECTATIONS.exists(), "expectations file not present")
    def test_expectations_cover_exactly_the_routed_views(self):
        data = json.loads(EXPECTATIONS.read_text())
        self.assertEqual(data["project"], "bookshop")
        self.assertEqual(set(data["views"]), set(routed_project_views()))


class StubUpstreamTests(SimpleTestCase):
    def test_logs_requests_and_applies_latency(self):
        with StubUpstream(latency_ms=60) as stub:
            started = time.monotonic()
            response = requests.get(f"{stub.url}/status", timeout=5)
            elapsed = time.monotonic() - started
            self.assertEqual(response.json()["status"], "ok")
            self.assertGreaterEqual(elapsed, 0.06)
            response = requests.post(
                f"{stub.url}/payments/charges", json={"amount": "1.00"}, timeout=5
            )
            self.assertEqual(response.status_code, 201)
            self.assertEqual(response.json()["id"], "ch_00001")
            self.assertEqual(
                [(r.method, r.path) for r in stub.requests],
                [("GET", "/status"), ("POST", "/payments/charges")],
            )
            self.assertLessEqual(stub.requests[0].time, stub.requests[1].time)
            self.assertEqual(requests.get(f"{stub.url}/nope", timeout=5).status_code, 404)
            stub.reset()
            self.assertEqual(stub.requests, [])
        with self.assertRaises(requests.ConnectionError):
            requests.get(f"{stub.url}/status", timeout=1)

    def test_tracking_is_in_transit_then_delivered_per_parcel(self):
        stub = StubUpstream().start()
        try:
            statuses = [
                requests.get(f"{stub.url}/tracking/{n}", timeout=5).json()["status"]
                for n in ["A", "A", "B", "A"]
            ]
        finally:
            stub.stop()
        self.assertEqual(statuses, ["in_transit", "delivered", "in_transit", "delivered"])

    def test_runs_standalone(self):
        proc = subprocess.Popen(
            [sys.executable, "-m", "bookshop.stub_upstream", "--port", "0", "--latency-ms", "1"],
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            line = proc.stdout.readline()
            self.assertIn("listening on http://127.0.0.1:", line)
            url = line.split()[4]
            response = requests.get(f"{url}/carriers/swiftship/quote", timeout=5)
            self.assertEqual(response.json()["price"], "5.10")
        finally:
            proc.terminate()
            proc.wait(timeout=5)
            proc.stdout.close()
