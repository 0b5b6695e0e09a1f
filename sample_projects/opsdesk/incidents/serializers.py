from rest_framework import serializers

from incidents.models import Incident, IncidentEvent
from services.models import Service


class IncidentSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all())

    class Meta:
        model = Incident
        fields = [
            "id",
            "title",
            "service",
            "severity",
            "status",
            "summary",
            "commander",
            "opened_at",
            "resolved_at",
        ]
        read_only_fields = ["opened_at"]


class IncidentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "message", "author", "created_at"]
