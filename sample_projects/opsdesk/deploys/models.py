from django.conf import settings
from django.db import models


class Deploy(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    service = models.ForeignKey(
        "services.Service", on_delete=models.CASCADE, related_name="deploys"
    )
    version = models.CharField(max_length=40)
    environment = models.CharField(max_length=20, default="production")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    pipeline_id = models.CharField(max_length=40, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.service} {self.version} → {self.environment}"
