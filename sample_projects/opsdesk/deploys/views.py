import requests
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from core.mixins import JSONResponseMixin, UpstreamMixin
from core.views import BaseDashboardView
from deploys.models import Deploy
from services.models import Service


class DeployListView(ListView):
    model = Deploy
    template_name = "deploys/deploy_list.html"
    context_object_name = "deploys"
    paginate_by = 25

    def get_queryset(self):
        queryset = Deploy.objects.select_related("service").order_by("-created_at", "-id")
        environment = self.request.GET.get("environment")
        if environment:
            queryset = queryset.filter(environment=environment)
        return queryset


@require_POST
def trigger_deploy(request, slug):
    """Record a deploy and start the CI pipeline for it, atomically."""
    service = get_object_or_404(Service, slug=slug)
    version = request.POST.get("version", "").strip()
    if not version:
        return JsonResponse({"error": "version is required"}, status=400)
    environment = request.POST.get("environment", "production")
    triggered_by = request.user if request.user.is_authenticated else None
    try:
        with transaction.atomic():
            deploy = Deploy.objects.create(
                service=service,
                version=version,
                environment=environment,
                triggered_by=triggered_by,
            )
            response = requests.post(
                f"{settings.UPSTREAM_BASE_URL}/ci/api/pipelines",
                json={"service": service.slug, "version": version, "environment": environment},
                timeout=3,
            )
            response.raise_for_status()
            deploy.pipeline_id = response.json()["pipeline_id"]
            deploy.status = Deploy.Status.RUNNING
            deploy.save(update_fields=["pipeline_id", "status"])
    except requests.RequestException as exc:
        return JsonResponse({"error": f"CI server refused the deploy: {exc}"}, status=502)
    return JsonResponse(
        {
            "id": deploy.pk,
            "service": service.slug,
            "version": deploy.version,
            "environment": deploy.environment,
            "status": deploy.status,
            "pipeline_id": deploy.pipeline_id,
        },
        status=201,
    )


class DeployPipelineView(LoginRequiredMixin, UpstreamMixin, JSONResponseMixin, BaseDashboardView):
    """CI pipeline progress for one deploy (staff only)."""

    page_title = "Deploy pipeline"

    def get(self, request, pk):
        deploy = get_object_or_404(Deploy.objects.select_related("service"), pk=pk)
        if not deploy.pipeline_id:
            return self.render_to_json_response({"error": "deploy has no pipeline"}, status=404)
        pipeline = self.fetch_pipeline(deploy.pipeline_id)
        context = self.get_base_context()
        context.update(
            {
                "deploy": deploy.pk,
                "service": deploy.service.slug,
                "version": deploy.version,
                "pipeline_id": deploy.pipeline_id,
                "pipeline_status": pipeline["status"],
                "stages": pipeline["stages"],
            }
        )
        return self.render_to_json_response(context)
