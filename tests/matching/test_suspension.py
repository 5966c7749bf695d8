"""A suspended member receives nothing and its reports stand nowhere; reinstated, it resumes cleanly."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.common.actors import SYSTEM, Actor
from apps.matching.models import Match, MatchStatus
from apps.matching.reporting import report_submit
from apps.organisations.services import organisation_change_status
from apps.routing.delivery import delivery_attempt
from apps.routing.models import Channel, Delivery, DeliveryStatus, Notification
from tests.factories import OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.django_db


def _report(organisation, key_id: str, *tokens: str, **policy: object) -> None:
    items = [report_item(token, key_id) for token in tokens]
    report_submit(actor=Actor(organisation=organisation), items=items, policy={"visibility": "named", **policy})


def _set_status(organisation, transition: str) -> None:
    organisation_change_status(actor=SYSTEM, organisation=organisation, transition=transition, reason="review")


def test_a_suspended_members_reports_leave_every_match_and_every_screening_answer(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1))
    _report(world.org_b, rfc_key.key_id, token_for(1))
    _set_status(world.org_a, "suspend")
    assert Match.objects.get().status == MatchStatus.INACTIVE
    assert world.client_b.get(reverse("api:matches")).json()["results"] == []
    screened = world.client_b.post(
        reverse("api:screen"), {"key_id": rfc_key.key_id, "tokens": [token_for(1)]}, format="json"
    ).json()["results"][0]
    assert (screened["reported"], screened["counterparts"]) == (False, [])


def test_a_suspended_members_old_reports_make_no_new_match(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(2))
    _set_status(world.org_a, "suspend")
    _report(world.org_b, rfc_key.key_id, token_for(2))
    assert not Match.objects.exists()
    assert not Notification.objects.exists()


def test_reinstatement_restores_matches_and_tells_only_what_is_news(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), token_for(2))
    _report(world.org_b, rfc_key.key_id, token_for(1))
    _set_status(world.org_a, "suspend")
    _report(world.org_b, rfc_key.key_id, token_for(2))  # while A is away
    told_before = Notification.objects.count()
    _set_status(world.org_a, "reinstate")
    assert set(Match.objects.values_list("status", flat=True)) == {MatchStatus.ACTIVE}
    assert len(world.client_b.get(reverse("api:matches")).json()["results"]) == 2
    # token 1 was already known to both; token 2 is new to both.
    news = Notification.objects.filter(pk__gt=0).order_by("id")[told_before:]
    assert sorted((n.organisation_id, n.payload["token"]) for n in news) == sorted(
        [(world.org_a.pk, token_for(2)), (world.org_b.pk, token_for(2))]
    )


def test_nothing_is_delivered_to_a_suspended_member(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(3))
    _report(world.org_b, rfc_key.key_id, token_for(3))
    delivery = Delivery.objects.get(notification__organisation=world.org_a, channel=Channel.EMAIL)
    _set_status(world.org_a, "suspend")
    mail.outbox.clear()
    assert delivery_attempt(delivery.pk) == DeliveryStatus.FAILED
    assert mail.outbox == []
    assert Delivery.objects.get(pk=delivery.pk).last_error == "organisation not active"


@pytest.mark.parametrize("status", ["pending", "suspended", None])
def test_an_audience_can_name_only_active_members_and_others_look_unknown(world, rfc_key, status) -> None:
    if status:
        OrganisationFactory(name="Gamma Unit", status=status)
    response = world.client_a.post(
        reverse("api:reports"),
        {"items": [report_item(token_for(4), rfc_key.key_id)], "policy": {"audience_include": ["gamma-unit"]}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/items/0/policy/audience_include", "detail": "unknown organisation(s): gamma-unit"}
    ]
