from django.urls import path

from pages import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("upstream-status/", views.upstream_status, name="upstream-status"),
    path("contact/", views.contact, name="contact"),
]
