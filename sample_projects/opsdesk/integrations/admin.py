from django.contrib import admin

from integrations.models import WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "event_type", "forwarded", "received_at"]
    list_filter = ["source", "forwarded"]
