from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from core.stub_testcase import (
    UpstreamStubTestCase,
    make_deploy,
    make_incident,
    make_service,
    make_shift,
)
from deploys.models import Deploy


class NamespaceTests(UpstreamStubTestCase):
    def test_three_level_namespaces(self):
        self.assertEqual(reverse("dashboard:home"), "/dashboard/")
        self.assertEqual(reverse("dashboard:widgets:oncall"), "/dashboard/widgets/oncall/")
        self.assertEqual(
            reverse("dashboard:widgets:recent-deploys", kwargs={"limit": "5"}),
            "/dashboard/widgets/deploys/5/",
        )
        self.assertEqual(
            reverse("dashboard:widgets:panels:sla-budget"), "/dashboard/widgets/panels/sla/"
        )
        self.assertEqual(
            reverse("dashboard:widgets:panels:incident-heatmap"),
            "/dashboard/widgets/panels/heatmap/",
        )


class HomeTests(UpstreamStubTestCase):
    def test_home(self):
        service = make_service("checkout")
        make_incident(service, title="Card payments failing", severity="sev1")
        make_incident(service, title="Ancient history", status="resolved")
        make_deploy(service, "1.4.2", status=Deploy.Status.SUCCEEDED)
        make_shift("payments", "Ada Lovelace")
        response = self.client.get("/dashboard/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "1 services registered.")
        self.assertContains(response, "[SEV1] Card payments failing")
        self.assertNotContains(response, "Ancient history")
        self.assertContains(response, "payments: Ada Lovelace")
        self.assertContains(response, "Checkout 1.4.2")
        self.assertNoUpstreamCalls()

    def test_empty_home(self):
        response = self.client.get(reverse("dashboard:home"))
        self.assertContains(response, "All quiet.")
        self.assertContains(response, "Nobody is on call.")


class SummaryTests(UpstreamStubTestCase):
    def test_summary_counts(self):
        service = make_service("checkout")
        make_incident(service, title="Older", severity="sev1", opened_at=timezone.now() - timedelta(hours=2))
        make_incident(service, title="Newest", severity="sev2", status="mitigated")
        make_incident(service, title="Done", status="resolved", opened_at=timezone.now() - timedelta(days=1))
        make_deploy(service, "1.6.0", status=Deploy.Status.RUNNING)
        make_deploy(service, "1.5.0", status=Deploy.Status.SUCCEEDED)
        response = self.client.get(reverse("dashboard:summary"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"open_incidents": 2, "sev1_open": 1, "running_deploys": 1, "latest_incident": "Newest"},
        )
        self.assertNoUpstreamCalls()

    def test_summary_empty(self):
        response = self.client.get("/dashboard/summary/")
        self.assertEqual(response.json()["latest_incident"], None)


class OnCallWidgetTests(UpstreamStubTestCase):
    def test_shows_pager_oncall(self):
        response = self.client.get(reverse("dashboard:widgets:oncall"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"available": True, "engineer": "Grace Hopper", "until": "2030-01-01T09:00:00Z"},
        )
        self.assertUpstreamCalls([("GET", "/pager/api/oncall")])

    def test_pager_unavailable(self):
        self.stub.set_response("GET", "/pager/api/oncall", 500, {})
        response = self.client.get("/dashboard/widgets/oncall/")
        self.assertEqual(response.status_code, 502)
        self.assertEqual(response.json(), {"available": False})


class RecentDeploysWidgetTests(UpstreamStubTestCase):
    def test_limit_from_re_path(self):
        service = make_service("checkout")
        for n in range(4):
            make_deploy(service, f"1.{n}.0")
        response = self.client.get("/dashboard/widgets/deploys/2/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual([d["version"] for d in response.json()["deploys"]], ["1.3.0", "1.2.0"])
        self.assertNoUpstreamCalls()

    def test_limit_must_be_small_number(self):
        self.assertEqual(self.client.get("/dashboard/widgets/deploys/100/").status_code, 404)
        self.assertEqual(self.client.get("/dashboard/widgets/deploys/x/").status_code, 404)


class IncidentHeatmapTests(UpstreamStubTestCase):
    def test_bins_by_weekday_and_hour(self):
        service = make_service()
        opened = (timezone.now() - timedelta(days=2)).replace(hour=14, minute=5)
        make_incident(service, opened_at=opened)
        make_incident(service, opened_at=opened + timedelta(minutes=10))
        make_incident(service, opened_at=timezone.now() - timedelta(days=60))
        response = self.client.get(reverse("dashboard:widgets:panels:incident-heatmap"))
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["total"], 2)
        self.assertEqual(data["grid"][opened.weekday()][14], 2)
        self.assertEqual(len(data["grid"]), 7)
        self.assertEqual(data["days"][0], "Mon")
        self.assertNoUpstreamCalls()


class SlaBudgetTests(UpstreamStubTestCase):
    def test_budget(self):
        response = self.client.get(
            reverse("dashboard:widgets:panels:sla-budget"),
            {"target": "99.9", "days": "30", "downtime": "21.6"},
        )
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["budget_minutes"], 43.2)
        self.assertEqual(data["remaining_minutes"], 21.6)
        self.assertEqual(data["budget_used_pct"], 50.0)
        self.assertEqual(data["nines"], 3.0)
        self.assertFalse(data["exhausted"])

    def test_exhausted_budget(self):
        response = self.client.get("/dashboard/widgets/panels/sla/", {"target": "99.99", "downtime": "10"})
        self.assertTrue(response.json()["exhausted"])

    def test_bad_input(self):
        self.assertEqual(self.client.get("/dashboard/widgets/panels/sla/", {"target": "x"}).status_code, 400)
        self.assertEqual(self.client.get("/dashboard/widgets/panels/sla/", {"target": "100"}).status_code, 400)
