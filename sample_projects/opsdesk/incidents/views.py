import csv
import io
import time

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.generic import DetailView

from incidents.models import Incident, IncidentEvent


def incident_list(request):
    incidents = Incident.objects.select_related("service").order_by("-opened_at", "-id")
    status = request.GET.get("status")
    if status:
        incidents = incidents.filter(status=status)
    return render(
        request,
        "incidents/incident_list.html",
        {"incidents": incidents, "status": status, "statuses": Incident.Status.choices},
    )


class IncidentDetailView(DetailView):
    model = Incident
    template_name = "incidents/incident_detail.html"
    context_object_name = "incident"

    def get_queryset(self):
        return Incident.objects.select_related("service")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = self.object.events.order_by("created_at", "id")
        return context


def _csv_line(values):
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def incident_log_rows(incident):
    """Yield the incident log as CSV lines, one event at a time."""
    yield _csv_line(["timestamp", "kind", "author", "message"])
    for event in incident.events.order_by("created_at", "id").iterator(chunk_size=200):
        yield _csv_line([event.created_at.isoformat(), event.kind, event.author, event.message])


def export_incident_log(request, pk):
    incident = get_object_or_404(Incident, pk=pk)
    response = StreamingHttpResponse(incident_log_rows(incident), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="incident-{incident.pk}-log.csv"'
    return response


def poll_incident_events(request, pk):
    """Long-poll for events newer than ?since=<event id>.

    Answers as soon as a new event exists, or with timed_out=true after
    OPSDESK_LONGPOLL_ATTEMPTS checks 50 ms apart.
    """
    incident = get_object_or_404(Incident, pk=pk)
    try:
        since = int(request.GET.get("since", "0"))
    except ValueError:
        return HttpResponseBadRequest("since must be an event id")
    for _attempt in range(settings.OPSDESK_LONGPOLL_ATTEMPTS):
        events = list(
            IncidentEvent.objects.filter(incident=incident, id__gt=since)
            .order_by("id")
            .values("id", "kind", "author", "message", "created_at")
        )
        if events:
            return JsonResponse({"incident": incident.pk, "events": events, "timed_out": False})
        time.sleep(0.05)
    return JsonResponse({"incident": incident.pk, "events": [], "timed_out": True})
