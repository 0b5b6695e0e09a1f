from django.db import models
from django.urls import reverse


class Service(models.Model):
    class Tier(models.IntegerChoices):
        CRITICAL = 1, "Tier 1 (critical)"
        IMPORTANT = 2, "Tier 2"
        BEST_EFFORT = 3, "Tier 3 (best effort)"

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    team = models.CharField(max_length=50)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, default=Tier.IMPORTANT)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tier", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("services:detail", kwargs={"slug": self.slug})


class HealthCheck(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="health_checks")
    status = models.CharField(max_length=30)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self):
        return f"{self.service} {self.status} @ {self.checked_at:%Y-%m-%d %H:%M}"
