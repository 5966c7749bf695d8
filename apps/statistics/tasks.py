"""The periodic statistics release."""

from celery import shared_task
from django.conf import settings

from apps.common.actors import SYSTEM
from apps.statistics.services import release_create


@shared_task(ignore_result=True)
def release_periodic() -> None:
    """Release the twelve months to date (each run is a new, immutable release)."""
    release_create(actor=SYSTEM, epsilon=settings.VIGIL_STATISTICS_EPSILON)
