import math
from datetime import timedelta

import requests
from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone

from deploys.models import Deploy
from incidents.models import Incident

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


async def oncall_widget(request):
    """Who the pager service thinks is on call (shown in the header)."""
    response = requests.get(f"{settings.UPSTREAM_BASE_URL}/pager/api/oncall", timeout=3)
    if response.status_code != 200:
        return JsonResponse({"available": False}, status=502)
    data = response.json()
    return JsonResponse(
        {"available": True, "engineer": data["engineer"], "until": data["until"]}
    )


def recent_deploys(request, limit):
    deploys = Deploy.objects.select_related("service").order_by("-created_at", "-id")[: int(limit)]
    return JsonResponse(
        {
            "deploys": [
                {
                    "service": d.service.slug,
                    "version": d.version,
                    "environment": d.environment,
                    "status": d.status,
                }
                for d in deploys
            ]
        }
    )


def incident_heatmap(request):
    """Incidents opened in the last 30 days, binned by weekday and hour."""
    since = timezone.now() - timedelta(days=30)
    opened = Incident.objects.filter(opened_at__gte=since).values_list("opened_at", flat=True)
    grid = [[0] * 24 for _ in WEEKDAYS]
    for opened_at in opened:
        grid[opened_at.weekday()][opened_at.hour] += 1
    return JsonResponse({"days": WEEKDAYS, "grid": grid, "total": sum(map(sum, grid))})


def sla_budget(request):
    """Error budget for an availability target: ?target=99.9&days=30&downtime=12."""
    try:
        target = float(request.GET.get("target", "99.9"))
        days = int(request.GET.get("days", "30"))
        downtime = float(request.GET.get("downtime", "0"))
    except ValueError:
        return HttpResponseBadRequest("target, days and downtime must be numbers")
    if not 0 < target < 100 or days <= 0 or downtime < 0:
        return HttpResponseBadRequest("out of range")
    budget = days * 24 * 60 * (100 - target) / 100
    remaining = budget - downtime
    return JsonResponse(
        {
            "target": target,
            "days": days,
            "budget_minutes": round(budget, 2),
            "downtime_minutes": downtime,
            "remaining_minutes": round(remaining, 2),
            "budget_used_pct": round(100 * downtime / budget, 1),
            "nines": round(-math.log10(1 - target / 100), 2),
            "exhausted": remaining <= 0,
        }
    )
