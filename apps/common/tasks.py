"""Periodic housekeeping shared by every app."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from apps.common.models import IdempotencyRecord


@shared_task(ignore_result=True)
def prune_idempotency_records() -> int:
    """Forget stored answers older than the retry window; a later retry is then a new request."""
    cutoff = timezone.now() - timedelta(days=settings.VIGIL_IDEMPOTENCY_DAYS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
