from django.contrib import admin

from services.models import HealthCheck, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "team", "tier"]
    list_filter = ["tier", "team"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(HealthCheck)
class HealthCheckAdmin(admin.ModelAdmin):
    list_display = ["service", "status", "latency_ms", "checked_at"]
    list_filter = ["status"]
