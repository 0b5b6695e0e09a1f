from django.conf import settings
from django.http import JsonResponse
from django.views import View


class BaseDashboardView(View):
    """Base for the read-only dashboard views of every app."""

    http_method_names = ["get", "head", "options"]
    page_title = "Opsdesk"

    def get_base_context(self):
        return {
            "page_title": self.page_title,
            "environment": settings.OPSDESK_ENVIRONMENT,
        }


def ping(request):
    """Liveness probe for the load balancer."""
    return JsonResponse({"ok": True, "service": "opsdesk", "request_id": request.request_id})
