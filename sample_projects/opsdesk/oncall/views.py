import requests
from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from oncall.models import OnCallShift


def current_oncall(request):
    """Who is on call right now, per team."""
    now = timezone.now()
    shifts = OnCallShift.objects.filter(starts_at__lte=now, ends_at__gt=now).order_by("team")
    return JsonResponse(
        {
            "at": now,
            "on_call": [
                {"team": s.team, "engineer": s.engineer, "contact": s.contact, "until": s.ends_at}
                for s in shifts
            ],
        }
    )


@csrf_exempt
@require_POST
def page_oncall(request, team):
    """Page whoever is on call for a team through the pager service."""
    now = timezone.now()
    shift = (
        OnCallShift.objects.filter(team=team, starts_at__lte=now, ends_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    if shift is None:
        return JsonResponse({"error": f"nobody is on call for {team}"}, status=404)
    message = request.POST.get("message") or f"You are being paged for {team}"
    response = requests.post(
        f"{settings.UPSTREAM_BASE_URL}/pager/api/pages",
        json={"engineer": shift.engineer, "contact": shift.contact, "message": message},
        timeout=3,
    )
    if response.status_code >= 400:
        return JsonResponse({"error": "pager unavailable"}, status=502)
    page = response.json()
    return JsonResponse(
        {"team": team, "engineer": shift.engineer, "page_id": page["page_id"], "status": page["status"]},
        status=202,
    )
