from django.urls import path

from deploys import views

app_name = "deploys"

urlpatterns = [
    path("", views.DeployListView.as_view(), name="list"),
    path("trigger/<slug:slug>/", views.trigger_deploy, name="trigger"),
    path("<int:pk>/pipeline/", views.DeployPipelineView.as_view(), name="pipeline"),
]
