from django.urls import reverse

from core.stub_testcase import UpstreamStubTestCase, make_shift


class CurrentOnCallTests(UpstreamStubTestCase):
    def test_lists_current_shifts_only(self):
        make_shift("payments", "Ada Lovelace")
        make_shift("search", "Grace Hopper")
        make_shift("payments", "Past Person", hours_from_now=-20)
        make_shift("payments", "Future Person", hours_from_now=10)
        response = self.client.get(reverse("oncall:current"))
        self.assertEqual(response.status_code, 200)
        on_call = response.json()["on_call"]
        self.assertEqual(
            [(s["team"], s["engineer"]) for s in on_call],
            [("payments", "Ada Lovelace"), ("search", "Grace Hopper")],
        )
        self.assertEqual(on_call[0]["contact"], "ada@example.com")
        self.assertNoUpstreamCalls()


class PageOnCallTests(UpstreamStubTestCase):
    def test_pages_current_engineer(self):
        make_shift("payments", "Ada Lovelace")
        response = self.client.post(
            reverse("oncall:page", kwargs={"team": "payments"}), {"message": "Checkout is down"}
        )
        self.assertEqual(response.status_code, 202)
        data = response.json()
        self.assertEqual(data["engineer"], "Ada Lovelace")
        self.assertEqual(data["status"], "triggered")
        self.assertTrue(data["page_id"].startswith("page-"))
        self.assertUpstreamCalls([("POST", "/pager/api/pages")])
        self.assertEqual(
            self.stub.last_request("POST", "/pager/api/pages").body,
            {"engineer": "Ada Lovelace", "contact": "ada@example.com", "message": "Checkout is down"},
        )

    def test_default_message(self):
        make_shift("payments", "Ada Lovelace")
        self.client.post("/oncall/payments/page/")
        body = self.stub.last_request("POST", "/pager/api/pages").body
        self.assertEqual(body["message"], "You are being paged for payments")

    def test_nobody_on_call(self):
        make_shift("payments", "Future Person", hours_from_now=5)
        response = self.client.post("/oncall/payments/page/")
        self.assertEqual(response.status_code, 404)
        self.assertNoUpstreamCalls()

    def test_pager_down(self):
        make_shift("payments", "Ada Lovelace")
        self.stub.set_response("POST", "/pager/api/pages", 503, {"error": "maintenance"})
        response = self.client.post("/oncall/payments/page/")
        self.assertEqual(response.status_code, 502)

    def test_get_not_allowed(self):
        self.assertEqual(self.client.get("/oncall/payments/page/").status_code, 405)
