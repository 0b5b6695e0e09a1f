from django.contrib import admin

from incidents.models import Incident, IncidentEvent


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "service", "severity", "status", "opened_at"]
    list_filter = ["severity", "status", "service"]
    search_fields = ["title", "summary"]
    inlines = [IncidentEventInline]
