"""Periodic report jobs."""

from celery import shared_task

from apps.common.actors import SYSTEM
from apps.indicators.services import MAX_BATCH, reports_expire


@shared_task
def expire_reports() -> int:
    """Expire every report past its expiry, a batch per transaction."""
    total = 0
    while (expired := reports_expire(actor=SYSTEM)) > 0:
        total += expired
        if expired < MAX_BATCH:
            break
    return total
