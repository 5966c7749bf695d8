"""Celery tasks: thin wrappers that take ids and call the delivery engine.

Deliveries travel on two queues. A request that made few of them (one member's match, a sighting)
hands them to the prompt queue, Celery's default; a large batch that told many members, and the
sweeper's retries and stragglers, go to the bulk queue. A worker consuming both takes turns between
them, so a 100,000-address report's deliveries never stand in front of another member's match.
"""

import logging

from celery import shared_task
from django.utils import timezone

from apps.routing.delivery import deliveries_due, delivery_attempt
from apps.routing.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

PROMPT_QUEUE = "celery"
BULK_QUEUE = "bulk"
BULK_FROM = 100  # deliveries made by one request from which they are bulk
FAN_OUT_MAX = 50  # deliveries per fan-out message: a short task, so the prompt queue's next turn comes soon


def enqueue_deliveries(ids: list[int], *, queue: str = PROMPT_QUEUE) -> None:
    """Hand deliveries to the broker; if it is down they stay due and the sweeper enqueues them later."""
    enqueued = []
    for delivery_id in ids:
        try:
            deliver.apply_async((delivery_id,), queue=queue)
        except Exception as exc:  # a broker outage must never fail the request that wrote the outbox
            logger.warning("broker unavailable, delivery %s left for the sweeper: %s", delivery_id, exc)
            break
        enqueued.append(delivery_id)
    Delivery.objects.filter(pk__in=enqueued, status=DeliveryStatus.PENDING).update(enqueued_at=timezone.now())


def deliveries_hand_over(ids: list[int]) -> None:
    """Enqueue a request's deliveries: a batch that told many members goes to the broker as one message
    per FAN_OUT_MAX deliveries, which a worker fans out, so the request publishes once per FAN_OUT_MAX
    rather than once per delivery, and no fan-out keeps a worker from the prompt queue for long."""
    if len(ids) == 1:
        enqueue_deliveries(ids)
        return
    _fan_out(ids, queue=BULK_QUEUE if len(ids) >= BULK_FROM else PROMPT_QUEUE)


def _fan_out(ids: list[int], *, queue: str) -> None:
    """Publish fan-out messages of FAN_OUT_MAX deliveries, and mark those handed over as enqueued now:
    the sweeper leaves them alone while they wait in a long queue for their fan-out to run."""
    handed: list[int] = []
    for start in range(0, len(ids), FAN_OUT_MAX):
        chunk = ids[start : start + FAN_OUT_MAX]
        try:
            fan_out_deliveries.apply_async((chunk, queue), queue=queue)
        except Exception as exc:  # as above: the sweeper enqueues them later
            logger.warning("broker unavailable, %d deliveries left for the sweeper: %s", len(ids) - len(handed), exc)
            break
        handed += chunk
    Delivery.objects.filter(pk__in=handed, status=DeliveryStatus.PENDING).update(enqueued_at=timezone.now())


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def fan_out_deliveries(ids: list[int], queue: str = PROMPT_QUEUE) -> None:
    enqueue_deliveries(ids, queue=queue)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver(delivery_id: int) -> str | None:
    return delivery_attempt(delivery_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    ids = deliveries_due()
    _fan_out(ids, queue=BULK_QUEUE)  # in fan-outs, so a sweep of thousands is a short task
    return len(ids)
