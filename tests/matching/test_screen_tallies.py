"""Screenings are counted per actor and minute, and each finished minute is sealed into the audit chain."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.audit.services import audit_chain_verify
from apps.common.actors import Actor
from apps.matching.models import ScreenTally
from apps.matching.reporting import report_submit
from apps.matching.screen_tallies import screen_tallies_seal, screen_tally_add
from apps.matching.services import screen
from tests.factories import report_item, token_for

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 9, 0, 15, tzinfo=UTC)


def _screen(client, key_id: str, tokens: list[str], record_sighting: bool = False) -> None:
    body = {"key_id": key_id, "tokens": tokens, "record_sighting": record_sighting}
    assert client.post(reverse("api:screen"), body, format="json").status_code == 200


def _sealed(organisation_id: int) -> list[dict]:
    events = AuditEvent.objects.filter(organisation_id=organisation_id, action="screen.checked").order_by("id")
    return [event.data for event in events]


def test_a_minutes_screenings_become_one_audit_event_naming_the_actor(world, rfc_key) -> None:
    reported = token_for("tally-reported")
    report_submit(actor=Actor(organisation=world.org_b), items=[report_item(reported, rfc_key.key_id)])
    with time_machine.travel(T0, tick=False):
        _screen(world.client_a, rfc_key.key_id, [reported, token_for("tally-clean")], record_sighting=True)
        _screen(world.client_a, rfc_key.key_id, [token_for("tally-other")])
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        _screen(world.client_a, rfc_key.key_id, [reported])
    assert _sealed(world.org_a.pk) == []

    assert screen_tallies_seal(now=T0 + timedelta(minutes=2)) == 1
    event = AuditEvent.objects.get(organisation_id=world.org_a.pk, action="screen.checked")
    assert event.data == {
        "minute": "2026-11-30T09:00:00+00:00",
        "requests": 3,
        "tokens": 4,
        "reported": 2,
        "sighting_requests": 1,
    }
    assert (event.actor_api_key_id, event.actor_label) == (world.key_a.pk, f"api-key:{world.key_a.prefix}")
    assert not ScreenTally.objects.exists()
    assert audit_chain_verify().ok


def test_each_minute_and_each_actor_is_its_own_event(world, rfc_key) -> None:
    for offset, client in ((0, world.client_a), (0, world.client_b), (60, world.client_a)):
        with time_machine.travel(T0 + timedelta(seconds=offset), tick=False):
            _screen(client, rfc_key.key_id, [token_for("tally-minutes")])
    assert screen_tallies_seal(now=T0 + timedelta(minutes=3)) == 3
    assert [data["minute"] for data in _sealed(world.org_a.pk)] == [
        "2026-11-30T09:00:00+00:00",
        "2026-11-30T09:01:00+00:00",
    ]
    assert len(_sealed(world.org_b.pk)) == 1


def test_the_current_minute_is_left_open_until_it_is_over(world, rfc_key) -> None:
    with time_machine.travel(T0, tick=False):
        _screen(world.client_a, rfc_key.key_id, [token_for("tally-open")])
    assert screen_tallies_seal(now=T0 + timedelta(seconds=30)) == 0  # 09:00:45, the minute still running
    assert screen_tallies_seal(now=T0 + timedelta(seconds=50)) == 0  # 09:01:05, within the grace after it
    assert screen_tallies_seal(now=T0 + timedelta(seconds=56)) == 1


def test_a_refused_screening_is_not_counted(world, rfc_key) -> None:
    response = world.client_a.post(reverse("api:screen"), {"key_id": "ffffffffffffffff", "tokens": []}, format="json")
    assert response.status_code == 400
    assert not ScreenTally.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_screenings_by_one_key_lose_no_count(world, rfc_key) -> None:
    actor = Actor(organisation=world.org_a, api_key=world.key_a)
    errors: list[BaseException] = []

    def screen_many() -> None:
        try:
            for _ in range(10):
                screen(actor=actor, key_id=rfc_key.key_id, tokens=[token_for("tally-race")], record_sighting=False)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(T0, tick=False):
        threads = [threading.Thread(target=screen_many) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert ScreenTally.objects.get().requests == 40


@pytest.mark.postgres_only
def test_counting_inside_a_callers_transaction_leaves_its_durability_alone(world) -> None:
    screen_tally_add(actor=Actor(organisation=world.org_a, api_key=world.key_a), tokens=1, reported=0,
                     record_sighting=False)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
