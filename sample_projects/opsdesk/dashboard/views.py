from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from deploys.models import Deploy
from incidents.models import Incident
from oncall.models import OnCallShift
from services.models import Service


def home(request):
    now = timezone.now()
    context = {
        "open_incidents": Incident.objects.exclude(status=Incident.Status.RESOLVED)
        .select_related("service")
        .order_by("severity", "-opened_at")[:10],
        "service_count": Service.objects.count(),
        "recent_deploys": Deploy.objects.select_related("service").order_by("-created_at")[:5],
        "on_call": OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now).order_by("team"),
    }
    return render(request, "dashboard/home.html", context)


async def summary(request):
    """Headline numbers for the wall display (polled every few seconds)."""
    open_incidents = await Incident.objects.exclude(status=Incident.Status.RESOLVED).acount()
    sev1_open = await Incident.objects.filter(
        status=Incident.Status.OPEN, severity=Incident.Severity.SEV1
    ).acount()
    running_deploys = await Deploy.objects.filter(status=Deploy.Status.RUNNING).acount()
    latest = await Incident.objects.order_by("-opened_at", "-id").afirst()
    return JsonResponse(
        {
            "open_incidents": open_incidents,
            "sev1_open": sev1_open,
            "running_deploys": running_deploys,
            "latest_incident": latest.title if latest else None,
        }
    )
