from django.urls import include, path, re_path

from dashboard.widgets import views

app_name = "widgets"

panel_patterns = [
    path("heatmap/", views.incident_heatmap, name="incident-heatmap"),
    path("sla/", views.sla_budget, name="sla-budget"),
]

urlpatterns = [
    path("oncall/", views.oncall_widget, name="oncall"),
    path("panels/", include((panel_patterns, "panels"))),
]

urlpatterns += [
    re_path(r"^deploys/(?P<limit>[0-9]{1,2})/$", views.recent_deploys, name="recent-deploys"),
]
