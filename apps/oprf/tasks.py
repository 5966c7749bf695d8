"""Periodic key-service jobs."""

from celery import shared_task

from apps.common.actors import SYSTEM
from apps.oprf.services import oprf_keys_retire_expired


@shared_task
def retire_expired_keys() -> list[str]:
    return oprf_keys_retire_expired(actor=SYSTEM)
