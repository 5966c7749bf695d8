"""Plain rows inserted without a model each are stored exactly as `bulk_create` stores them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from apps.common.rows import model_columns, model_from_row, rows_insert
from apps.matching.models import Match
from apps.outcomes.models import Review
from apps.routing.models import Notification

pytestmark = pytest.mark.django_db


def _stored() -> list[dict]:
    return [model_to_dict(review, exclude=["id"]) for review in Review.objects.order_by("match_id", "organisation_id")]


def test_rows_are_stored_as_bulk_create_stores_them_each_other_field_at_its_default(world) -> None:
    now = timezone.now()
    matches = [Match.objects.create(key_id="k", token=f"t{n}") for n in range(3)]
    orgs = [world.org_a.pk, world.org_b.pk]
    Review.objects.bulk_create(
        [Review(organisation_id=o, match=m, token=m.token, opened_at=now) for m in matches for o in orgs]
    )
    expected = _stored()
    Review.objects.all().delete()

    rows = [(o, m.pk, m.token, now) for m in matches for o in orgs]
    rows_insert(Review, ["organisation", "match", "token", "opened_at"], rows)

    assert _stored() == expected


def test_conflicting_rows_are_skipped_when_asked(world) -> None:
    match = Match.objects.create(key_id="k", token="t")
    opened = timezone.now()
    rows_insert(Review, ["organisation", "match", "token", "opened_at"], [(world.org_a.pk, match.pk, "t", opened)])

    rows = [(world.org_a.pk, match.pk, "t", timezone.now()), (world.org_b.pk, match.pk, "t", opened)]
    rows_insert(Review, ["organisation", "match", "token", "opened_at"], rows, ignore_conflicts=True)

    assert {(r.organisation_id, r.opened_at) for r in Review.objects.all()} == {
        (world.org_a.pk, opened),
        (world.org_b.pk, opened),
    }


def test_the_ids_come_back_in_the_order_the_rows_were_given(world) -> None:
    matches = [Match.objects.create(key_id="k", token=f"t{n}") for n in range(4)]
    rows = [(world.org_a.pk, match.pk, match.token, timezone.now()) for match in reversed(matches)]

    ids = rows_insert(Review, ["organisation", "match", "token", "opened_at"], rows)

    assert [Review.objects.get(pk=pk).match_id for pk in ids] == [match_id for _, match_id, _, _ in rows]


@pytest.mark.postgres_only
def test_json_is_stored_as_bulk_create_stores_it(world) -> None:
    match = Match.objects.create(key_id="k", token="t")
    payload = {"at": timezone.now(), "amount": Decimal("1.50"), "nested": {"list": [1, None, "é"]}, "none": None}
    Notification.objects.bulk_create([Notification(organisation=world.org_a, event="match.created", payload=payload)])
    rows_insert(
        Notification,
        ["organisation", "event", "match", "token", "payload"],
        [(world.org_a.pk, "match.created", match.pk, match.token, payload)],
    )

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT payload::text FROM {Notification._meta.db_table} ORDER BY id")  # noqa: S608
        stored = [text for (text,) in cursor.fetchall()]
    assert stored[0] == stored[1]


def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_a_row_read_by_hand_becomes_the_model_the_orm_would_load(world) -> None:
    stamp = timezone.now()
    Notification.objects.create(
        organisation=world.org_a, event="match.created", payload={"n": [1, "two", None]}, read_at=stamp
    )
    expected = Notification.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {model_columns(Notification, 'n')} FROM {Notification._meta.db_table} n")  # noqa: S608
        (row,) = cursor.fetchall()

    loaded = model_from_row(Notification, row)

    assert _fields(loaded) == _fields(expected)
    assert loaded.read_at == stamp and loaded.read_at.tzinfo is not None
    assert not loaded._state.adding
