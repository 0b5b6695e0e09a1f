import csv
import hashlib
import io
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from django.urls import reverse

from bookshop.stub_upstream import DECLINED_TOKEN
from bookshop.testing import StubUpstreamMixin, make_catalog
from catalog.models import Book
from orders.models import Order, OrderLine


class OrdersTestCase(StubUpstreamMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.data = make_catalog()
        cls.user = get_user_model().objects.create_user("alice", password="pw")
        cls.other = get_user_model().objects.create_user("bob", password="pw")

    def place_order(self, user, lines):
        order = Order.objects.create(user=user, status=Order.Status.PAID)
        total = Decimal("0")
        for book, quantity in lines:
            OrderLine.objects.create(
                order=order, book=book, quantity=quantity, unit_price=book.price
            )
            total += book.price * quantity
        order.total = total
        order.save()
        return order


class CheckoutTests(OrdersTestCase):
    def cart(self, **extra):
        return {
            "book": [self.data["wizard"].pk, self.data["mort"].pk],
            "quantity": ["2", "1"],
            **extra,
        }

    def test_anonymous_user_is_sent_to_login(self):
        response = self.client.post(reverse("orders-checkout"), self.cart())
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/admin/login/?next=/orders/checkout/"))
        self.assertEqual(self.stub.requests, [])

    def test_get_is_not_allowed(self):
        self.client.force_login(self.user)
        response = self.client.get(reverse("orders-checkout"))
        self.assertEqual(response.status_code, 405)

    def test_creates_paid_order_and_charges_the_card(self):
        self.client.force_login(self.user)
        response = self.client.post(reverse("orders-checkout"), self.cart())
        self.assertEqual(response.status_code, 201)
        data = response.json()
        order = Order.objects.get()
        self.assertEqual(data["order"], order.pk)
        self.assertEqual(data["status"], "paid")
        self.assertEqual(data["total"], "27.97")
        self.assertEqual(data["payment_reference"], "ch_00001")
        self.assertEqual(data["receipt_url"], f"/orders/{order.pk}/receipt.csv")
        self.assertEqual(order.user, self.user)
        self.assertEqual(order.status, Order.Status.PAID)
        self.assertEqual(order.total, Decimal("27.97"))
        self.assertEqual(order.lines.count(), 2)
        self.assertEqual(Book.objects.get(pk=self.data["wizard"].pk).stock, 3)
        self.assertEqual(Book.objects.get(pk=self.data["mort"].pk).stock, 9)

        calls = self.stub.calls("POST", "/payments/charges")
        self.assertEqual(len(calls), 1)
        self.assertEqual(
            calls[0].body,
            {"amount": "27.97", "currency": "EUR", "source": "tok_visa",
             "reference": f"order-{order.pk}"},
        )

    def test_declined_payment_rolls_everything_back(self):
        self.client.force_login(self.user)
        response = self.client.post(
            reverse("orders-checkout"), self.cart(card_token=DECLINED_TOKEN)
        )
        self.assertEqual(response.status_code, 402)
        self.assertEqual(response.json()["reason"], "card_declined")
        self.assertFalse(Order.objects.exists())
        self.assertFalse(OrderLine.objects.exists())
        self.assertEqual(Book.objects.get(pk=self.data["wizard"].pk).stock, 5)
        self.assertEqual(len(self.stub.calls("POST", "/payments/charges")), 1)

    def test_empty_cart_is_rejected_without_charging(self):
        self.client.force_login(self.user)
        response = self.client.post(
            reverse("orders-checkout"), {"book": ["9999", "x"], "quantity": ["1", "1"]}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Order.objects.exists())
        self.assertEqual(self.stub.requests, [])


class ReceiptCsvTests(OrdersTestCase):
    def test_builds_csv_with_checksum(self):
        order = self.place_order(self.user, [(self.data["wizard"], 2), (self.data["mort"], 1)])
        with override_settings(RECEIPT_CHECKSUM_ROUNDS=50):
            response = self.client.get(reverse("orders-receipt", args=[order.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv")
        self.assertIn(f'filename="receipt-{order.pk}.csv"', response["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0], ["isbn", "title", "quantity", "unit_price", "line_total"])
        self.assertEqual(
            rows[1:3],
            [
                ["9780000000011", "A Wizard of Earthsea", "2", "9.99", "19.98"],
                ["9780000000035", "Mort", "1", "7.99", "7.99"],
            ],
        )
        self.assertEqual(rows[3], ["", "", "", "total", "27.97"])

        digest = f"order-{order.pk}".encode()
        for _ in range(50):
            for row in rows[:4]:
                digest = hashlib.sha256(digest + ",".join(row).encode()).digest()
        self.assertEqual(rows[4], ["", "", "", "checksum", digest.hex()])

    def test_full_strength_checksum_is_stable(self):
        order = self.place_order(self.user, [(self.data["guards"], 1)])
        first = self.client.get(reverse("orders-receipt", args=[order.pk]))
        second = self.client.get(reverse("orders-receipt", args=[order.pk]))
        self.assertEqual(first.status_code, 200)
        checksum = first.content.decode().splitlines()[-1].split(",")[-1]
        self.assertRegex(checksum, r"^[0-9a-f]{64}$")
        self.assertEqual(first.content, second.content)

    def test_unknown_order_is_404(self):
        response = self.client.get(reverse("orders-receipt", args=[9999]))
        self.assertEqual(response.status_code, 404)


class OrderHistoryTests(OrdersTestCase):
    def test_requires_login(self):
        response = self.client.get(reverse("orders-history"))
        self.assertRedirects(
            response, "/admin/login/?next=/orders/history/", fetch_redirect_response=False
        )

    def test_lists_only_the_users_own_orders(self):
        mine = self.place_order(self.user, [(self.data["wizard"], 1)])
        theirs = self.place_order(self.other, [(self.data["mort"], 1)])
        self.client.force_login(self.user)
        response = self.client.get(reverse("orders-history"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([o.pk for o in response.context["orders"]], [mine.pk])
        self.assertContains(response, f"Order #{mine.pk}")
        self.assertContains(response, "1 &times; A Wizard of Earthsea", html=False)
        self.assertNotContains(response, f"Order #{theirs.pk}")
        self.assertNotContains(response, "Mort")

    def test_empty_history(self):
        self.client.force_login(self.other)
        response = self.client.get(reverse("orders-history"))
        self.assertContains(response, "You have not ordered anything yet.")
