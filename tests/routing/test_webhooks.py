"""Webhook endpoints: SSRF-safe registration, signed delivery to a real receiver, retries, disabling."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from apps.audit.models import AuditEvent
from apps.common.actors import Actor
from apps.common.errors import ValidationFailed
from apps.common.public_ids import internal_id, public_id
from apps.matching.reporting import report_submit
from apps.routing.delivery import MAX_ATTEMPTS, RETRY_DELAYS, deliveries_due, delivery_attempt
from apps.routing.models import Delivery, DeliveryStatus, WebhookEndpoint
from apps.routing.senders import webhook_headers
from apps.routing.services import webhook_create
from tests.factories import MembershipFactory, report_item, token_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.5/hook", "private"),
        ("http://192.168.1.1/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fd00::1]/hook", "private"),
        ("http://0.0.0.0/hook", "reserved"),
        ("http://user:pw@example.org/hook", "credentials"),
        ("ftp://example.org/hook", "http"),
    ],
)
def test_registration_refuses_unsafe_targets(world, url: str, reason: str) -> None:
    with pytest.raises(ValidationFailed):
        webhook_create(actor=Actor(organisation=world.org_a), url=url, events=[])
    assert not WebhookEndpoint.objects.exists()


def test_production_refuses_loopback_and_plain_http(world, settings) -> None:
    settings.VIGIL_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationFailed, match="loopback"):
        webhook_create(actor=Actor(organisation=world.org_a), url="http://127.0.0.1:8080/hook", events=[])
    settings.VIGIL_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationFailed, match="https"):
        webhook_create(actor=Actor(organisation=world.org_a), url="http://example.org/hook", events=[])


def test_the_secret_is_shown_once_and_stored_encrypted(world) -> None:
    response = world.client_a.post(reverse("api:webhooks"), {"url": "http://127.0.0.1:9/h"}, format="json")
    assert response.status_code == 201
    secret = response.json()["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in world.client_a.get(reverse("api:webhook", args=[response.json()["webhook"]["id"]])).json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM routing_webhookendpoint")
        assert secret[6:] not in repr(cursor.fetchall())


def _match_with_webhook(world, rfc_key, receiver, **endpoint) -> WebhookEndpoint:
    created = world.client_b.post(reverse("api:webhooks"), {"url": receiver.url, **endpoint}, format="json").json()
    receiver.secret = created["secret"]
    for organisation in (world.org_a, world.org_b):
        report_submit(
            actor=Actor(organisation=organisation),
            items=[report_item(token_for(1), rfc_key.key_id)],
            policy={"visibility": "named"},
        )
    return WebhookEndpoint.objects.get(pk=internal_id("webhook", created["webhook"]["id"]))


def _webhook_delivery() -> Delivery:
    return Delivery.objects.get(channel="webhook")


def test_a_match_reaches_the_receiver_signed(world, rfc_key, receiver) -> None:
    _match_with_webhook(world, rfc_key, receiver)
    delivery = _webhook_delivery()
    assert delivery_attempt(delivery.pk) == DeliveryStatus.DELIVERED
    [received] = receiver.received
    assert received.verified
    assert received.webhook_id == str(delivery.message_id)
    payload = Webhook(receiver.secret).verify(received.body, received.headers)
    assert payload["type"] == "match.created"
    assert payload["data"]["new_counterparts"][0]["organisation"]["slug"] == "alpha-bank"
    assert Delivery.objects.get(pk=delivery.pk).attempt_log.get().status_code == 200


def test_a_matchs_webhook_is_handed_over_before_any_e_mail(world, rfc_key, receiver) -> None:
    # A told first by e-mail, then B by webhook and e-mail: the webhook still goes out first.
    _match_with_webhook(world, rfc_key, receiver)
    assert list(Delivery.objects.order_by("pk").values_list("channel", flat=True)) == ["webhook", "email", "email"]


def test_a_tampered_payload_or_an_old_timestamp_fails_verification(receiver) -> None:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"type":"match.created"}'
    headers = webhook_headers(secret=secret, message_id="msg_1", body=body)
    assert Webhook(secret).verify(body, headers) == {"type": "match.created"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("created", "joined"), headers)
    old = webhook_headers(secret=secret, message_id="msg_1", body=body, at=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, old)


def test_a_failing_receiver_is_retried_with_backoff_under_the_same_webhook_id(world, rfc_key, receiver) -> None:
    _match_with_webhook(world, rfc_key, receiver)
    receiver.status = 503
    delivery = _webhook_delivery()
    assert delivery_attempt(delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert (
        timedelta(seconds=RETRY_DELAYS[0] - 2)
        < delivery.next_attempt_at - timezone.now()
        <= timedelta(seconds=RETRY_DELAYS[0])
    )
    assert delivery_attempt(delivery.pk) is None  # not due yet
    assert delivery.pk not in deliveries_due()
    receiver.status = 200
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert delivery.pk in deliveries_due()
    assert delivery_attempt(delivery.pk) == DeliveryStatus.DELIVERED
    assert len(set(receiver.ids())) == 1
    assert [attempt.status_code for attempt in delivery.attempt_log.order_by("id")] == [503, 200]


def test_retries_span_more_than_a_day_then_stop() -> None:
    assert sum(RETRY_DELAYS) > 24 * 3600
    assert len(RETRY_DELAYS) + 1 == MAX_ATTEMPTS


def test_redirects_are_not_followed(world, rfc_key, receiver) -> None:
    _match_with_webhook(world, rfc_key, receiver)
    receiver.status = 302
    delivery = _webhook_delivery()
    delivery_attempt(delivery.pk)
    assert Delivery.objects.get(pk=delivery.pk).last_error == "HTTP 302"


def test_a_run_of_failures_disables_the_endpoint_and_tells_the_admins(world, rfc_key, receiver, settings) -> None:
    settings.VIGIL_WEBHOOK_DISABLE_AFTER = 3
    MembershipFactory(organisation=world.org_b, role="admin", user__username="dora")
    endpoint = _match_with_webhook(world, rfc_key, receiver)
    receiver.status = 500
    delivery = _webhook_delivery()
    for _ in range(3):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        delivery_attempt(delivery.pk)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == "too many consecutive failures"
    # Dora is org B's admin; Charlie, an analyst there, is not told.
    assert [message.to for message in mail.outbox if "disabled" in message.subject] == [["dora@example.org"]]


def test_a_delivery_can_be_resent_by_hand(world, rfc_key, receiver) -> None:
    endpoint = _match_with_webhook(world, rfc_key, receiver)
    delivery = _webhook_delivery()
    delivery_attempt(delivery.pk)
    webhook_id, delivery_id = public_id("webhook", endpoint.pk), public_id("delivery", delivery.pk)
    response = world.client_b.post(reverse("api:webhook-delivery-resend", args=[webhook_id, delivery_id]))
    assert response.json()["status"] == "pending"
    delivery_attempt(delivery.pk)
    assert receiver.ids() == [str(delivery.message_id)] * 2
    log = world.client_b.get(reverse("api:webhook-deliveries", args=[webhook_id])).json()["results"]
    assert len(log[0]["attempt_log"]) == 2


def test_a_delivery_being_attempted_is_not_resent_and_nothing_is_logged(world, rfc_key, receiver) -> None:
    endpoint = _match_with_webhook(world, rfc_key, receiver)
    delivery = _webhook_delivery()
    Delivery.objects.filter(pk=delivery.pk).update(status="delivering")
    webhook_id, delivery_id = public_id("webhook", endpoint.pk), public_id("delivery", delivery.pk)
    response = world.client_b.post(reverse("api:webhook-delivery-resend", args=[webhook_id, delivery_id]))
    assert response.status_code == 409
    assert not AuditEvent.objects.filter(action="webhook.delivery_resent").exists()


def test_an_endpoint_gets_only_the_events_it_asked_for(world, rfc_key, receiver) -> None:
    _match_with_webhook(world, rfc_key, receiver, events=["sighting"])
    assert not Delivery.objects.filter(channel="webhook").exists()
