"""The outbox: notifications written in the transaction that caused them, their deliveries, channels and
webhook endpoints. Who is told what is decided above, in matching; nothing here knows a domain rule."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import Conflict, ValidationFailed
from apps.common.rows import rows_insert
from apps.organisations.models import Organisation
from apps.routing.crypto import webhook_secret_encrypt, webhook_secret_generate
from apps.routing.models import (
    Channel,
    ChannelChoice,
    Delivery,
    DeliveryStatus,
    Event,
    Notification,
    WebhookEndpoint,
)
from apps.routing.ssrf import webhook_target
from apps.routing.tasks import deliveries_hand_over, enqueue_deliveries

DEFAULT_CHANNELS = [Channel.EMAIL, Channel.WEBHOOK]


def _channels_for(organisation_ids: set[int]) -> dict[tuple[int, str], list[str]]:
    return {
        (choice.organisation_id, choice.event): choice.channels
        for choice in ChannelChoice.objects.filter(organisation_id__in=organisation_ids)
    }


class Written(NamedTuple):
    """A notification just written, as its deliveries need it, for writers that build no model."""

    pk: int
    organisation_id: int
    event: str


def deliver_notifications(notifications: Sequence[Notification | Written]) -> None:
    """Create a delivery per chosen channel and enqueue them once the transaction commits."""
    if not notifications:
        return
    organisation_ids = {notification.organisation_id for notification in notifications}
    choices = _channels_for(organisation_ids)
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in WebhookEndpoint.objects.filter(organisation_id__in=organisation_ids, enabled=True):
        endpoints[endpoint.organisation_id].append(endpoint)
    webhooks, emails = [], []  # (notification, channel, endpoint, message id)
    for notification in notifications:
        channels = choices.get((notification.organisation_id, notification.event), DEFAULT_CHANNELS)
        if Channel.WEBHOOK in channels:
            webhooks += [
                (notification.pk, Channel.WEBHOOK.value, endpoint.pk, uuid.uuid4())
                for endpoint in endpoints[notification.organisation_id]
                if endpoint.wants(notification.event)
            ]
        if Channel.EMAIL in channels:
            emails.append((notification.pk, Channel.EMAIL.value, None, uuid.uuid4()))
    # Every webhook before any e-mail, and they are enqueued in this order: member systems act on
    # webhooks in real time; e-mail only says "look".
    ids = rows_insert(Delivery, ["notification", "channel", "endpoint", "message_id"], webhooks + emails)
    if ids:
        transaction.on_commit(lambda: deliveries_hand_over(ids))


@transaction.atomic
def notification_mark(*, actor: Actor, notification: Notification, read: bool) -> Notification:
    notification.read_at = timezone.now() if read else None
    notification.save(update_fields=["read_at"])
    audit_log(actor=actor, action="notification.read" if read else "notification.unread", target=notification)
    return notification


@transaction.atomic
def channels_set(*, actor: Actor, organisation: Organisation, choices: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = set(choices) - set(Event.values)
    bad_channels = {channel for channels in choices.values() for channel in channels} - set(Channel.values)
    if unknown or bad_channels:
        raise ValidationFailed(f"Unknown event(s) {sorted(unknown)} or channel(s) {sorted(bad_channels)}.")
    for event, channels in choices.items():
        ChannelChoice.objects.update_or_create(
            organisation=organisation, event=event, defaults={"channels": sorted(set(channels))}
        )
    audit_log(actor=actor, action="notification.channels_set", data=choices)
    return channels_get(organisation=organisation)


def channels_get(*, organisation: Organisation) -> dict[str, list[str]]:
    chosen = {choice.event: choice.channels for choice in ChannelChoice.objects.filter(organisation=organisation)}
    return {event: chosen.get(event, list(DEFAULT_CHANNELS)) for event in Event.values}


def _check_events(events: list[str]) -> list[str]:
    unknown = set(events) - set(Event.values)
    if unknown:
        raise ValidationFailed(f"Unknown event(s): {', '.join(sorted(unknown))}; known: {', '.join(Event.values)}.")
    return sorted(set(events))


@transaction.atomic
def webhook_create(*, actor: Actor, url: str, events: list[str], enabled: bool = True) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; the returned `whsec_` secret is shown once."""
    webhook_target(url)
    secret = webhook_secret_generate()
    endpoint = WebhookEndpoint(organisation=actor.organisation, url=url, events=_check_events(events), enabled=enabled)
    endpoint.secret_ciphertext = webhook_secret_encrypt(secret, endpoint_label=str(endpoint.uid))
    endpoint.save()
    audit_log(actor=actor, action="webhook.created", target=endpoint, data={"url": url, "events": endpoint.events})
    return endpoint, secret


@transaction.atomic
def webhook_update(*, actor: Actor, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    if "url" in changes:
        webhook_target(changes["url"])
        endpoint.url = changes["url"]
    if "events" in changes:
        endpoint.events = _check_events(changes["events"])
    if "enabled" in changes:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = 0, None, ""
    endpoint.save()
    audit_log(actor=actor, action="webhook.updated", target=endpoint, data={k: str(v) for k, v in changes.items()})
    return endpoint


@transaction.atomic
def webhook_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Disable for good rather than delete: its delivery log stays for the audit."""
    endpoint.enabled = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = "deleted by the organisation"
    endpoint.save()
    audit_log(actor=actor, action="webhook.deleted", target=endpoint, data={"url": endpoint.url})


@transaction.atomic
def delivery_resend(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Send again now: a failed delivery gets a fresh run of retries, under the same webhook-id."""
    reset = (
        Delivery.objects.filter(pk=delivery.pk)
        .exclude(status=DeliveryStatus.DELIVERING)
        .update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), enqueued_at=None, attempts=0)
    )
    if not reset:
        raise Conflict("This delivery is being attempted right now; look at its log in a moment.")
    audit_log(actor=actor, action="webhook.delivery_resent", target=delivery)
    transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]))
    delivery.refresh_from_db()
    return delivery
