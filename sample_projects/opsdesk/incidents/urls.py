from django.urls import path

from incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("<int:pk>/", views.IncidentDetailView.as_view(), name="detail"),
    path("<int:pk>/log.csv", views.export_incident_log, name="export-log"),
    path("<int:pk>/events/poll/", views.poll_incident_events, name="poll-events"),
]
