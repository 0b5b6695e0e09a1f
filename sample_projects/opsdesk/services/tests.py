from django.urls import reverse

from core.stub_testcase import UpstreamStubTestCase, make_incident, make_service
from services.models import HealthCheck, Service


class ServiceListTests(UpstreamStubTestCase):
    def setUp(self):
        super().setUp()
        make_service("checkout", team="payments")
        make_service("search", team="discovery", tier=Service.Tier.BEST_EFFORT)

    def test_lists_services(self):
        response = self.client.get(reverse("services:list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Checkout")
        self.assertContains(response, "Search")
        self.assertContains(response, "Tier 3 (best effort)")
        self.assertNoUpstreamCalls()

    def test_filters_by_team(self):
        response = self.client.get("/services/?team=discovery")
        self.assertContains(response, "owned by discovery")
        self.assertContains(response, "Search")
        self.assertNotContains(response, "Checkout")


class ServiceDetailTests(UpstreamStubTestCase):
    def test_detail_shows_open_incidents_and_checks(self):
        service = make_service("checkout")
        make_incident(service, title="Card payments failing", status="open")
        make_incident(service, title="Old resolved thing", status="resolved")
        HealthCheck.objects.create(service=service, status="operational", latency_ms=120)
        response = self.client.get(reverse("services:detail", kwargs={"slug": "checkout"}))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Card payments failing")
        self.assertNotContains(response, "Old resolved thing")
        self.assertContains(response, "operational (120 ms)")
        self.assertNoUpstreamCalls()

    def test_unknown_service_is_404(self):
        self.assertEqual(self.client.get("/services/nope/").status_code, 404)


class HealthOverviewTests(UpstreamStubTestCase):
    def test_all_components_ok(self):
        response = self.client.get(reverse("services:health-overview"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"status": "ok", "components": {"api": "ok", "database": "ok", "queue": "ok"}},
        )
        self.assertUpstreamCalls(
            [("GET", "/health/api"), ("GET", "/health/database"), ("GET", "/health/queue")]
        )

    def test_degraded_when_a_component_fails(self):
        self.stub.set_response("GET", "/health/database", 503, {"status": "down"})
        response = self.client.get("/services/health/")
        self.assertEqual(response.status_code, 503)
        data = response.json()
        self.assertEqual(data["status"], "degraded")
        self.assertEqual(data["components"]["database"], "down")
        self.assertEqual(data["components"]["queue"], "ok")
        self.assertEqual(len(self.stub.calls()), 3)


class ServiceStatusViewTests(UpstreamStubTestCase):
    def test_fetches_status_and_metrics_and_records_check(self):
        service = make_service("checkout")
        response = self.client.get(reverse("services:status", kwargs={"slug": "checkout"}))
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["service"], "checkout")
        self.assertEqual(data["status"], "operational")
        self.assertEqual(data["region"], "eu-west-1")
        self.assertEqual(data["p95_ms"], 182)
        self.assertEqual(data["page_title"], "Service status")
        self.assertUpstreamCalls(
            [("GET", "/services/checkout/status"), ("GET", "/services/checkout/metrics")]
        )
        check = HealthCheck.objects.get(service=service)
        self.assertEqual((check.status, check.latency_ms), ("operational", 182))

    def test_unknown_service_does_not_call_upstream(self):
        response = self.client.get("/services/ghost/status/")
        self.assertEqual(response.status_code, 404)
        self.assertNoUpstreamCalls()

    def test_post_not_allowed(self):
        make_service("checkout")
        self.assertEqual(self.client.post("/services/checkout/status/").status_code, 405)
        self.assertNoUpstreamCalls()
