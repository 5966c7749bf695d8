"""The outbox: notifications, channel choices, webhook endpoints, deliveries and their attempts."""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Event(models.TextChoices):
    MATCH_CREATED = "match.created", "A new match"
    MATCH_JOINED = "match.joined", "A match gained a participant"
    MATCH_RETRACTED = "match.retracted", "A report behind a match was withdrawn or expired"
    MATCH_CORRECTED = "match.corrected", "A report behind a match was corrected"
    SIGHTING = "sighting", "A reported wallet was screened by a member"
    DISCLOSURE_REQUESTED = "disclosure.requested", "A counterpart asks who you are"
    DISCLOSURE_ANSWERED = "disclosure.answered", "A disclosure request was answered"
    REVIEW_REMINDER = "review.reminder", "A match's review is still open"
    DISPUTE_OPENED = "dispute.opened", "A counterpart disputes your report"
    DISPUTE_RESOLVED = "dispute.resolved", "A disputed report was confirmed, corrected or withdrawn, or left undefended"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail to the organisation's contact"
    WEBHOOK = "webhook", "Signed webhook"


class Notification(models.Model):
    """One thing one organisation may know; the inbox row and the outbox source of deliveries."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    event = models.CharField(max_length=32, choices=Event.choices)
    match = models.ForeignKey("matching.Match", null=True, blank=True, on_delete=models.PROTECT, db_constraint=False)
    token = models.CharField(max_length=64, blank=True)  # the match's, if any: its foreign key is (id, token)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "-id"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.event} for {self.organisation_id}"


class ChannelChoice(models.Model):
    """Which channels an organisation wants for an event (the inbox always gets everything)."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE)
    event = models.CharField(max_length=32, choices=Event.choices)
    channels = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "event"], name="one_channel_choice_per_event")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.event}: {self.channels}"


class WebhookEndpoint(models.Model):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="webhooks")
    # Stable, public handle bound into the secret's encryption (the url may change).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, blank=True, help_text="Empty: every event.")
    enabled = models.BooleanField(default=True)
    # AES-GCM under VIGIL_KEY_ENCRYPTION_KEY: the hub must recover the secret to sign with it.
    secret_ciphertext = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.url} ({self.organisation_id})"

    def wants(self, event: str) -> bool:
        return self.enabled and (not self.events or event in self.events)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Being delivered"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed for good"


class Delivery(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    endpoint = models.ForeignKey(WebhookEndpoint, null=True, blank=True, on_delete=models.PROTECT)
    # The webhook-id header: the same on every retry so receivers can drop duplicates.
    message_id = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.pk} ({self.status})"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(default=timezone.now)
    success = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True)
    latency_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"attempt on {self.delivery_id}: {'ok' if self.success else self.error or self.status_code}"
