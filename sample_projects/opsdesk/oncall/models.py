from django.db import models


class OnCallShift(models.Model):
    team = models.CharField(max_length=50)
    engineer = models.CharField(max_length=100)
    contact = models.EmailField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["team", "starts_at"]

    def __str__(self):
        return f"{self.team}: {self.engineer} ({self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%H:%M})"
