"""Mixins shared by the class-based views of several apps."""
from django.http import JsonResponse

from core import upstream


class JSONResponseMixin:
    """Render a context dict as a JSON response."""

    json_dumps_params = {"indent": 2}

    def render_to_json_response(self, context, **response_kwargs):
        return JsonResponse(
            self.get_json_data(context), json_dumps_params=self.json_dumps_params, **response_kwargs
        )

    def get_json_data(self, context):
        return context


class UpstreamMixin:
    """Fetch data from the upstream status API and the CI server."""

    upstream_timeout = 3

    def fetch_service_status(self, slug):
        return upstream.get_json(f"/services/{slug}/status", timeout=self.upstream_timeout)

    def fetch_service_metrics(self, slug):
        return upstream.get_json(f"/services/{slug}/metrics", timeout=self.upstream_timeout)

    def fetch_pipeline(self, pipeline_id):
        return upstream.get_json(f"/ci/api/pipelines/{pipeline_id}", timeout=self.upstream_timeout)
