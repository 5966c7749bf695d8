"""Audit events: one row per security-relevant act, each hashing its predecessor's hash."""

from django.db import models


class AuditEvent(models.Model):
    # Plain ids, not foreign keys: the trail must outlive the objects it speaks of and must
    # never be rewritten by an ON DELETE cascade or SET NULL.
    created_at = models.DateTimeField()
    organisation_id = models.BigIntegerField(null=True, db_index=True)
    actor_user_id = models.BigIntegerField(null=True)
    actor_api_key_id = models.BigIntegerField(null=True)
    actor_label = models.CharField(max_length=200)
    session_key_hash = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_label}"
