"""Handing deliveries to the broker (real Redis): a request that told many members publishes once, and a
large batch's deliveries queue apart from a single match's."""

import base64
import json
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

from apps.common.actors import Actor
from apps.matching.reporting import report_submit
from apps.routing.models import Delivery
from apps.routing.tasks import (
    BULK_FROM,
    BULK_QUEUE,
    FAN_OUT_MAX,
    PROMPT_QUEUE,
    fan_out_deliveries,
    sweep_deliveries,
)
from tests.factories import OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.skipif(settings.CELERY_TASK_ALWAYS_EAGER, reason="needs the Redis broker")


def _queued(broker: redis.Redis, queue: str) -> list[dict]:
    return [json.loads(message) for message in reversed(broker.lrange(queue, 0, -1))]  # oldest first


def _queued_tasks(broker: redis.Redis, queue: str = PROMPT_QUEUE) -> list[str]:
    return [message["headers"]["task"] for message in _queued(broker, queue)]


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(PROMPT_QUEUE, BULK_QUEUE)
    yield broker
    broker.delete(PROMPT_QUEUE, BULK_QUEUE)


def test_a_match_told_to_many_members_reaches_the_broker_as_one_message_a_worker_fans_out(
    db, rfc_key, django_capture_on_commit_callbacks
) -> None:
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    reporters = [OrganisationFactory(name=f"Reporter {n}") for n in range(4)]
    for reporter in reporters[:-1]:
        report_submit(actor=Actor(organisation=reporter), items=[report_item(token_for(1), rfc_key.key_id)])
    earlier = list(Delivery.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(actor=Actor(organisation=reporters[-1]), items=[report_item(token_for(1), rfc_key.key_id)])
    made = list(Delivery.objects.exclude(pk__in=earlier).values_list("pk", flat=True))
    assert len(made) > 1
    assert _queued_tasks(broker) == ["apps.routing.tasks.fan_out_deliveries"]
    # Enqueued from the hand-over on: the sweeper must not hand them over again while the fan-out waits.
    assert not Delivery.objects.filter(pk__in=made, enqueued_at__isnull=True).exists()

    broker.delete("celery")
    fan_out_deliveries(made)  # as the worker runs it
    assert _queued_tasks(broker) == ["apps.routing.tasks.deliver"] * len(made)
    assert not Delivery.objects.filter(pk__in=made, enqueued_at__isnull=True).exists()
    broker.delete("celery")


def test_a_large_batchs_deliveries_queue_as_bulk_so_another_members_match_goes_first(
    db, rfc_key, broker, django_capture_on_commit_callbacks
) -> None:
    first, large, other = (OrganisationFactory(name=name) for name in ("First", "Large", "Other"))
    # Each match tells both members, by e-mail: half as many matches as a bulk hand-over's deliveries.
    items = [report_item(token_for(n), rfc_key.key_id) for n in range(BULK_FROM // 2)]
    report_submit(actor=Actor(organisation=first), items=items)
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(actor=Actor(organisation=large), items=items)
    bulk = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    assert len(bulk) >= BULK_FROM
    # In short fan-outs, so a worker soon turns back to the prompt queue.
    fan_outs = _queued(broker, BULK_QUEUE)
    assert {message["headers"]["task"] for message in fan_outs} == {"apps.routing.tasks.fan_out_deliveries"}
    assert [json.loads(base64.b64decode(message["body"]))[0] for message in fan_outs] == [
        [bulk[start : start + FAN_OUT_MAX], BULK_QUEUE] for start in range(0, len(bulk), FAN_OUT_MAX)
    ]

    report_submit(actor=Actor(organisation=first), items=[report_item(token_for("one"), rfc_key.key_id)])
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(actor=Actor(organisation=other), items=[report_item(token_for("one"), rfc_key.key_id)])
    assert _queued_tasks(broker) == ["apps.routing.tasks.fan_out_deliveries"]

    broker.delete(BULK_QUEUE)
    fan_out_deliveries(bulk, BULK_QUEUE)  # as the worker runs it
    assert _queued_tasks(broker, BULK_QUEUE) == ["apps.routing.tasks.deliver"] * len(bulk)


def test_the_sweepers_retries_and_stragglers_queue_as_bulk_and_are_not_swept_again_while_they_wait(
    db, rfc_key, broker
) -> None:
    for organisation in (OrganisationFactory(name="First"), OrganisationFactory(name="Second")):
        report_submit(actor=Actor(organisation=organisation), items=[report_item(token_for(1), rfc_key.key_id)])
    due = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    assert due and sweep_deliveries() == len(due)  # never handed over: the transaction's callbacks did not run
    [fan_out] = _queued(broker, BULK_QUEUE)
    assert json.loads(base64.b64decode(fan_out["body"]))[0] == [due, BULK_QUEUE]
    assert _queued_tasks(broker) == []
    assert sweep_deliveries() == 0
