import hashlib
import hmac
import json

import requests
from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.models import WebhookEvent

SIGNATURE_HEADER = "X-Opsdesk-Signature"


def sign(body, secret):
    """The signature senders put in X-Opsdesk-Signature: 'sha256=<hex>'."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@csrf_exempt
@require_POST
def alert_webhook(request):
    """Receive a signed alert, store it and forward it to the ops chat channel."""
    expected = sign(request.body, settings.OPSDESK_WEBHOOK_SECRET)
    received = request.headers.get(SIGNATURE_HEADER, "")
    if not hmac.compare_digest(expected, received):
        return HttpResponseForbidden("bad signature")
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest("body must be JSON")
    if not isinstance(payload, dict):
        return HttpResponseBadRequest("body must be a JSON object")

    event = WebhookEvent.objects.create(
        source=payload.get("source", "unknown"),
        event_type=payload.get("type", "alert"),
        payload=payload,
    )
    text = f"[{payload.get('severity', 'info').upper()}] {payload.get('summary', 'alert received')}"
    response = requests.post(
        f"{settings.UPSTREAM_BASE_URL}/chat/api/messages",
        json={"channel": settings.OPSDESK_ALERT_CHANNEL, "text": text, "event_id": event.pk},
        timeout=3,
    )
    if response.status_code < 400:
        event.forwarded = True
        event.save(update_fields=["forwarded"])
    return JsonResponse({"id": event.pk, "forwarded": event.forwarded}, status=202)


def webhook_event_list(request):
    """The 50 most recent webhook events."""
    events = WebhookEvent.objects.order_by("-received_at", "-id")
    source = request.GET.get("source")
    if source:
        events = events.filter(source=source)
    return JsonResponse(
        {
            "events": [
                {
                    "id": e.pk,
                    "source": e.source,
                    "type": e.event_type,
                    "forwarded": e.forwarded,
                    "received_at": e.received_at,
                }
                for e in events[:50]
            ]
        }
    )
