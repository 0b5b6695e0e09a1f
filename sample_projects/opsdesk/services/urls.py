from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("health/", views.health_overview, name="health-overview"),
    path("<slug:slug>/", views.service_detail, name="detail"),
    path("<slug:slug>/status/", views.ServiceStatusView.as_view(), name="status"),
]
