import json

from django.test import override_settings
from django.urls import reverse

from core.stub_testcase import UpstreamStubTestCase
from integrations.models import WebhookEvent
from integrations.views import sign

SECRET = "test-webhook-secret"


@override_settings(OPSDESK_WEBHOOK_SECRET=SECRET)
class AlertWebhookTests(UpstreamStubTestCase):
    url = "/integrations/webhooks/alerts/"

    def post_alert(self, payload, signature=None, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {"X-Opsdesk-Signature": signature or sign(body, SECRET)}
        return self.client.post(self.url, body, content_type="application/json", headers=headers)

    def test_url_comes_from_app_config(self):
        self.assertEqual(reverse("integrations:alert-webhook"), self.url)

    def test_valid_alert_is_stored_and_forwarded(self):
        payload = {"source": "alertmanager", "type": "firing", "severity": "critical", "summary": "Checkout 5xx > 5%"}
        response = self.post_alert(payload)
        self.assertEqual(response.status_code, 202, response.content)
        event = WebhookEvent.objects.get()
        self.assertEqual(response.json(), {"id": event.pk, "forwarded": True})
        self.assertEqual((event.source, event.event_type, event.payload), ("alertmanager", "firing", payload))
        self.assertTrue(event.forwarded)
        self.assertUpstreamCalls([("POST", "/chat/api/messages")])
        self.assertEqual(
            self.stub.last_request("POST", "/chat/api/messages").body,
            {"channel": "#ops-alerts", "text": "[CRITICAL] Checkout 5xx > 5%", "event_id": event.pk},
        )

    def test_bad_signature_is_rejected(self):
        response = self.post_alert({"summary": "x"}, signature="sha256=" + "0" * 64)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(WebhookEvent.objects.exists())
        self.assertNoUpstreamCalls()

    def test_missing_signature_is_rejected(self):
        response = self.client.post(self.url, "{}", content_type="application/json")
        self.assertEqual(response.status_code, 403)

    def test_body_must_be_json_object(self):
        self.assertEqual(self.post_alert(None, raw=b"not json").status_code, 400)
        self.assertEqual(self.post_alert([1, 2]).status_code, 400)
        self.assertNoUpstreamCalls()

    def test_chat_outage_keeps_event(self):
        self.stub.set_response("POST", "/chat/api/messages", 500, {"error": "down"})
        response = self.post_alert({"summary": "Disk full"})
        self.assertEqual(response.status_code, 202)
        self.assertFalse(response.json()["forwarded"])
        self.assertFalse(WebhookEvent.objects.get().forwarded)

    def test_get_not_allowed(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)


class WebhookEventListTests(UpstreamStubTestCase):
    def test_lists_recent_events(self):
        WebhookEvent.objects.create(source="alertmanager", event_type="firing", payload={}, forwarded=True)
        WebhookEvent.objects.create(source="grafana", event_type="resolved", payload={})
        response = self.client.get(reverse("integrations:webhook-events"))
        self.assertEqual(response.status_code, 200)
        events = response.json()["events"]
        self.assertEqual([e["source"] for e in events], ["grafana", "alertmanager"])
        response = self.client.get(reverse("integrations:webhook-events"), {"source": "grafana"})
        self.assertEqual([e["type"] for e in response.json()["events"]], ["resolved"])
        self.assertNoUpstreamCalls()
