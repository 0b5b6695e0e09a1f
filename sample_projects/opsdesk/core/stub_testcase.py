"""Test helpers: a TestCase wired to the stub upstream, plus data builders.

The stub is a real HTTP server on 127.0.0.1; nothing in the tests mocks
requests, so the same tests keep working when the views move to httpx/async.
"""
from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from deploys.models import Deploy
from incidents.models import Incident, IncidentEvent
from oncall.models import OnCallShift
from opsdesk.stub_upstream import StubUpstream
from services.models import Service


class UpstreamStubTestCase(TestCase):
    """Starts one stub upstream per test class and points settings at it."""

    stub_latency_ms = 0

    @classmethod
    def setUpClass(cls):
        cls.stub = StubUpstream(latency_ms=cls.stub_latency_ms).start()
        cls.addClassCleanup(cls.stub.stop)
        cls.enterClassContext(override_settings(UPSTREAM_BASE_URL=cls.stub.url))
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.stub.reset()

    def assertUpstreamCalls(self, expected):
        self.assertEqual(self.stub.calls(), expected)

    def assertNoUpstreamCalls(self):
        self.assertEqual(self.stub.calls(), [])


def make_service(slug="checkout", name=None, team="payments", tier=Service.Tier.CRITICAL):
    return Service.objects.create(
        slug=slug, name=name or slug.replace("-", " ").title(), team=team, tier=tier
    )


def make_incident(service, title="Checkout errors", **fields):
    return Incident.objects.create(service=service, title=title, **fields)


def make_event(incident, message="Investigating", kind=IncidentEvent.Kind.NOTE, **fields):
    return IncidentEvent.objects.create(incident=incident, message=message, kind=kind, **fields)


def make_deploy(service, version="1.0.0", **fields):
    return Deploy.objects.create(service=service, version=version, **fields)


def make_shift(team="payments", engineer="Ada Lovelace", hours_from_now=-1, length_hours=8):
    starts = timezone.now() + timedelta(hours=hours_from_now)
    return OnCallShift.objects.create(
        team=team,
        engineer=engineer,
        contact=f"{engineer.split()[0].lower()}@example.com",
        starts_at=starts,
        ends_at=starts + timedelta(hours=length_hours),
    )
