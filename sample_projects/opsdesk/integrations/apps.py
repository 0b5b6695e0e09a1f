from django.apps import AppConfig
from django.urls import path


class IntegrationsConfig(AppConfig):
    """Inbound integrations (alert webhooks).

    Like django-oscar's app configs, this app has no urls.py: the config
    object provides its URL patterns and the root URLconf includes them.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "Integrations"

    def get_urls(self):
        from integrations import views

        return [
            path("webhooks/alerts/", views.alert_webhook, name="alert-webhook"),
            path("webhooks/events/", views.webhook_event_list, name="webhook-events"),
        ]
