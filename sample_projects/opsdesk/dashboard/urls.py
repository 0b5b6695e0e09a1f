from django.urls import include, path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("summary/", views.summary, name="summary"),
    path("widgets/", include("dashboard.widgets.urls", namespace="widgets")),
]
