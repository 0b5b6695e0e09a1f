from django.contrib import admin

from oncall.models import OnCallShift


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["team", "engineer", "starts_at", "ends_at"]
    list_filter = ["team"]
