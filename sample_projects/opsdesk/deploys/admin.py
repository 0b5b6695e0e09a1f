from django.contrib import admin

from deploys.models import Deploy


@admin.register(Deploy)
class DeployAdmin(admin.ModelAdmin):
    list_display = ["service", "version", "environment", "status", "created_at"]
    list_filter = ["environment", "status"]
