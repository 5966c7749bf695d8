"""Organisations, memberships and API keys."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.common.scopes import Scope


class Sector(models.TextChoices):
    """The values are vigil_client.contract.SECTORS; tests/client/test_contract.py keeps them equal."""

    BANK = "bank", "Bank"
    EXCHANGE = "exchange", "Exchange / VASP"
    PAYMENT_PROVIDER = "payment_provider", "Payment provider"
    NGO = "ngo", "NGO"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    REGULATOR = "regulator", "Regulator"
    OTHER = "other", "Other"


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", "Pending approval"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    sector = models.CharField(max_length=32, choices=Sector.choices)
    jurisdiction = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    status = models.CharField(max_length=16, choices=OrganisationStatus.choices, default=OrganisationStatus.PENDING)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    default_policy = models.JSONField(
        default=dict, blank=True, help_text="Sharing-policy defaults for this organisation's reports."
    )
    daily_evaluation_quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="OPRF evaluations per UTC day; empty means the hub's default."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == OrganisationStatus.ACTIVE


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    ANALYST = "analyst", "Analyst"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    # One organisation per person: an analyst acting for two members needs two accounts,
    # so every act is attributable to exactly one organisation.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.organisation})"


ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Scope.values),
    Role.ANALYST: frozenset({Scope.REPORT, Scope.SCREEN, Scope.READ}),
    Role.VIEWER: frozenset({Scope.READ}),
}


class ApiKey(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The public half of the key, used to find the row; the secret half is stored only hashed.
    prefix = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "Awaiting vetting"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class Application(models.Model):
    """A prospective organisation's request to join, vetted by a hub administrator."""

    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=32, choices=Sector.choices)
    jurisdiction = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=50, blank=True)
    purpose = models.TextField(max_length=2000, help_text="Why the organisation wants to join.")
    attested_at = models.DateTimeField(help_text="When the applicant attested that what they wrote is true.")
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=2000, blank=True, help_text="Why it was refused (sent to the applicant).")
    organisation = models.OneToOneField(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class Invitation(models.Model):
    """An e-mailed, single-use link that lets one person join an organisation with a role."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    # The secret in the link is stored only as its SHA-256, like an API key's.
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was accepted, revoked or expired.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation} ({self.role}, {self.status})"
