"""Reports of tokens and the sharing policy each carries."""

from django.db import models
from django.utils import timezone


class Category(models.TextChoices):
    OSEC_PAYMENT = "osec_payment", "Payment for online sexual exploitation of children"
    CSAM_MARKETPLACE = "csam_marketplace", "Abuse-material marketplace"
    SEXTORTION = "sextortion", "Sextortion"
    TRAFFICKING = "trafficking", "Trafficking"
    GROOMING = "grooming", "Grooming"
    OTHER = "other", "Other"


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Visibility(models.TextChoices):
    NAMED = "named", "Named: counterparts may see who reported"
    ANONYMOUS = "anonymous", "Anonymous: counterparts see sector and jurisdiction"
    SILENT = "silent", "Silent: nobody but the reporter is told"


class Tlp(models.TextChoices):
    """TLP 2.0 markings."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class ReportStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


class Report(models.Model):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="reports")
    key_id = models.CharField(max_length=16)
    token = models.CharField(max_length=64)
    namespace = models.CharField(max_length=8)
    category = models.CharField(max_length=32, choices=Category.choices)
    confidence = models.CharField(max_length=8, choices=Confidence.choices, default=Confidence.MEDIUM)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    value_amount = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    value_currency = models.CharField(max_length=12, blank=True)
    reference = models.CharField(max_length=500, blank=True, help_text="Visible to the reporting organisation only.")
    # The sharing policy.
    visibility = models.CharField(max_length=16, choices=Visibility.choices)
    audience_sectors = models.JSONField(default=list, blank=True, help_text="Empty: every sector.")
    audience_include = models.JSONField(default=list, blank=True, help_text="Organisation ids always in audience.")
    audience_exclude = models.JSONField(default=list, blank=True, help_text="Organisation ids never told.")
    tlp = models.CharField(max_length=16, choices=Tlp.choices, default=Tlp.AMBER)
    sighting_alerts = models.BooleanField(default=True)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the report last became active (created, or re-reported after it ended); corrections keep it.
    # What others see of its arrival comes from this alone, never from when some match happened to form.
    active_since = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key_id", "token"], name="report_one_per_org_token"),
        ]
        indexes = [
            models.Index(fields=["key_id", "token"], name="report_token_idx"),
            models.Index(fields=["status", "expires_at"], name="report_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} {self.token[:12]}… by {self.organisation_id}"
