from django.apps import AppConfig


class DeploysConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deploys"
