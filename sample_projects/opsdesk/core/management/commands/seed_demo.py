from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from deploys.models import Deploy
from incidents.models import Incident, IncidentEvent
from oncall.models import OnCallShift
from services.models import Service

SERVICES = [
    ("checkout", "Checkout", "payments", Service.Tier.CRITICAL),
    ("search", "Search", "discovery", Service.Tier.IMPORTANT),
    ("notifications", "Notifications", "platform", Service.Tier.BEST_EFFORT),
]


class Command(BaseCommand):
    help = "Create a small, repeatable set of demo data (services, incidents, deploys, on-call)."

    def handle(self, *args, **options):
        now = timezone.now()
        services = {}
        for slug, name, team, tier in SERVICES:
            services[slug], _ = Service.objects.update_or_create(
                slug=slug, defaults={"name": name, "team": team, "tier": tier}
            )
        incident, created = Incident.objects.get_or_create(
            title="Card payments failing",
            defaults={
                "service": services["checkout"],
                "severity": Incident.Severity.SEV1,
                "commander": "Ada Lovelace",
                "opened_at": now - timedelta(minutes=25),
            },
        )
        if created:
            IncidentEvent.objects.create(incident=incident, kind="alert", message="5xx rate above 5%")
            IncidentEvent.objects.create(
                incident=incident, message="Rolling back checkout 1.4.2", author="ada"
            )
        Incident.objects.get_or_create(
            title="Search latency regression",
            defaults={
                "service": services["search"],
                "severity": Incident.Severity.SEV3,
                "status": Incident.Status.RESOLVED,
                "opened_at": now - timedelta(days=2, hours=3),
                "resolved_at": now - timedelta(days=2, hours=1),
            },
        )
        Deploy.objects.get_or_create(
            service=services["checkout"],
            version="1.4.1",
            defaults={"status": Deploy.Status.SUCCEEDED, "pipeline_id": "pl-1001"},
        )
        for team, engineer in [("payments", "Ada Lovelace"), ("discovery", "Grace Hopper")]:
            OnCallShift.objects.get_or_create(
                team=team,
                engineer=engineer,
                defaults={
                    "contact": f"{engineer.split()[0].lower()}@example.com",
                    "starts_at": now - timedelta(hours=2),
                    "ends_at": now + timedelta(hours=10),
                },
            )
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
