"""Celery tasks: thin wrappers that take ids and call the delivery engine."""

import logging

from celery import shared_task
from django.utils import timezone

from apps.routing.delivery import deliveries_due, delivery_attempt
from apps.routing.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)


def enqueue_deliveries(ids: list[int]) -> None:
    """Hand deliveries to the broker; if it is down they stay due and the sweeper enqueues them later."""
    enqueued = []
    for delivery_id in ids:
        try:
            deliver.delay(delivery_id)
        except Exception as exc:  # a broker outage must never fail the request that wrote the outbox
            logger.warning("broker unavailable, delivery %s left for the sweeper: %s", delivery_id, exc)
            break
        enqueued.append(delivery_id)
    Delivery.objects.filter(pk__in=enqueued, status=DeliveryStatus.PENDING).update(enqueued_at=timezone.now())


def deliveries_hand_over(ids: list[int]) -> None:
    """Enqueue a request's deliveries: a batch that told many members goes to the broker as one message,
    which a worker fans out, so the request publishes once however many deliveries it made."""
    if len(ids) == 1:
        enqueue_deliveries(ids)
        return
    try:
        fan_out_deliveries.delay(ids)
    except Exception as exc:  # as above: the sweeper enqueues them later
        logger.warning("broker unavailable, %d deliveries left for the sweeper: %s", len(ids), exc)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def fan_out_deliveries(ids: list[int]) -> None:
    enqueue_deliveries(ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver(delivery_id: int) -> str | None:
    return delivery_attempt(delivery_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    ids = deliveries_due()
    enqueue_deliveries(ids)
    return len(ids)
