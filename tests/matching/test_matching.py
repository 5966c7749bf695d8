"""Matches: exactly once under concurrency, flood control and its review."""

import threading

import pytest
from django.db import connection

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM, Actor
from apps.common.errors import Conflict
from apps.indicators.models import Report
from apps.matching.locks import LOCK_SLOTS, tokens_lock
from apps.matching.models import Match, MatchStatus
from apps.matching.reporting import report_submit
from apps.matching.services import match_review
from tests.factories import OrganisationFactory, report_item, token_for


def _report(organisation, key_id: str, token: str) -> None:
    report_submit(actor=Actor(organisation=organisation), items=[report_item(token, key_id)])


@pytest.mark.django_db
def test_a_third_organisation_joins_the_existing_match(world, rfc_key) -> None:
    third = OrganisationFactory(name="Gamma NGO", sector="ngo")
    for organisation in (world.org_a, world.org_b, third):
        _report(organisation, rfc_key.key_id, token_for(1))
    match = Match.objects.get()
    assert match.participants.count() == 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_of_one_token_make_exactly_one_match(world, rfc_key) -> None:
    organisations = [world.org_a, world.org_b, *(OrganisationFactory(name=f"Org {n}") for n in range(4))]
    # Several tokens shared by all, in different orders, so the batches overlap and contend.
    tokens = [token_for(f"shared-{n}") for n in range(20)]
    barrier = threading.Barrier(len(organisations))
    failures: list[BaseException] = []

    def report(organisation, order: list[str]) -> None:
        try:
            barrier.wait(timeout=10)
            report_submit(
                actor=Actor(organisation=organisation), items=[report_item(token, rfc_key.key_id) for token in order]
            )
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=report, args=(organisation, tokens[::-1] if n % 2 else tokens))
        for n, organisation in enumerate(organisations)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert Match.objects.count() == len(tokens)
    for match in Match.objects.all():
        assert match.participants.filter(active=True).count() == len(organisations)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_full_batches_of_different_tokens_both_land(world, rfc_key) -> None:
    # A lock per token made two such batches exhaust PostgreSQL's shared lock table; both failed.
    batches = {
        organisation: [report_item(token_for(f"{organisation.pk}-{n}"), rfc_key.key_id) for n in range(10_000)]
        for organisation in (world.org_a, world.org_b)
    }
    barrier = threading.Barrier(len(batches))
    failures: list[BaseException] = []

    def report(organisation, items) -> None:
        try:
            barrier.wait(timeout=10)
            report_submit(actor=Actor(organisation=organisation), items=items)
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=pair) for pair in batches.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert Report.objects.count() == 20_000


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_batch_holds_at_most_a_fixed_number_of_token_locks(rfc_key) -> None:
    tokens_lock((rfc_key.key_id, token_for(n)) for n in range(10_000))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert 0 < cursor.fetchone()[0] <= LOCK_SLOTS


@pytest.mark.django_db
def test_a_sudden_flood_of_reporters_quarantines_the_match(world, rfc_key, settings) -> None:
    settings.VIGIL_FLOOD_THRESHOLD = 3
    extra = OrganisationFactory(name="Gamma Pay", sector="payment_provider")
    _report(world.org_a, rfc_key.key_id, token_for(1))
    _report(world.org_b, rfc_key.key_id, token_for(1))
    assert Match.objects.get().status == MatchStatus.ACTIVE
    _report(extra, rfc_key.key_id, token_for(1))
    match = Match.objects.get()
    assert match.status == MatchStatus.QUARANTINED
    assert AuditEvent.objects.get(action="match.quarantined").data["match"] == match.pk
    seen = world.client_a.get("/api/v1/matches").json()["results"][0]
    assert seen["quarantined"] is True

    match_review(actor=SYSTEM, match=match, decision="release")
    assert Match.objects.get().status == MatchStatus.ACTIVE
    # Released once, the same flood does not quarantine it again.
    _report(OrganisationFactory(name="Delta Bank"), rfc_key.key_id, token_for(1))
    assert Match.objects.get().status == MatchStatus.ACTIVE
    assert AuditEvent.objects.filter(action="match.released").count() == 1


@pytest.mark.django_db
def test_a_dismissed_match_is_shown_to_nobody(world, rfc_key, settings) -> None:
    settings.VIGIL_FLOOD_THRESHOLD = 2
    _report(world.org_a, rfc_key.key_id, token_for(1))
    _report(world.org_b, rfc_key.key_id, token_for(1))
    match = match_review(actor=SYSTEM, match=Match.objects.get(), decision="dismiss")
    assert match.status == MatchStatus.DISMISSED
    assert world.client_a.get("/api/v1/matches").json()["results"] == []
    with pytest.raises(Conflict):
        match_review(actor=SYSTEM, match=match, decision="release")
