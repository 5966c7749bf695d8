"""Reviews (what a match led to, one per participant organisation) and disputes of reports in a match."""

from django.db import models
from django.utils import timezone


class OutcomeKind(models.TextChoices):
    INVESTIGATION_OPENED = "investigation_opened", "Investigation opened"
    SAR_FILED = "sar_filed", "Suspicious-activity report filed"
    ACCOUNT_RESTRICTED = "account_restricted", "Account restricted"
    ACCOUNT_CLOSED = "account_closed", "Account closed"
    FUNDS_FROZEN = "funds_frozen", "Funds frozen"
    REFERRED = "referred", "Referred to a hotline or law enforcement"
    NO_ACTION = "no_action", "No action"
    FALSE_POSITIVE = "false_positive", "False positive"


class Review(models.Model):
    """One participant organisation's account of what a match led to; open until an outcome is recorded."""

    token = models.CharField(max_length=64)  # the match's: its foreign key is (id, token)
    match = models.ForeignKey("matching.Match", on_delete=models.PROTECT, related_name="reviews", db_constraint=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="reviews")
    outcome = models.CharField(max_length=32, choices=OutcomeKind.choices, blank=True, help_text="Empty: open.")
    amount = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    currency = models.CharField(max_length=12, blank=True)
    reason = models.TextField(
        max_length=2000, blank=True, help_text="Why a false positive; shown as visibility allows."
    )
    note = models.TextField(max_length=5000, blank=True, help_text="The organisation's own; never shown to others.")
    # When the match became visible to the organisation (it was told of it).
    opened_at = models.DateTimeField(default=timezone.now)
    # The first recording (time-to-action counts to it); later changes move updated_at only.
    recorded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "organisation", "token"], name="review_one_per_participant")
        ]
        indexes = [models.Index(fields=["outcome", "reminded_at", "opened_at"], name="review_reminder_idx")]

    def __str__(self) -> str:
        return f"review of {self.match_id} by {self.organisation_id}: {self.outcome or 'open'}"

    @property
    def is_open(self) -> bool:
        return not self.outcome


class DisputeState(models.TextChoices):
    OPEN = "open", "Open: awaiting the reporter"
    CONFIRMED = "confirmed", "Confirmed by the reporter"
    CORRECTED = "corrected", "Corrected by the reporter"
    WITHDRAWN = "withdrawn", "Withdrawn by the reporter"
    UNDEFENDED = "undefended", "Not answered before the deadline"


class Dispute(models.Model):
    """A participant says another participant's report in a match is wrong; the reporter answers."""

    token = models.CharField(max_length=64)  # the match's and both reports': their foreign keys are (id, token)
    match = models.ForeignKey("matching.Match", on_delete=models.PROTECT, related_name="disputes", db_constraint=False)
    disputer = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    # The disputer's own report in the match: who may know of the dispute follows its visibility.
    disputer_report = models.ForeignKey(
        "indicators.Report", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    report = models.ForeignKey(
        "indicators.Report", on_delete=models.PROTECT, related_name="disputes", db_constraint=False
    )
    reason = models.TextField(max_length=2000)
    response = models.TextField(max_length=2000, blank=True)
    deadline = models.DateTimeField()
    state = models.CharField(max_length=16, choices=DisputeState.choices, default=DisputeState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["disputer", "report", "token"],
                condition=models.Q(state="open"),
                name="one_open_dispute_per_report",
            )
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="dispute_deadline_idx")]

    def __str__(self) -> str:
        return f"dispute {self.pk} of report {self.report_id} ({self.state})"
