from django.db import models


class WebhookEvent(models.Model):
    source = models.CharField(max_length=50)
    event_type = models.CharField(max_length=50)
    payload = models.JSONField()
    forwarded = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.source}/{self.event_type} #{self.pk}"
