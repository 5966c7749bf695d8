"""Statistics releases (immutable, dated, their parameters recorded) and government or court requests received."""

from typing import Any

from django.db import models
from django.utils import timezone


class ImmutableError(Exception):
    """A release, once written, is never changed or deleted."""


class WriteOnce(models.Model):
    """Rows inserted once; PostgreSQL triggers refuse UPDATE and DELETE too (migration 0002)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError(f"{self._meta.verbose_name} {self.pk} is immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError(f"{self._meta.verbose_name} {self.pk} is immutable")


class Release(WriteOnce):
    period_label = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField(help_text="Exclusive.")
    k = models.PositiveIntegerField(help_text="No published cell from fewer than k organisations or wallets.")
    epsilon = models.FloatField(null=True, blank=True, help_text="Privacy budget asked for; empty: no noise.")
    epsilon_spent = models.FloatField(null=True, blank=True)
    parameters = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, help_text="The actor's label: a hub administrator or the system.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"release {self.pk} {self.period_label} ({self.created_at:%Y-%m-%d %H:%M})"


class ReleaseTable(WriteOnce):
    """One table of a release, exactly as computed: true values, what members see, and why cells are hidden."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="tables")
    position = models.PositiveIntegerField()
    name = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    section = models.CharField(max_length=20)
    dimension = models.CharField(max_length=60)
    note = models.TextField(blank=True)
    columns = models.JSONField()
    rows = models.JSONField()
    total = models.JSONField(null=True, blank=True)
    open_rows = models.BooleanField(default=False, help_text="Suppressed rows are left out of members' view.")
    epsilon = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["release", "position"]
        constraints = [models.UniqueConstraint(fields=["release", "name"], name="release_table_one_per_name")]

    def __str__(self) -> str:
        return f"{self.name} of release {self.release_id}"


class AuthorityKind(models.TextChoices):
    COURT = "court", "Court"
    GOVERNMENT = "government", "Government body"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement (outside the hub)"
    REGULATOR = "regulator", "Regulator"


class RequestKind(models.TextChoices):
    DATA = "data", "Disclosure of data"
    PRESERVATION = "preservation", "Preservation of data"
    OTHER = "other", "Other"


class RequestOutcome(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLIED = "complied", "Complied"
    PARTLY = "partly", "Partly complied"
    REFUSED = "refused", "Refused"


class GovernmentRequest(models.Model):
    """A government or court request the hub received, recorded by a hub administrator for the transparency report."""

    received_on = models.DateField()
    authority = models.CharField(max_length=20, choices=AuthorityKind.choices)
    jurisdiction = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    outcome = models.CharField(max_length=20, choices=RequestOutcome.choices, default=RequestOutcome.PENDING)
    summary = models.TextField(max_length=2000, blank=True, help_text="For hub administrators; never published.")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_authority_display()} {self.jurisdiction} {self.received_on} ({self.outcome})"
