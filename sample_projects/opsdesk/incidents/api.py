from django.db.models import Count
from django.shortcuts import get_object_or_404
from rest_framework import viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import Incident
from incidents.serializers import IncidentEventSerializer, IncidentSerializer


class IncidentViewSet(viewsets.ModelViewSet):
    """CRUD for incidents. Filter with ?status=open and ?service=<slug>."""

    serializer_class = IncidentSerializer

    def get_queryset(self):
        queryset = Incident.objects.select_related("service").order_by("-opened_at", "-id")
        status = self.request.query_params.get("status")
        if status:
            queryset = queryset.filter(status=status)
        service = self.request.query_params.get("service")
        if service:
            queryset = queryset.filter(service__slug=service)
        return queryset


class IncidentStatsAPIView(APIView):
    """Incident counts by status and severity, plus mean time to resolve."""

    def get(self, request):
        by_status = dict(
            Incident.objects.values_list("status").annotate(n=Count("id")).order_by("status")
        )
        by_severity = dict(
            Incident.objects.values_list("severity").annotate(n=Count("id")).order_by("severity")
        )
        resolved = Incident.objects.filter(resolved_at__isnull=False).values_list(
            "opened_at", "resolved_at"
        )
        durations = [(end - start).total_seconds() / 60 for start, end in resolved]
        mttr = round(sum(durations) / len(durations), 1) if durations else None
        return Response(
            {
                "total": sum(by_status.values()),
                "by_status": by_status,
                "by_severity": by_severity,
                "mean_minutes_to_resolve": mttr,
            }
        )


@api_view(["GET"])
def incident_timeline(request, pk):
    """Every event of one incident, oldest first."""
    incident = get_object_or_404(Incident, pk=pk)
    events = incident.events.order_by("created_at", "id")
    return Response(
        {
            "incident": incident.pk,
            "title": incident.title,
            "events": IncidentEventSerializer(events, many=True).data,
        }
    )
