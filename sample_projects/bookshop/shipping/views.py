import time

import requests
from django.conf import settings
from django.http import JsonResponse

from shipping.services import (
    MAX_TRACKING_POLLS,
    TRACKING_POLL_INTERVAL,
    cheapest,
    parse_weight,
)


def shipping_quotes(request):
    params = {
        "postcode": request.GET.get("postcode", ""),
        "weight_g": parse_weight(request.GET.get("weight_g")),
    }
    fastpost = requests.get(
        f"{settings.UPSTREAM_BASE_URL}/carriers/fastpost/quote", params=params, timeout=5
    )
    fastpost.raise_for_status()
    parcelco = requests.get(
        f"{settings.UPSTREAM_BASE_URL}/carriers/parcelco/quote", params=params, timeout=5
    )
    parcelco.raise_for_status()
    swiftship = requests.get(
        f"{settings.UPSTREAM_BASE_URL}/carriers/swiftship/quote", params=params, timeout=5
    )
    swiftship.raise_for_status()
    quotes = [fastpost.json(), parcelco.json(), swiftship.json()]
    return JsonResponse({"quotes": quotes, "cheapest": cheapest(quotes)})


def track_parcel(request, tracking_number):
    url = f"{settings.UPSTREAM_BASE_URL}/tracking/{tracking_number}"
    attempts = 0
    status = "unknown"
    while attempts < MAX_TRACKING_POLLS:
        attempts += 1
        response = requests.get(url, timeout=5)
        response.raise_for_status()
        status = response.json()["status"]
        if status == "delivered":
            break
        time.sleep(TRACKING_POLL_INTERVAL)
    return JsonResponse(
        {"tracking_number": tracking_number, "status": status, "attempts": attempts}
    )
