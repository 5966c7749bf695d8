"""Who is told what: notifications follow the visibility rules, for matches, retractions and sightings."""

import pytest
from django.db import transaction
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM, Actor
from apps.indicators.models import Report
from apps.matching.models import Match
from apps.matching.reporting import report_submit, report_withdraw
from apps.matching.services import match_review
from apps.matching.visibility import participant_handle
from apps.routing.models import Delivery, Notification
from tests.factories import OrganisationFactory, report_item, token_for
from tests.matching.test_visibility import AUDIENCES, CASES, _expected_view_of_a

pytestmark = pytest.mark.django_db


def _report(organisation, key_id: str, token: str, **policy: object) -> None:
    report_submit(actor=Actor(organisation=organisation), items=[report_item(token, key_id)], policy=policy)


def _told(organisation, event: str | None = None) -> list[Notification]:
    queryset = Notification.objects.filter(organisation=organisation).order_by("id")
    return list(queryset.filter(event=event) if event else queryset)


def _pick(counterpart: dict) -> dict:
    return {key: counterpart[key] for key in ("organisation", "sector", "jurisdiction", "visibility")}


@pytest.mark.parametrize(("visibility", "audience"), CASES)
def test_a_new_match_is_told_to_each_side_only_as_far_as_the_other_allows(world, rfc_key, visibility, audience) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility=visibility, **AUDIENCES[audience])
    _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named")
    expected = _expected_view_of_a(visibility, audience)
    told_b = _told(world.org_b)
    if expected is None:
        assert told_b == []  # not even that the match exists
    else:
        [notification] = told_b
        assert notification.event == "match.created"
        assert [_pick(c) for c in notification.payload["new_counterparts"]] == [expected]
    [told_a] = _told(world.org_a)
    assert [c["organisation"]["slug"] for c in told_a.payload["new_counterparts"]] == ["beta-exchange"]


def test_a_joining_participant_is_announced_once_and_nothing_is_repeated(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named")
    third = OrganisationFactory(name="Gamma NGO", sector="ngo")
    _report(third, rfc_key.key_id, token_for(1), visibility="anonymous")
    joined = _told(world.org_a, "match.joined")
    assert len(joined) == 1
    assert [(c["sector"], c["organisation"]) for c in joined[0].payload["new_counterparts"]] == [("ngo", None)]
    [told_third] = _told(third)
    assert len(told_third.payload["new_counterparts"]) == 2
    # Re-reporting changes nothing anyone has not been told, so nobody hears of it as news.
    _report(third, rfc_key.key_id, token_for(1), visibility="anonymous")
    assert len(_told(world.org_a, "match.joined")) == 1


def test_a_silent_joiner_is_told_and_tips_off_nobody(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    police = OrganisationFactory(name="Police Unit", sector="law_enforcement")
    _report(police, rfc_key.key_id, token_for(1), visibility="silent")
    assert _told(world.org_a) == []
    [told_police] = _told(police)
    assert told_police.payload["new_counterparts"][0]["organisation"]["slug"] == "alpha-bank"


def test_withdrawal_reaches_everyone_who_was_told_and_nobody_else(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named", audience_exclude=["alpha-bank"])
    report_withdraw(
        actor=Actor(organisation=world.org_a), reports=list(Report.objects.filter(organisation=world.org_a))
    )
    [retraction] = _told(world.org_b, "match.retracted")
    assert retraction.payload["reason"] == "withdrawn"
    assert retraction.payload["participant"] == participant_handle(
        Report.objects.get(organisation=world.org_a).pk, world.org_b.pk
    )
    # A was never told of B (excluded), and B's report still stands: A gets no retraction.
    assert _told(world.org_a, "match.retracted") == []


def test_a_correction_is_announced_and_a_policy_that_now_hides_it_is_a_retraction(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named")
    report_submit(
        actor=Actor(organisation=world.org_a),
        items=[report_item(token_for(1), rfc_key.key_id, category="trafficking")],
        policy={"visibility": "named"},
    )
    [corrected] = _told(world.org_b, "match.corrected")
    assert corrected.payload["counterpart"]["category"] == "trafficking"
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="silent")
    # Going silent reads exactly as a withdrawal: nothing says the wallet is still reported out of sight.
    [retraction] = _told(world.org_b, "match.retracted")
    assert retraction.payload == {
        "match": corrected.payload["match"],
        "participant": corrected.payload["counterpart"]["participant"],
        "reason": "withdrawn",
    }


def test_a_quarantined_match_stays_quiet_until_released(world, rfc_key, settings) -> None:
    settings.VIGIL_FLOOD_THRESHOLD = 2
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named")
    assert not Notification.objects.exists()
    match_review(actor=SYSTEM, match=Match.objects.get(), decision="release")
    assert {n.organisation_id for n in Notification.objects.all()} == {world.org_a.pk, world.org_b.pk}


def test_no_match_exists_without_its_notifications(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    with pytest.raises(RuntimeError), transaction.atomic():
        _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named")
        raise RuntimeError("the request failed after matching")
    assert not Match.objects.exists()
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("screener_visibility", "reporter_visibility", "alerts", "expected"),
    [
        ("named", "named", True, {"organisation": {"name": "Beta Exchange", "slug": "beta-exchange"}}),
        ("anonymous", "named", True, {}),
        ("anonymous", "silent", True, {}),  # the watch-list hears of its wallet
        ("named", "named", False, None),  # the reporter asked not to hear
    ],
)
def test_sighting_alerts_carry_the_screener_only_as_far_as_it_chose(
    world,
    rfc_key,
    screener_visibility,
    reporter_visibility,
    alerts,
    expected,
) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility=reporter_visibility, sighting_alerts=alerts)
    world.client_b.post(
        reverse("api:screen"),
        {
            "key_id": rfc_key.key_id,
            "tokens": [token_for(1)],
            "record_sighting": True,
            "sighting_visibility": screener_visibility,
        },
        format="json",
    )
    sightings = _told(world.org_a, "sighting")
    if expected is None:
        assert sightings == []
        return
    [sighting] = sightings
    assert sighting.payload["screened_by"] == {"sector": "exchange", "jurisdiction": "MT", **expected}
    assert _told(world.org_b) == []


def test_the_inbox_lists_and_marks_notifications(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named")
    [item] = world.client_a.get(reverse("api:notifications"), {"unread": "true"}).json()["results"]
    assert item["event"] == "match.created"
    world.client_a.post(reverse("api:notification-read", args=[item["id"]]))
    assert world.client_a.get(reverse("api:notifications"), {"unread": "true"}).json()["results"] == []
    assert AuditEvent.objects.filter(action="notification.read").count() == 1
    world.client_a.post(reverse("api:notification-unread", args=[item["id"]]))
    assert len(world.client_a.get(reverse("api:notifications"), {"unread": "true"}).json()["results"]) == 1


def test_channel_choices_decide_the_deliveries(world, rfc_key) -> None:
    response = world.client_a.put(reverse("api:notification-channels"), {"match.created": []}, format="json")
    assert response.json()["match.created"] == []
    assert response.json()["sighting"] == ["email", "webhook"]
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="named")
    _report(world.org_b, rfc_key.key_id, token_for(1), visibility="named")
    assert not Delivery.objects.filter(notification__organisation=world.org_a).exists()
    assert Delivery.objects.filter(notification__organisation=world.org_b, channel="email").count() == 1
    bad = world.client_a.put(reverse("api:notification-channels"), {"match.created": ["pigeon"]}, format="json")
    assert bad.status_code == 400
