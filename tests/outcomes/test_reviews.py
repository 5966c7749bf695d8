"""Reviews: one per participant told of a match, recorded through the API, shown to others as visibility allows."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.outcomes.models import Review
from apps.outcomes.tasks import remind_open_reviews
from apps.routing.delivery import delivery_attempt
from apps.routing.models import Channel, Delivery, DeliveryStatus, Notification
from tests.factories import token_for
from tests.outcomes.conftest import report, review_url

pytestmark = pytest.mark.django_db


def test_each_participant_gets_one_open_review_when_it_is_told_of_the_match(world, shared) -> None:
    reviews = Review.objects.filter(match__token=token_for("shared"))
    assert sorted(reviews.values_list("organisation__slug", flat=True)) == ["alpha-bank", "beta-exchange"]
    answer = world.client_a.get(review_url(shared["id"])).json()
    assert (answer["status"], answer["outcome"], answer["counterparts"]) == ("open", None, [])


def test_a_match_made_only_with_a_silent_reporter_opens_a_review_for_the_silent_one_alone(
    world, rfc_key, police
) -> None:
    report(police, rfc_key.key_id, token_for("watch"), visibility="silent")
    report(world.org_a, rfc_key.key_id, token_for("watch"), visibility="named")
    assert list(Review.objects.values_list("organisation__slug", flat=True)) == ["police-unit"]


def test_recording_an_outcome_is_audited_and_shown_to_the_named_counterpart(world, shared) -> None:
    body = {"outcome": "funds_frozen", "amount": "0.25", "currency": "btc", "note": "case 88"}
    answer = world.client_b.put(review_url(_match_for(world.client_b)), body, format="json")
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["currency"]) == ("recorded", "BTC")
    event = AuditEvent.objects.get(action="review.recorded")
    assert (event.organisation_id, event.data["outcome"]) == (world.org_b.pk, "funds_frozen")
    [theirs] = world.client_a.get(review_url(shared["id"])).json()["counterparts"]
    assert theirs["organisation"]["slug"] == "beta-exchange"
    assert (theirs["outcome"], theirs["amount"]) == ("funds_frozen", "0.2500000000")
    assert "note" not in theirs


def test_an_anonymous_counterparts_outcome_comes_without_its_name(world, rfc_key) -> None:
    report(world.org_a, rfc_key.key_id, token_for("anon"), visibility="named")
    report(world.org_b, rfc_key.key_id, token_for("anon"), visibility="anonymous")
    body = {"outcome": "false_positive", "reason": "our customer's cold wallet"}
    world.client_b.put(review_url(_match_for(world.client_b)), body, format="json")
    [theirs] = world.client_a.get(review_url(_match_for(world.client_a))).json()["counterparts"]
    assert theirs["organisation"] is None
    assert (theirs["sector"], theirs["reason"]) == ("exchange", "our customer's cold wallet")


def test_a_silent_reporters_outcome_is_never_shown(world, rfc_key, police) -> None:
    report(world.org_a, rfc_key.key_id, token_for("both"), visibility="named")
    report(world.org_b, rfc_key.key_id, token_for("both"), visibility="named")
    report(police, rfc_key.key_id, token_for("both"), visibility="silent")
    review = Review.objects.get(organisation=police)
    review.outcome = "investigation_opened"
    review.recorded_at = timezone.now()
    review.save()
    assert world.client_a.get(review_url(_match_for(world.client_a))).json()["counterparts"] == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"outcome": "funds_frozen"}, "/amount"),
        ({"outcome": "false_positive"}, "/reason"),
        ({"outcome": "sar_filed", "amount": "3", "currency": "EUR"}, "/amount"),
        ({"outcome": "sar_filed", "reason": "x"}, "/reason"),
    ],
)
def test_an_incomplete_outcome_is_refused_whole(world, shared, body, pointer) -> None:
    answer = world.client_a.put(review_url(shared["id"]), body, format="json")
    assert answer.status_code == 400
    assert answer["content-type"] == "application/problem+json"
    assert pointer in [error["pointer"] for error in answer.json()["errors"]]
    assert Review.objects.get(organisation=world.org_a).is_open


def test_another_organisations_review_is_a_404(world, shared) -> None:
    outsider = world.client_for(_third_party_secret())
    assert outsider.get(review_url(shared["id"])).status_code == 404
    assert outsider.put(review_url(shared["id"]), {"outcome": "no_action"}, format="json").status_code == 404


def test_a_viewer_may_read_a_review_but_only_reporters_record_one(world, shared) -> None:
    from tests.factories import ApiKeyFactory

    _, secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["read"])
    reader = world.client_for(secret)
    assert reader.get(review_url(shared["id"])).status_code == 200
    assert reader.put(review_url(shared["id"]), {"outcome": "no_action"}, format="json").status_code == 403


def test_a_review_left_open_reminds_its_organisation_once_by_inbox_and_email(world, shared, settings) -> None:
    settings.VIGIL_REVIEW_DAYS = 14
    world.client_b.put(review_url(_match_for(world.client_b)), {"outcome": "no_action"}, format="json")
    Review.objects.update(opened_at=timezone.now() - timedelta(days=15))
    mail.outbox.clear()
    remind_open_reviews()
    remind_open_reviews()
    [reminder] = Notification.objects.filter(event="review.reminder")
    assert (reminder.organisation, reminder.payload["match"]) == (world.org_a, shared["id"])
    email = Delivery.objects.get(notification=reminder, channel=Channel.EMAIL)
    assert delivery_attempt(email.pk) == DeliveryStatus.DELIVERED
    assert [message.to for message in mail.outbox] == [[world.org_a.contact_email]]
    assert AuditEvent.objects.filter(action="review.reminded", organisation_id=world.org_a.pk).count() == 1


def test_a_review_younger_than_the_setting_is_not_reminded(world, shared, settings) -> None:
    settings.VIGIL_REVIEW_DAYS = 14
    Review.objects.update(opened_at=timezone.now() - timedelta(days=13))
    remind_open_reviews()
    assert not Notification.objects.filter(event="review.reminder").exists()


def test_the_review_list_holds_the_organisations_own_reviews(world, shared) -> None:
    [mine] = world.client_a.get(reverse("api:reviews")).json()["results"]
    assert (mine["match"], mine["status"]) == (shared["id"], "open")


def _match_for(client) -> str:
    return client.get(reverse("api:matches")).json()["results"][0]["id"]


def _third_party_secret() -> str:
    from tests.factories import ApiKeyFactory, OrganisationFactory

    _, secret = ApiKeyFactory.with_secret(organisation=OrganisationFactory(name="Gamma"), scopes=["read", "report"])
    return secret
