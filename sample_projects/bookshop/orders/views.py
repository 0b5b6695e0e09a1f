import csv
import hashlib
from decimal import Decimal

import requests
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.models import Book
from orders.models import Order, OrderLine
from orders.services import PaymentDeclined, parse_cart


@login_required
@require_POST
def checkout(request):
    cart = parse_cart(request.POST)
    if not cart:
        return JsonResponse({"error": "Your cart is empty."}, status=400)
    try:
        with transaction.atomic():
            order = Order.objects.create(user=request.user)
            total = Decimal("0.00")
            for book, quantity in cart:
                OrderLine.objects.create(
                    order=order, book=book, quantity=quantity, unit_price=book.price
                )
                Book.objects.filter(pk=book.pk).update(stock=F("stock") - quantity)
                total += book.price * quantity
            response = requests.post(
                f"{settings.UPSTREAM_BASE_URL}/payments/charges",
                json={
                    "amount": str(total),
                    "currency": "EUR",
                    "source": request.POST.get("card_token", "tok_visa"),
                    "reference": f"order-{order.pk}",
                },
                timeout=5,
            )
            if response.status_code != 201:
                raise PaymentDeclined(response.json().get("reason", "declined"))
            order.total = total
            order.status = Order.Status.PAID
            order.payment_reference = response.json()["id"]
            order.save()
    except PaymentDeclined as exc:
        return JsonResponse({"error": "Payment declined.", "reason": str(exc)}, status=402)
    return JsonResponse(
        {
            "order": order.pk,
            "status": order.status,
            "total": str(order.total),
            "payment_reference": order.payment_reference,
            "receipt_url": reverse("orders-receipt", args=[order.pk]),
        },
        status=201,
    )


def receipt_csv(request, pk):
    lines = list(OrderLine.objects.filter(order_id=pk).select_related("order", "book"))
    if not lines:
        raise Http404("No such order.")
    order = lines[0].order
    rows = [["isbn", "title", "quantity", "unit_price", "line_total"]]
    for line in lines:
        rows.append(
            [line.book.isbn, line.book.title, str(line.quantity), str(line.unit_price),
             str(line.line_total)]
        )
    rows.append(["", "", "", "total", str(order.total)])

    # Seal the receipt: stretch a hash chain over every row so that an edited
    # receipt no longer matches its checksum.
    digest = f"order-{order.pk}".encode()
    for _ in range(settings.RECEIPT_CHECKSUM_ROUNDS):
        for row in rows:
            digest = hashlib.sha256(digest + ",".join(row).encode()).digest()
    checksum = digest.hex()

    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="receipt-{order.pk}.csv"'
    writer = csv.writer(response)
    writer.writerows(rows)
    writer.writerow(["", "", "", "checksum", checksum])
    return response


@login_required
def order_history(request):
    orders = list(
        Order.objects.filter(user=request.user).prefetch_related("lines__book")
    )
    return render(request, "orders/history.html", {"orders": orders})
