"""Disclosure requests: asking an anonymous counterpart, its answer, expiry and who sees what."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.actors import Actor
from apps.common.public_ids import internal_id
from apps.indicators.models import Report
from apps.matching.disclosure import disclosure_request, disclosures_expire
from apps.matching.models import DisclosureRequest
from apps.matching.reporting import report_submit
from apps.routing.models import Notification
from tests.factories import ApiKeyFactory, OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.django_db
DISCLOSURES = reverse("api:disclosures")


@pytest.fixture
def anonymous_match(world, rfc_key) -> dict:
    """A (bank, named) and B (exchange, anonymous) report one wallet; returns A's view of B."""
    for organisation, visibility in ((world.org_a, "named"), (world.org_b, "anonymous")):
        report_submit(
            actor=Actor(organisation=organisation),
            items=[report_item(token_for(1), rfc_key.key_id)],
            policy={"visibility": visibility},
        )
    match = world.client_a.get(reverse("api:matches")).json()["results"][0]
    return {"match": match["id"], "participant": match["counterparts"][0]["participant"]}


def _ask(client, anonymous_match: dict, **overrides: object):
    body = {
        **anonymous_match,
        "legal_basis": "safe_harbour",
        "message": "Same wallet in our SAR 2026-114.",
        **overrides,
    }
    return client.post(DISCLOSURES, body, format="json")


def test_asking_tells_the_counterpart_who_asks_and_why(world, anonymous_match) -> None:
    response = _ask(world.client_a, anonymous_match)
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    [incoming] = world.client_b.get(DISCLOSURES).json()["results"]
    assert incoming["direction"] == "incoming"
    assert incoming["requester"]["slug"] == "alpha-bank"
    assert incoming["legal_basis"] == "safe_harbour"
    assert "contact_email" not in incoming["requester"]
    assert Notification.objects.filter(organisation=world.org_b, event="disclosure.requested").count() == 1


def test_approval_reveals_both_sides_contacts_and_the_case_note_to_the_two_alone(world, anonymous_match) -> None:
    request_id = _ask(world.client_a, anonymous_match).json()["id"]
    approved = world.client_b.post(
        reverse("api:disclosure-approve", args=[request_id]), {"case_note": "Our case 77/26"}, format="json"
    )
    assert approved.status_code == 200
    seen_by_a = world.client_a.get(reverse("api:disclosure", args=[request_id])).json()
    assert seen_by_a["counterpart"]["slug"] == "beta-exchange"
    assert seen_by_a["counterpart"]["contact_email"] == world.org_b.contact_email
    assert seen_by_a["requester"]["contact_email"] == world.org_a.contact_email
    assert seen_by_a["case_note"] == "Our case 77/26"
    outsider = OrganisationFactory(name="Outsider")
    _, secret = ApiKeyFactory.with_secret(organisation=outsider, scopes=["read"])
    assert world.client_for(secret).get(reverse("api:disclosure", args=[request_id])).status_code == 404
    assert Notification.objects.filter(organisation=world.org_a, event="disclosure.answered").count() == 1
    assert AuditEvent.objects.filter(action="disclosure.approved").count() == 2


def test_refusal_needs_a_reason_and_reveals_nothing(world, anonymous_match) -> None:
    request_id = _ask(world.client_a, anonymous_match).json()["id"]
    url = reverse("api:disclosure-refuse", args=[request_id])
    assert world.client_b.post(url, {}, format="json").status_code == 400
    refused = world.client_b.post(url, {"reason": "No legal gateway in MT"}, format="json").json()
    assert refused["status"] == "refused"
    seen_by_a = world.client_a.get(reverse("api:disclosure", args=[request_id])).json()
    assert seen_by_a["answer_reason"] == "No legal gateway in MT"
    assert "counterpart" not in seen_by_a


def test_only_the_counterpart_may_answer_and_only_once(world, anonymous_match) -> None:
    request_id = _ask(world.client_a, anonymous_match).json()["id"]
    assert world.client_a.post(reverse("api:disclosure-approve", args=[request_id])).status_code == 403
    assert world.client_b.post(reverse("api:disclosure-approve", args=[request_id])).status_code == 200
    assert world.client_b.post(reverse("api:disclosure-approve", args=[request_id])).status_code == 409


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"legal_basis": "curiosity"}, 400),
        ({"message": ""}, 400),
        ({"participant": 999_999}, 404),
    ],
)
def test_bad_requests_are_refused(world, anonymous_match, overrides, status) -> None:
    assert _ask(world.client_a, anonymous_match, **overrides).status_code == status
    assert not DisclosureRequest.objects.exists()


def test_a_named_counterpart_or_ones_own_report_cannot_be_asked(world, anonymous_match) -> None:
    own = Report.objects.get(organisation=world.org_a).pk
    assert _ask(world.client_a, anonymous_match, participant=own).status_code == 404
    # B sees A as named: there is nothing to disclose.
    assert _ask(world.client_b, anonymous_match, participant=own).status_code == 404


def test_one_pending_request_per_counterpart(world, anonymous_match) -> None:
    assert _ask(world.client_a, anonymous_match).status_code == 201
    assert _ask(world.client_a, anonymous_match).status_code == 409


def test_unanswered_requests_expire(world, anonymous_match) -> None:
    request_id = _ask(world.client_a, anonymous_match).json()["id"]
    DisclosureRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert disclosures_expire() == 1
    assert DisclosureRequest.objects.get(pk=internal_id("disclosure", request_id)).status == "expired"
    assert world.client_b.post(reverse("api:disclosure-approve", args=[request_id])).status_code == 409


def test_requests_are_metered_per_organisation_whatever_the_front_end(world, anonymous_match, settings) -> None:
    settings.VIGIL_DISCLOSURE_RATE = "1/day"
    cache.clear()
    first = disclosure_request(  # as the portal asks
        actor=Actor(organisation=world.org_a),
        match_id=anonymous_match["match"],
        participant=anonymous_match["participant"],
        legal_basis="safe_harbour",
        message="SAR 1",
    )
    first.status = "refused"
    first.save(update_fields=["status"])  # no pending request stands in the way of a second one
    response = _ask(world.client_a, anonymous_match)
    assert response.status_code == 429
    assert response.headers["Retry-After"]
