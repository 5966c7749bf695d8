"""Matches (one token reported by two or more organisations), participants and sightings."""

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
