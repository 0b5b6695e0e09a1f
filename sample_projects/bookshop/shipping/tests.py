from django.test import TestCase
from django.urls import reverse

from bookshop.testing import StubUpstreamMixin


class ShippingQuotesTests(StubUpstreamMixin, TestCase):
    def test_asks_all_three_carriers_and_picks_the_cheapest(self):
        response = self.client.get(
            reverse("shipping:quotes"), {"postcode": "EH1 1AA", "weight_g": "750"}
        )
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(
            [q["carrier"] for q in data["quotes"]], ["fastpost", "parcelco", "swiftship"]
        )
        self.assertEqual(data["cheapest"]["carrier"], "parcelco")
        self.assertEqual(data["cheapest"]["price"], "4.20")

        calls = self.stub.calls("GET", "/carriers/")
        self.assertEqual(
            sorted(c.path for c in calls),
            [
                "/carriers/fastpost/quote",
                "/carriers/parcelco/quote",
                "/carriers/swiftship/quote",
            ],
        )
        for call in calls:
            self.assertEqual(call.query, {"postcode": "EH1 1AA", "weight_g": "750"})

    def test_defaults_the_weight(self):
        response = self.client.get(reverse("shipping:quotes"), {"weight_g": "heavy"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual({c.query["weight_g"] for c in self.stub.calls("GET")}, {"500"})


class TrackParcelTests(StubUpstreamMixin, TestCase):
    def test_polls_until_delivered(self):
        response = self.client.get(reverse("shipping:track", args=["PC123"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), {"tracking_number": "PC123", "status": "delivered", "attempts": 2}
        )
        self.assertEqual(self.stub.paths(), ["/tracking/PC123", "/tracking/PC123"])
        calls = self.stub.calls()
        # The view sleeps between polls.
        self.assertGreaterEqual(calls[1].time - calls[0].time, 0.04)

    def test_already_delivered_parcel_needs_one_poll(self):
        self.client.get(reverse("shipping:track", args=["PC9"]))
        response = self.client.get(reverse("shipping:track", args=["PC9"]))
        self.assertEqual(response.json()["attempts"], 1)
        self.assertEqual(len(self.stub.calls("GET", "/tracking/PC9")), 3)
