"""Disputes: a participant disputes a counterpart's report; the reporter answers in time or it stands undefended."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.indicators.models import Report
from apps.outcomes.models import Dispute
from apps.outcomes.tasks import close_undefended_disputes
from apps.routing.models import Notification
from tests.factories import ApiKeyFactory, OrganisationFactory, token_for
from tests.outcomes.conftest import report

pytestmark = pytest.mark.django_db
REASON = "This is our customer's exchange deposit address, not a payment wallet."


def _dispute(client, match: dict, **overrides):
    body = {"participant": match["counterparts"][0]["participant"], "reason": REASON, **overrides}
    return client.post(reverse("api:match-disputes", args=[match["id"]]), body, format="json")


def _resolve(client, dispute_id: str, **body):
    return client.post(reverse("api:dispute-resolve", args=[dispute_id]), body, format="json")


def _screen(client, key_id: str, token: str) -> dict:
    body = {"key_id": key_id, "tokens": [token]}
    return client.post(reverse("api:screen"), body, format="json").json()["results"][0]


@pytest.fixture
def gamma(world, rfc_key):
    """A third member that reported the same wallet by name: it was told of both A's and B's reports."""
    gamma = OrganisationFactory(name="Gamma Payments", sector="payment_provider", jurisdiction="DE")
    report(gamma, rfc_key.key_id, token_for("shared"), visibility="named")
    _, secret = ApiKeyFactory.with_secret(organisation=gamma, scopes=["read", "report", "screen"])
    return gamma, world.client_for(secret)


def test_the_reporter_is_told_who_disputes_and_why(world, shared) -> None:
    answer = _dispute(world.client_a, shared)
    assert answer.status_code == 201
    assert (answer.json()["direction"], answer.json()["state"]) == ("outgoing", "open")
    [incoming] = world.client_b.get(reverse("api:disputes")).json()
    assert (incoming["direction"], incoming["reason"]) == ("incoming", REASON)
    assert incoming["disputer"]["organisation"]["slug"] == "alpha-bank"
    [told] = Notification.objects.filter(organisation=world.org_b, event="dispute.opened")
    assert told.payload["id"] == incoming["id"]
    assert {e.action for e in AuditEvent.objects.filter(action__startswith="dispute.")} == {
        "dispute.opened",
        "dispute.received",
    }


def test_a_confirmation_reaches_the_disputer_and_everyone_told_of_the_report(world, shared, gamma) -> None:
    gamma_org, _ = gamma
    dispute_id = _dispute(world.client_a, shared).json()["id"]
    answer = _resolve(world.client_b, dispute_id, resolution="confirmed", response="Seen in three cases.")
    assert answer.status_code == 200
    to_alpha = Notification.objects.get(organisation=world.org_a, event="dispute.resolved").payload
    assert (to_alpha["state"], to_alpha["response"]) == ("confirmed", "Seen in three cases.")
    to_gamma = Notification.objects.get(organisation=gamma_org, event="dispute.resolved").payload
    assert (to_gamma["direction"], to_gamma["state"], to_gamma["id"]) == ("other", "confirmed", None)
    assert "reason" not in to_gamma
    assert not Notification.objects.filter(organisation=world.org_b, event="dispute.resolved").exists()


def test_a_correction_re_reports_with_the_new_category(world, shared) -> None:
    dispute_id = _dispute(world.client_a, shared).json()["id"]
    answer = _resolve(world.client_b, dispute_id, resolution="corrected", category="sextortion")
    assert answer.json()["state"] == "corrected"
    assert Report.objects.get(organisation=world.org_b).category == "sextortion"
    assert Notification.objects.filter(organisation=world.org_a, event="match.corrected").exists()


def test_a_correction_without_a_new_category_is_refused(world, shared) -> None:
    dispute_id = _dispute(world.client_a, shared).json()["id"]
    answer = _resolve(world.client_b, dispute_id, resolution="corrected")
    assert answer.status_code == 400
    assert Dispute.objects.get().state == "open"


def test_withdrawing_ends_the_report_and_retracts_it(world, shared) -> None:
    dispute_id = _dispute(world.client_a, shared).json()["id"]
    _resolve(world.client_b, dispute_id, resolution="withdrawn")
    assert Report.objects.get(organisation=world.org_b).status == "withdrawn"
    events = set(Notification.objects.filter(organisation=world.org_a).values_list("event", flat=True))
    assert {"match.retracted", "dispute.resolved"} <= events


def test_only_the_reporter_answers_and_only_once(world, shared) -> None:
    dispute_id = _dispute(world.client_a, shared).json()["id"]
    assert _resolve(world.client_a, dispute_id, resolution="confirmed").status_code == 403
    assert _resolve(world.client_b, dispute_id, resolution="confirmed").status_code == 200
    assert _resolve(world.client_b, dispute_id, resolution="withdrawn").status_code == 409


def test_one_open_dispute_per_report(world, shared) -> None:
    assert _dispute(world.client_a, shared).status_code == 201
    assert _dispute(world.client_a, shared).status_code == 409


def test_an_undefended_dispute_marks_the_report_in_screening_for_those_who_may_know_of_it(
    world, rfc_key, shared, gamma, settings
) -> None:
    gamma_org, gamma_client = gamma
    _dispute(world.client_a, shared)
    Dispute.objects.update(deadline=timezone.now() - timedelta(minutes=1))
    assert _resolve(world.client_b, _id(world), resolution="confirmed").status_code == 409
    assert close_undefended_disputes() == 1
    assert Dispute.objects.get().state == "undefended"
    for organisation in (world.org_a, world.org_b, gamma_org):
        payload = Notification.objects.get(organisation=organisation, event="dispute.resolved").payload
        assert payload["state"] == "undefended"
    screened = _screen(gamma_client, rfc_key.key_id, token_for("shared"))
    marks = {c["organisation"]["slug"]: c["disputed"] for c in screened["counterparts"]}
    assert marks == {"alpha-bank": False, "beta-exchange": True}
    assert screened["disputed"] is True


def test_a_silent_reporter_cannot_dispute_and_nobody_hears_of_it(world, rfc_key, shared, police) -> None:
    report(police, rfc_key.key_id, token_for("shared"), visibility="silent")
    _, secret = ApiKeyFactory.with_secret(organisation=police, scopes=["read", "report"])
    police_client = world.client_for(secret)
    match = police_client.get(reverse("api:matches")).json()["results"][0]
    answer = _dispute(police_client, match)
    assert answer.status_code == 409
    assert not Dispute.objects.exists()
    assert not Notification.objects.filter(event__startswith="dispute.").exists()


def test_another_organisations_dispute_is_a_404(world, shared) -> None:
    dispute_id = _dispute(world.client_a, shared).json()["id"]
    _, secret = ApiKeyFactory.with_secret(organisation=OrganisationFactory(name="Delta"), scopes=["read", "report"])
    outsider = world.client_for(secret)
    assert outsider.get(reverse("api:dispute", args=[dispute_id])).status_code == 404
    assert _resolve(outsider, dispute_id, resolution="confirmed").status_code == 404
    assert _dispute(outsider, shared).status_code == 404


def _id(world) -> str:
    return world.client_b.get(reverse("api:disputes")).json()[0]["id"]


def test_a_dispute_whose_report_was_withdrawn_meanwhile_closes_as_withdrawn(world, rfc_key, shared) -> None:
    _dispute(world.client_a, shared)
    world.client_b.delete(f"{reverse('api:reports')}?token={token_for('shared')}")
    Dispute.objects.update(deadline=timezone.now() - timedelta(minutes=1))
    close_undefended_disputes()
    assert Dispute.objects.get().state == "withdrawn"
    assert AuditEvent.objects.filter(action="dispute.withdrawn").count() == 2
