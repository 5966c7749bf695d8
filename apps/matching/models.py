"""Matches (one token reported by two or more organisations), participants, sightings, who was told of
which report, and disclosure requests."""

from django.db import models
from django.utils import timezone


class MatchStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive (fewer than two active reporters)"
    QUARANTINED = "quarantined", "Quarantined (flood control, awaiting review)"
    DISMISSED = "dismissed", "Dismissed by a hub administrator"


class Match(models.Model):
    key_id = models.CharField(max_length=16)
    token = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=MatchStatus.choices, default=MatchStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set once a hub administrator has released a quarantine, so the same flood does not re-trigger it.
    flood_released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "token"], name="match_one_per_token")]
        verbose_name_plural = "matches"

    def __str__(self) -> str:
        return f"match {self.pk} {self.token[:12]}… ({self.status})"


class MatchParticipant(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="participants")
    report = models.ForeignKey("indicators.Report", on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "organisation"], name="participant_one_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.match_id}"


class Sighting(models.Model):
    """A screening recorded at the screener's request: the token met the screener's systems."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    key_id = models.CharField(max_length=16)
    token = models.CharField(max_length=64)
    visibility = models.CharField(max_length=16, default="anonymous")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key_id", "token"], name="sighting_token_idx")]

    def __str__(self) -> str:
        return f"sighting {self.token[:12]}… by {self.organisation_id}"


class ToldAbout(models.Model):
    """That `recipient` was told of `report` in `match`: whom a withdrawal must reach."""

    recipient = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    report = models.ForeignKey("indicators.Report", on_delete=models.CASCADE)
    match = models.ForeignKey(Match, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "report"], name="told_once_per_report")]

    def __str__(self) -> str:
        return f"{self.recipient_id} told of report {self.report_id}"


class LegalBasis(models.TextChoices):
    SAFE_HARBOUR = "safe_harbour", "Information-sharing safe harbour"
    COURT_ORDER = "court_order", "Court order"
    MUTUAL_LEGAL_ASSISTANCE = "mutual_legal_assistance", "Mutual legal assistance"
    CONSENT = "consent", "Consent"
    OTHER = "other", "Other"


class DisclosureStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired unanswered"


class DisclosureRequest(models.Model):
    """A party asks an anonymous counterpart in a match to reveal itself."""

    match = models.ForeignKey(Match, on_delete=models.PROTECT)
    requester = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    target_report = models.ForeignKey("indicators.Report", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    legal_basis = models.CharField(max_length=32, choices=LegalBasis.choices)
    message = models.TextField(max_length=2000)
    status = models.CharField(max_length=16, choices=DisclosureStatus.choices, default=DisclosureStatus.PENDING)
    answer_reason = models.TextField(max_length=2000, blank=True)
    case_note = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "target_report"],
                condition=models.Q(status="pending"),
                name="one_pending_disclosure_per_counterpart",
            )
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk} ({self.status})"
