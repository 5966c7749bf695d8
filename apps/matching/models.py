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
    # The match's and the report's token: their foreign keys are (id, token) (apps.common.token_keys).
    token = models.CharField(max_length=64)
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="participants", db_constraint=False)
    report = models.ForeignKey(
        "indicators.Report", on_delete=models.CASCADE, related_name="participations", db_constraint=False
    )
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "organisation", "token"], name="participant_one_per_org"),
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
    token = models.CharField(max_length=64)
    report = models.ForeignKey("indicators.Report", on_delete=models.CASCADE, db_constraint=False)
    match = models.ForeignKey(Match, on_delete=models.CASCADE, db_constraint=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "report", "token"], name="told_once_per_report")]

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

    token = models.CharField(max_length=64)
    match = models.ForeignKey(Match, on_delete=models.PROTECT, db_constraint=False)
    requester = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    target_report = models.ForeignKey(
        "indicators.Report", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
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
                fields=["requester", "target_report", "token"],
                condition=models.Q(status="pending"),
                name="one_pending_disclosure_per_counterpart",
            )
        ]

    def __str__(self) -> str:
        return f"disclosure {self.pk} ({self.status})"


class ScreenTally(models.Model):
    """Screenings counted per minute and per actor; sealed into the audit chain once the minute is over.

    An exchange screens on every withdrawal: a chained audit row per request would serialise every
    screen behind the chain and grow the log by a row per lookup. The auditor still learns who screened,
    from where, in which minute, how many tokens, and with what outcome.
    """

    minute = models.DateTimeField()
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)
    # The actor as the audit trail records it; 0 and "" stand for "none" so the key has no NULLs.
    actor_user_id = models.BigIntegerField(default=0)
    actor_api_key_id = models.BigIntegerField(default=0)
    actor_label = models.CharField(max_length=200)
    session_key_hash = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    requests = models.PositiveIntegerField(default=0)
    tokens = models.PositiveBigIntegerField(default=0)
    reported = models.PositiveBigIntegerField(default=0)
    sighting_requests = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "minute", "organisation", "actor_user_id", "actor_api_key_id",
                    "actor_label", "session_key_hash", "ip",
                ],
                name="screen_tally_one_per_actor_minute",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.requests} screenings by {self.actor_label} at {self.minute:%Y-%m-%d %H:%M}"
