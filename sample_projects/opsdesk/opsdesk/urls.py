"""Root URLconf for opsdesk."""
from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from core import views as core_views
from incidents.api import IncidentStatsAPIView, IncidentViewSet, incident_timeline

router = DefaultRouter()
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ping/", core_views.ping, name="ping"),
    path("dashboard/", include(("dashboard.urls", "dashboard"))),
    path("services/", include("services.urls")),
    path("incidents/", include("incidents.urls")),
    path("deploys/", include("deploys.urls")),
    path("oncall/", include("oncall.urls")),
    path(
        "integrations/",
        include((apps.get_app_config("integrations").get_urls(), "integrations")),
    ),
    path("api/incident-stats/", IncidentStatsAPIView.as_view(), name="api-incident-stats"),
    path("api/incidents/<int:pk>/timeline/", incident_timeline, name="api-incident-timeline"),
    path("api/", include(router.urls)),
]
