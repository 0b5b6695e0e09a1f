import csv
import io
import time
from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.stub_testcase import UpstreamStubTestCase, make_event, make_incident, make_service
from incidents.models import Incident


class IncidentListTests(UpstreamStubTestCase):
    def setUp(self):
        super().setUp()
        self.service = make_service("checkout")
        make_incident(self.service, title="Card payments failing", status="open")
        make_incident(self.service, title="Slow receipts", status="resolved")

    def test_lists_incidents(self):
        response = self.client.get(reverse("incidents:list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Card payments failing")
        self.assertContains(response, "Slow receipts")
        self.assertNoUpstreamCalls()

    def test_filters_by_status(self):
        response = self.client.get("/incidents/?status=open")
        self.assertContains(response, "Card payments failing")
        self.assertNotContains(response, "Slow receipts")


class IncidentDetailViewTests(UpstreamStubTestCase):
    def test_detail_with_timeline(self):
        incident = make_incident(make_service(), title="Card payments failing", commander="Ada")
        make_event(incident, "Alert fired", kind="alert")
        make_event(incident, "Rolled back 1.4.2", author="ada")
        response = self.client.get(incident.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Card payments failing")
        self.assertContains(response, "Incident commander: Ada")
        self.assertContains(response, "[alert] Alert fired")
        self.assertContains(response, "Rolled back 1.4.2 (ada)")
        self.assertContains(response, reverse("incidents:export-log", args=[incident.pk]))

    def test_missing_incident_is_404(self):
        self.assertEqual(self.client.get("/incidents/999/").status_code, 404)


class ExportIncidentLogTests(UpstreamStubTestCase):
    def test_streams_csv(self):
        incident = make_incident(make_service())
        make_event(incident, "Alert fired", kind="alert")
        make_event(incident, 'Message with "quotes", and commas', author="grace")
        response = self.client.get(reverse("incidents:export-log", args=[incident.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "text/csv")
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="incident-{incident.pk}-log.csv"'
        )
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.reader(io.StringIO(body)))
        self.assertEqual(rows[0], ["timestamp", "kind", "author", "message"])
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[1][1:], ["alert", "", "Alert fired"])
        self.assertEqual(rows[2][1:], ["note", "grace", 'Message with "quotes", and commas'])

    def test_missing_incident_is_404(self):
        self.assertEqual(self.client.get("/incidents/42/log.csv").status_code, 404)


class PollIncidentEventsTests(UpstreamStubTestCase):
    def setUp(self):
        super().setUp()
        self.incident = make_incident(make_service())
        self.first = make_event(self.incident, "Alert fired", kind="alert")
        self.url = reverse("incidents:poll-events", args=[self.incident.pk])

    def test_returns_immediately_when_events_exist(self):
        started = time.perf_counter()
        response = self.client.get(self.url, {"since": 0})
        elapsed = time.perf_counter() - started
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertFalse(data["timed_out"])
        self.assertEqual([e["message"] for e in data["events"]], ["Alert fired"])
        self.assertLess(elapsed, 0.5)

    def test_only_newer_events(self):
        second = make_event(self.incident, "Mitigated", kind="status")
        response = self.client.get(self.url, {"since": self.first.pk})
        self.assertEqual([e["id"] for e in response.json()["events"]], [second.pk])

    @override_settings(OPSDESK_LONGPOLL_ATTEMPTS=3)
    def test_times_out_when_nothing_new(self):
        started = time.perf_counter()
        response = self.client.get(self.url, {"since": self.first.pk})
        elapsed = time.perf_counter() - started
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"incident": self.incident.pk, "events": [], "timed_out": True})
        self.assertGreaterEqual(elapsed, 0.14)
        self.assertNoUpstreamCalls()

    def test_bad_since(self):
        self.assertEqual(self.client.get(self.url, {"since": "abc"}).status_code, 400)

    def test_missing_incident_is_404(self):
        self.assertEqual(self.client.get("/incidents/999/events/poll/").status_code, 404)


class IncidentAPITests(UpstreamStubTestCase):
    def setUp(self):
        super().setUp()
        self.api = APIClient()
        self.service = make_service("checkout")
        self.other = make_service("search", team="discovery")
        self.open = make_incident(self.service, title="Card payments failing", severity="sev1")
        self.resolved = make_incident(
            self.other,
            title="Search timeouts",
            status="resolved",
            opened_at=timezone.now() - timedelta(minutes=90),
            resolved_at=timezone.now() - timedelta(minutes=30),
        )

    def test_list_and_filter(self):
        response = self.api.get("/api/incidents/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], 2)
        response = self.api.get("/api/incidents/", {"status": "open"})
        self.assertEqual([i["title"] for i in response.json()["results"]], ["Card payments failing"])
        response = self.api.get("/api/incidents/", {"service": "search"})
        self.assertEqual([i["id"] for i in response.json()["results"]], [self.resolved.pk])
        self.assertNoUpstreamCalls()

    def test_create_retrieve_update_delete(self):
        response = self.api.post(
            "/api/incidents/",
            {"title": "Queue backlog", "service": "search", "severity": "sev2"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        self.assertEqual(Incident.objects.get(pk=pk).service, self.other)

        response = self.api.get(reverse("incident-detail", args=[pk]))
        self.assertEqual(response.json()["status"], "open")

        response = self.api.patch(f"/api/incidents/{pk}/", {"status": "mitigated"}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Incident.objects.get(pk=pk).status, "mitigated")

        response = self.api.delete(f"/api/incidents/{pk}/")
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Incident.objects.filter(pk=pk).exists())

    def test_create_validates_service(self):
        response = self.api.post(
            "/api/incidents/", {"title": "x", "service": "nope"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("service", response.json())

    def test_stats(self):
        response = self.api.get(reverse("api-incident-stats"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {
                "total": 2,
                "by_status": {"open": 1, "resolved": 1},
                "by_severity": {"sev1": 1, "sev3": 1},
                "mean_minutes_to_resolve": 60.0,
            },
        )

    def test_timeline(self):
        make_event(self.open, "Alert fired", kind="alert")
        make_event(self.open, "Paged on-call", author="bot")
        response = self.api.get(reverse("api-incident-timeline", args=[self.open.pk]))
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["title"], "Card payments failing")
        self.assertEqual([e["message"] for e in data["events"]], ["Alert fired", "Paged on-call"])
        self.assertEqual(self.api.get("/api/incidents/999/timeline/").status_code, 404)

    def test_timeline_is_get_only(self):
        self.assertEqual(self.api.post(f"/api/incidents/{self.open.pk}/timeline/").status_code, 405)
