"""OPRF key epochs and per-organisation evaluation counts."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class KeyStatus(models.TextChoices):
    PENDING = "pending", "Pending (not yet in use)"
    CURRENT = "current", "Current"
    PREVIOUS = "previous", "Previous (overlap window)"
    RETIRED = "retired", "Retired"


class OprfKey(models.Model):
    # First 16 hex characters of SHA-256(public key): a client can check that a key id names
    # exactly one public key, so the hub cannot give members different keys under one id.
    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.BinaryField(max_length=32)
    # AES-256-GCM(nonce || ciphertext) of the secret scalar under VIGIL_KEY_ENCRYPTION_KEY.
    secret_ciphertext = models.BinaryField()
    status = models.CharField(max_length=16, choices=KeyStatus.choices, default=KeyStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retire_after = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="current"), name="oprf_one_current_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.status})"


class EvaluationUsage(models.Model):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "day"], name="oprf_usage_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.day}: {self.count}"
