import time

import requests
from django.test import AsyncClient, SimpleTestCase
from django.urls import reverse

from core.stub_testcase import UpstreamStubTestCase
from opsdesk.stub_upstream import StubUpstream


class PingTests(UpstreamStubTestCase):
    def test_ping(self):
        response = self.client.get(reverse("ping"))
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["service"], "opsdesk")
        self.assertTrue(data["ok"])
        self.assertEqual(data["request_id"], response["X-Request-ID"])
        self.assertNoUpstreamCalls()


class MiddlewareTests(UpstreamStubTestCase):
    def test_request_id_is_generated(self):
        response = self.client.get("/ping/")
        self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{32}$")

    def test_request_id_is_propagated(self):
        response = self.client.get("/ping/", headers={"X-Request-ID": "req-1234-abcd"})
        self.assertEqual(response["X-Request-ID"], "req-1234-abcd")
        self.assertEqual(response.json()["request_id"], "req-1234-abcd")

    def test_garbage_request_id_is_replaced(self):
        response = self.client.get("/ping/", headers={"X-Request-ID": "<script>"})
        self.assertNotEqual(response["X-Request-ID"], "<script>")

    def test_timing_header(self):
        response = self.client.get("/ping/")
        self.assertGreaterEqual(float(response["X-Response-Time-Ms"]), 0.0)

    async def test_middleware_under_async_client(self):
        response = await AsyncClient().get("/ping/", headers={"X-Request-ID": "async-req-0001"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Request-ID"], "async-req-0001")
        self.assertIn("X-Response-Time-Ms", response)


class StubUpstreamTests(SimpleTestCase):
    def test_canned_answers_and_log(self):
        with StubUpstream() as stub:
            health = requests.get(f"{stub.url}/health/queue?verbose=1", timeout=3)
            chat = requests.post(f"{stub.url}/chat/api/messages", json={"channel": "#x"}, timeout=3)
            missing = requests.get(f"{stub.url}/nope", timeout=3)
        self.assertEqual(health.json()["component"], "queue")
        self.assertEqual(chat.status_code, 201)
        self.assertEqual(chat.json()["channel"], "#x")
        self.assertEqual(missing.status_code, 404)
        self.assertEqual(
            stub.calls(),
            [("GET", "/health/queue"), ("POST", "/chat/api/messages"), ("GET", "/nope")],
        )
        self.assertEqual(stub.requests()[0].query, {"verbose": "1"})
        self.assertEqual(stub.last_request("POST", "/chat/api/messages").body, {"channel": "#x"})

    def test_overrides_and_latency(self):
        with StubUpstream(latency_ms=60) as stub:
            stub.set_response("GET", "/health/api", 503, {"status": "down"})
            started = time.perf_counter()
            response = requests.get(f"{stub.url}/health/api", timeout=3)
            elapsed = time.perf_counter() - started
            stub.reset()
            self.assertEqual(stub.calls(), [])
            after_reset = requests.get(f"{stub.url}/health/api", timeout=3)
        self.assertEqual(response.status_code, 503)
        self.assertGreaterEqual(elapsed, 0.06)
        self.assertEqual(after_reset.json()["status"], "ok")


class SeedDemoCommandTests(UpstreamStubTestCase):
    def test_seed_is_idempotent(self):
        from io import StringIO

        from django.core.management import call_command

        from incidents.models import Incident
        from services.models import Service

        for _ in range(2):
            out = StringIO()
            call_command("seed_demo", stdout=out)
            self.assertIn("Demo data ready.", out.getvalue())
        self.assertEqual(Service.objects.count(), 3)
        self.assertEqual(Incident.objects.count(), 2)
        self.assertContains(self.client.get("/dashboard/"), "Card payments failing")
