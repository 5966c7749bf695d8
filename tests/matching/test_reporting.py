"""Submitting, re-reporting, withdrawing and expiring reports."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM, Actor
from apps.common.errors import ValidationFailed
from apps.common.public_ids import public_id
from apps.indicators.models import Report, ReportStatus
from apps.matching.models import Match, MatchStatus
from apps.matching.reporting import report_submit, report_withdraw, reports_expire
from apps.oprf.services import oprf_key_retire, oprf_key_rotate
from tests.factories import report_item, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(world) -> Actor:
    return Actor(organisation=world.org_a, api_key=world.key_a)


@pytest.fixture
def charlie(world) -> Actor:
    return Actor(organisation=world.org_b, api_key=world.key_b)


def test_it_stores_a_batch_and_says_which_item_became_which_report(alice: Actor, rfc_key) -> None:
    result = report_submit(actor=alice, items=[report_item(token_for(n), rfc_key.key_id) for n in range(3)])
    assert (result.created, result.updated) == (3, 0)
    assert [item["index"] for item in result.reports] == [0, 1, 2]
    assert {item["id"] for item in result.reports} == {
        public_id("report", pk) for pk in Report.objects.values_list("id", flat=True)
    }
    event = AuditEvent.objects.get(action="report.submitted")
    assert event.data["created"] == 3
    assert event.actor_api_key_id == alice.api_key.pk


def test_rereporting_a_token_updates_the_report_without_a_duplicate_or_a_self_match(alice: Actor, rfc_key) -> None:
    report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id, category="grooming")])
    result = report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id, category="sextortion")])
    assert (result.created, result.updated) == (0, 1)
    assert Report.objects.get().category == "sextortion"
    assert not Match.objects.exists()


def test_a_bad_batch_is_refused_whole_listing_every_bad_item(alice: Actor, rfc_key) -> None:
    items = [
        report_item(token_for(0), rfc_key.key_id),
        report_item("ABC", rfc_key.key_id),
        report_item(token_for(2), "ffffffffffffffff"),
        report_item(token_for(3), rfc_key.key_id, namespace="dogecoin", category="fraud"),
        report_item(token_for(0), rfc_key.key_id),
        report_item(token_for(5), rfc_key.key_id, policy={"visibility": "loud", "audience_include": ["nobody"]}),
        report_item(token_for(6), rfc_key.key_id, value_amount=5),
    ]
    with pytest.raises(ValidationFailed) as caught:
        report_submit(actor=alice, items=items)
    pointers = {error["pointer"] for error in caught.value.errors}
    assert pointers == {
        "/items/1/token",
        "/items/2/key_id",
        "/items/3/namespace",
        "/items/3/category",
        "/items/4/token",
        "/items/5/policy/visibility",
        "/items/5/policy/audience_include",
        "/items/6/value_currency",
    }
    assert "6 item(s)" in caught.value.detail
    assert not Report.objects.exists()
    assert not AuditEvent.objects.filter(action="report.submitted").exists()


_NOW = timezone.now()


@pytest.mark.parametrize(
    ("bad", "pointer"),
    [
        ({"token": "ABC"}, "/items/1/token"),
        ({"key_id": "ffffffffffffffff"}, "/items/1/key_id"),
        ({"namespace": "dogecoin"}, "/items/1/namespace"),
        ({"category": "fraud"}, "/items/1/category"),
        ({"confidence": "certain"}, "/items/1/confidence"),
        ({"first_seen": _NOW, "last_seen": _NOW - timedelta(days=1)}, "/items/1/last_seen"),
        ({"value_currency": "EUR"}, "/items/1/value_currency"),
        ({"token": token_for(0)}, "/items/1/token"),
        ({"policy": {"tlp": "ultraviolet"}}, "/items/1/policy/tlp"),
    ],
)
def test_one_bad_item_of_any_kind_refuses_the_batch_and_is_named(
    alice: Actor, rfc_key, bad: dict, pointer: str
) -> None:
    items = [report_item(token_for(0), rfc_key.key_id), {**report_item(token_for(1), rfc_key.key_id), **bad}]
    with pytest.raises(ValidationFailed) as caught:
        report_submit(actor=alice, items=items)
    assert [error["pointer"] for error in caught.value.errors] == [pointer]
    assert not Report.objects.exists()


def test_a_retired_key_id_is_refused(alice: Actor, rfc_key) -> None:
    oprf_key_rotate(actor=SYSTEM)
    oprf_key_retire(actor=SYSTEM, key_id=rfc_key.key_id)
    with pytest.raises(ValidationFailed):
        report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id)])


def test_batch_policy_applies_and_an_item_overrides_it(alice: Actor, rfc_key, world) -> None:
    report_submit(
        actor=alice,
        policy={"visibility": "named", "tlp": "green", "audience_exclude": [world.org_b.slug]},
        items=[
            report_item(token_for(1), rfc_key.key_id),
            report_item(token_for(2), rfc_key.key_id, policy={"visibility": "silent"}),
        ],
    )
    first, second = Report.objects.order_by("id")
    assert (first.visibility, first.tlp, first.audience_exclude) == ("named", "green", [world.org_b.pk])
    assert (second.visibility, second.tlp) == ("silent", "green")
    assert timedelta(days=364) < first.expires_at - timezone.now() <= timedelta(days=365)


def test_an_organisations_default_policy_comes_before_the_hubs(alice: Actor, rfc_key, world) -> None:
    world.org_a.default_policy = {"visibility": "silent"}
    world.org_a.save()
    report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id)])
    assert Report.objects.get().visibility == "silent"


def test_two_organisations_reporting_one_token_make_a_match(alice: Actor, charlie: Actor, rfc_key) -> None:
    report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id)])
    result = report_submit(actor=charlie, items=[report_item(token_for(1), rfc_key.key_id)])
    assert result.matched == 1
    match = Match.objects.get()
    assert sorted(match.participants.values_list("organisation_id", flat=True)) == sorted(
        [alice.organisation.pk, charlie.organisation.pk]
    )


def test_withdrawal_deactivates_the_match_and_rereporting_revives_it(alice: Actor, charlie: Actor, rfc_key) -> None:
    report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id)])
    report_submit(actor=charlie, items=[report_item(token_for(1), rfc_key.key_id)])
    report = Report.objects.get(organisation=alice.organisation)
    assert report_withdraw(actor=alice, reports=[report]) == 1
    assert report_withdraw(actor=alice, reports=[Report.objects.get(pk=report.pk)]) == 0
    assert Report.objects.get(pk=report.pk).status == ReportStatus.WITHDRAWN
    assert Match.objects.get().status == MatchStatus.INACTIVE
    assert AuditEvent.objects.filter(action="report.withdrawn").count() == 1
    report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id)])
    assert Match.objects.get().status == MatchStatus.ACTIVE
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ACTIVE


def test_rereporting_beside_a_withdrawn_counterpart_keeps_the_match_inactive(
    alice: Actor, charlie: Actor, rfc_key
) -> None:
    report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id)])
    report_submit(actor=charlie, items=[report_item(token_for(1), rfc_key.key_id)])
    report_withdraw(actor=charlie, reports=list(Report.objects.filter(organisation=charlie.organisation)))
    result = report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id, category="grooming")])
    assert (result.updated, result.matched) == (1, 0)
    assert Match.objects.get().status == MatchStatus.INACTIVE  # one match still, not revived by alice alone
    report_submit(actor=charlie, items=[report_item(token_for(1), rfc_key.key_id)])
    assert Match.objects.get().status == MatchStatus.ACTIVE


def test_expiry_ends_reports_and_their_matches(alice: Actor, charlie: Actor, rfc_key) -> None:
    report_submit(actor=alice, items=[report_item(token_for(1), rfc_key.key_id)])
    report_submit(actor=charlie, items=[report_item(token_for(1), rfc_key.key_id)])
    Report.objects.filter(organisation=alice.organisation).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert reports_expire(actor=SYSTEM) == 1
    assert reports_expire(actor=SYSTEM) == 0
    assert Report.objects.get(organisation=alice.organisation).status == ReportStatus.EXPIRED
    assert Match.objects.get().status == MatchStatus.INACTIVE
    assert AuditEvent.objects.get(action="report.expired").organisation_id == alice.organisation.pk


@pytest.mark.postgres_only  # SQLite splits bulk inserts by its bound-variable limit
def test_a_batch_is_matched_in_a_fixed_number_of_queries_whatever_its_size(
    alice: Actor, charlie: Actor, rfc_key
) -> None:
    report_submit(actor=alice, items=[report_item(token_for(n), rfc_key.key_id) for n in range(2200)])
    counts = []
    for start, size in ((0, 200), (200, 2000)):
        with CaptureQueriesContext(connection) as queries:
            result = report_submit(
                actor=charlie, items=[report_item(token_for(n), rfc_key.key_id) for n in range(start, start + size)]
            )
        assert result.matched == size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 40, counts
    assert Match.objects.count() == 2200
