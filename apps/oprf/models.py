"""OPRF key epochs, their split among trustees, the shares a trustee holds, and per-organisation evaluation counts."""

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
    # AES-256-GCM(nonce || ciphertext) of the secret scalar under VIGIL_KEY_ENCRYPTION_KEY; None once the
    # key is split among trustees, when the hub keeps no copy of it.
    secret_ciphertext = models.BinaryField(null=True)
    # t of a t-of-n split (its trustees are `trustees`); None for a key the hub holds whole.
    threshold = models.PositiveSmallIntegerField(null=True, blank=True)
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


class Trustee(models.Model):
    """One evaluator of a split key, as the hub publishes it: where it answers and its share's commitment."""

    key = models.ForeignKey(OprfKey, on_delete=models.CASCADE, related_name="trustees")
    index = models.PositiveSmallIntegerField()  # the share's x-coordinate
    name = models.SlugField(max_length=50)
    url = models.URLField()
    commitment = models.BinaryField(max_length=32)  # k_i*G

    class Meta:
        ordering = ["key", "index"]
        constraints = [
            models.UniqueConstraint(fields=["key", "index"], name="oprf_trustee_one_per_index"),
            models.UniqueConstraint(fields=["key", "name"], name="oprf_trustee_one_per_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (share {self.index} of {self.key_id})"


class KeyShare(models.Model):
    """The share of a split key that this process, run as a trustee, evaluates with."""

    key_id = models.CharField(max_length=16, unique=True)  # the whole key's id: the one clients ask for
    public_key = models.BinaryField(max_length=32)
    threshold = models.PositiveSmallIntegerField()
    index = models.PositiveSmallIntegerField()
    commitment = models.BinaryField(max_length=32)
    # Every trustee's commitment as {index: hex}, checked on import to lie on one polynomial through the key.
    commitments = models.JSONField()
    # AES-256-GCM of the share scalar under VIGIL_KEY_ENCRYPTION_KEY, bound to key id and index.
    secret_ciphertext = models.BinaryField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"share {self.index} of {self.key_id}"


class EvaluationUsage(models.Model):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "day"], name="oprf_usage_one_row_per_day")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.day}: {self.count}"
