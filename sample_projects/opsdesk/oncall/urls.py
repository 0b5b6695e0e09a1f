from django.urls import path

from oncall import views

app_name = "oncall"

urlpatterns = [
    path("", views.current_oncall, name="current"),
    path("<slug:team>/page/", views.page_oncall, name="page"),
]
