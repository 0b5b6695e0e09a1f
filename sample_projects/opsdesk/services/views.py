import requests
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from core.mixins import JSONResponseMixin, UpstreamMixin
from core.views import BaseDashboardView
from services.models import HealthCheck, Service


def service_list(request):
    services = Service.objects.order_by("tier", "name")
    team = request.GET.get("team")
    if team:
        services = services.filter(team=team)
    return render(request, "services/service_list.html", {"services": services, "team": team})


def service_detail(request, slug):
    service = get_object_or_404(Service, slug=slug)
    checks = service.health_checks.all()[:20]
    open_incidents = service.incidents.exclude(status="resolved").order_by("-opened_at")
    return render(
        request,
        "services/service_detail.html",
        {"service": service, "checks": checks, "open_incidents": open_incidents},
    )


def _component_status(response):
    if response.status_code != 200:
        return "down"
    return response.json().get("status", "unknown")


def health_overview(request):
    """Ask the three platform health endpoints how they are doing."""
    base = settings.UPSTREAM_BASE_URL
    api = requests.get(f"{base}/health/api", timeout=3)
    database = requests.get(f"{base}/health/database", timeout=3)
    queue = requests.get(f"{base}/health/queue", timeout=3)
    components = {
        "api": _component_status(api),
        "database": _component_status(database),
        "queue": _component_status(queue),
    }
    healthy = all(status == "ok" for status in components.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "components": components},
        status=200 if healthy else 503,
    )


class ServiceStatusView(UpstreamMixin, JSONResponseMixin, BaseDashboardView):
    """Live status of one service, straight from the upstream status API."""

    page_title = "Service status"

    def get(self, request, slug):
        service = get_object_or_404(Service, slug=slug)
        status = self.fetch_service_status(service.slug)
        metrics = self.fetch_service_metrics(service.slug)
        HealthCheck.objects.create(
            service=service, status=status["status"], latency_ms=metrics["p95_ms"]
        )
        context = self.get_base_context()
        context.update(
            {
                "service": service.slug,
                "status": status["status"],
                "region": status.get("region"),
                "p95_ms": metrics["p95_ms"],
                "error_rate": metrics["error_rate"],
            }
        )
        return self.render_to_json_response(context)


def old_status_page(request):
    """Pre-2023 public status page. Replaced by health_overview; kept for reference."""
    services = Service.objects.order_by("name")
    return render(request, "services/old_status_page.html", {"services": services})
