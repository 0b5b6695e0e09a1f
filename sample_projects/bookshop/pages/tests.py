import socket

from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse

from bookshop.testing import StubUpstreamMixin, make_catalog
from catalog.models import Book


class HomeTests(StubUpstreamMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.data = make_catalog()

    def test_shows_featured_books_and_is_cached(self):
        response = self.client.get(reverse("pages:home"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [b.title for b in response.context["featured"]], ["A Wizard of Earthsea", "Mort"]
        )
        self.assertContains(response, "Terry Pratchett")
        self.assertNotContains(response, "The Dispossessed")
        self.assertContains(response, 'action="/contact/"')
        self.assertIn("max-age=30", response["Cache-Control"])

        Book.objects.filter(pk=self.data["guards"].pk).update(featured=True)
        cached = self.client.get(reverse("pages:home"))
        self.assertEqual(cached.content, response.content)


class HealthTests(StubUpstreamMixin, TestCase):
    def test_reports_ok_without_upstream_calls(self):
        response = self.client.get(reverse("pages:health"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})
        self.assertEqual(self.stub.requests, [])


class UpstreamStatusTests(StubUpstreamMixin, TestCase):
    def test_reports_upstream_status(self):
        response = self.client.get(reverse("pages:upstream-status"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"upstream": "ok"})
        self.assertEqual([(r.method, r.path) for r in self.stub.requests], [("GET", "/status")])

    def test_unreachable_upstream_is_503(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        with override_settings(UPSTREAM_BASE_URL=f"http://127.0.0.1:{closed_port}"):
            response = self.client.get(reverse("pages:upstream-status"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["upstream"], "down")


class ContactTests(StubUpstreamMixin, TestCase):
    def test_sends_email(self):
        response = self.client.post(
            reverse("pages:contact"),
            {"name": "Ada", "email": "ada@example.com", "message": "Do you stock Mort?"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Thanks, Ada!")
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.subject, "Contact form: Ada")
        self.assertEqual(message.body, "Do you stock Mort?")
        self.assertEqual(message.to, ["support@bookshop.example"])
        self.assertEqual(message.from_email, "shop@bookshop.example")

    def test_invalid_form_is_400_and_sends_nothing(self):
        response = self.client.post(reverse("pages:contact"), {"name": "Ada", "email": "nope"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Enter a valid email address.", status_code=400)
        self.assertEqual(mail.outbox, [])

    def test_get_is_not_allowed(self):
        response = self.client.get(reverse("pages:contact"))
        self.assertEqual(response.status_code, 405)
        self.assertEqual(mail.outbox, [])
