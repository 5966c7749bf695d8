"""Periodic jobs: expiring reports and unanswered disclosure requests, sealing screening tallies."""

from celery import shared_task

from apps.common.actors import SYSTEM
from apps.indicators.services import MAX_BATCH
from apps.matching.disclosure import disclosures_expire
from apps.matching.reporting import reports_expire
from apps.matching.screen_tallies import screen_tallies_seal


@shared_task
def expire_reports() -> int:
    """Expire every report past its expiry, a batch per transaction."""
    total = 0
    while (expired := reports_expire(actor=SYSTEM)) > 0:
        total += expired
        if expired < MAX_BATCH:
            break
    return total


@shared_task(ignore_result=True)
def expire_disclosures() -> int:
    return disclosures_expire()


@shared_task(ignore_result=True)
def seal_screen_tallies() -> int:
    return screen_tallies_seal()
