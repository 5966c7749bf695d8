"""Handing deliveries to the broker (real Redis): a request that told many members publishes once."""

import json

import pytest
import redis
from django.conf import settings

from apps.common.actors import Actor
from apps.matching.reporting import report_submit
from apps.routing.models import Delivery
from apps.routing.tasks import fan_out_deliveries
from tests.factories import OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.skipif(settings.CELERY_TASK_ALWAYS_EAGER, reason="needs the Redis broker")


def _queued_tasks(broker: redis.Redis) -> list[str]:
    return [json.loads(message)["headers"]["task"] for message in broker.lrange("celery", 0, -1)]


def test_a_match_told_to_many_members_reaches_the_broker_as_one_message_a_worker_fans_out(
    db, rfc_key, django_capture_on_commit_callbacks
) -> None:
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    reporters = [OrganisationFactory(name=f"Reporter {n}") for n in range(4)]
    for reporter in reporters[:-1]:
        report_submit(actor=Actor(organisation=reporter), items=[report_item(token_for(1), rfc_key.key_id)])
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(actor=Actor(organisation=reporters[-1]), items=[report_item(token_for(1), rfc_key.key_id)])
    made = list(Delivery.objects.filter(enqueued_at__isnull=True).values_list("pk", flat=True))
    assert len(made) > 1
    assert _queued_tasks(broker) == ["apps.routing.tasks.fan_out_deliveries"]

    broker.delete("celery")
    fan_out_deliveries(made)  # as the worker runs it
    assert _queued_tasks(broker) == ["apps.routing.tasks.deliver"] * len(made)
    assert not Delivery.objects.filter(pk__in=made, enqueued_at__isnull=True).exists()
    broker.delete("celery")
