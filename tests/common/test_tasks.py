"""Housekeeping jobs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.common.models import IdempotencyRecord
from apps.common.tasks import prune_idempotency_records

pytestmark = pytest.mark.django_db


def test_old_idempotency_answers_are_forgotten_and_recent_ones_kept(world, settings) -> None:
    settings.VIGIL_IDEMPOTENCY_DAYS = 30
    old = IdempotencyRecord.objects.create(organisation=world.org_a, key="old", request_hash="x")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    IdempotencyRecord.objects.create(organisation=world.org_a, key="new", request_hash="y")
    assert prune_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
