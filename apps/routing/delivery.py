"""The delivery engine: claim a due delivery, send it, log the attempt, schedule the retry.

Retries back off over about 30 hours (RETRY_DELAYS). A delivery is claimed with a conditional
UPDATE, so two workers never send it at once; a claim older than VIGIL_DELIVERY_CLAIM_TIMEOUT
(its worker died) is released by the sweeper, which also enqueues whatever is due — so a broker
outage delays deliveries and loses none.
"""

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import SYSTEM
from apps.common.public_ids import public_id
from apps.organisations.models import Role
from apps.routing.crypto import webhook_secret_decrypt
from apps.routing.models import Channel, Delivery, DeliveryAttempt, DeliveryStatus, Notification, WebhookEndpoint
from apps.routing.senders import AttemptResult, email_send, webhook_post

logger = logging.getLogger(__name__)

# Seconds to wait after the 1st, 2nd, ... failed attempt: 30.3 hours in all, then the delivery fails.
RETRY_DELAYS = (10, 30, 120, 600, 1800, 3600, 7200, 14400, 21600, 28800, 28800)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
ENDPOINT_DISABLED = "endpoint disabled"
ORGANISATION_INACTIVE = "organisation not active"
REENQUEUE_AFTER = timedelta(seconds=60)  # an enqueued delivery not yet claimed by then is enqueued again


def webhook_body(notification: Notification) -> str:
    """The Standard Webhooks payload shape: type, timestamp and data."""
    return json.dumps(
        {
            "type": notification.event,
            "timestamp": notification.created_at.isoformat(),
            "data": {"notification": public_id("notification", notification.pk), **notification.payload},
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def _email_text(notification: Notification) -> tuple[str, str]:
    # The e-mail says only that something is waiting: details stay behind the hub's login and TLP.
    subject = f"[Vigil] {notification.get_event_display()}"
    text = (
        f"Your organisation has a new Vigil notification ({notification.event}, "
        f"{public_id('notification', notification.pk)}).\n"
        "Read it in the hub's inbox or through GET /api/v1/notifications.\n"
    )
    return subject, text


def _send(delivery: Delivery) -> AttemptResult:
    notification = delivery.notification
    if delivery.channel == Channel.EMAIL:
        subject, text = _email_text(notification)
        return email_send(to=notification.organisation.contact_email, subject=subject, text=text)
    endpoint = delivery.endpoint
    secret = webhook_secret_decrypt(bytes(endpoint.secret_ciphertext), endpoint_label=str(endpoint.uid))
    return webhook_post(
        url=endpoint.url, secret=secret, message_id=str(delivery.message_id), body=webhook_body(notification)
    )


def delivery_attempt(delivery_id: int) -> str | None:
    """Try one delivery if it is due and unclaimed; returns its new status, or None if not ours."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        status=DeliveryStatus.DELIVERING, claimed_at=now
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("notification__organisation", "endpoint").get(pk=delivery_id)
    if not delivery.notification.organisation.is_active:
        # A suspended member receives nothing; its inbox keeps what was written before suspension.
        result = AttemptResult(False, 0, error=ORGANISATION_INACTIVE)
    elif delivery.endpoint is not None and not delivery.endpoint.enabled:
        result = AttemptResult(False, 0, error=ENDPOINT_DISABLED)
    else:
        result = _send(delivery)
    return _record(delivery, result)


@transaction.atomic
def _record(delivery: Delivery, result: AttemptResult) -> str:
    now = timezone.now()
    DeliveryAttempt.objects.create(
        delivery=delivery,
        success=result.success,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        error=result.error,
    )
    attempts = delivery.attempts + 1
    if result.success:
        status, next_at = DeliveryStatus.DELIVERED, now
    elif attempts >= MAX_ATTEMPTS or result.error in (ENDPOINT_DISABLED, ORGANISATION_INACTIVE):
        status, next_at = DeliveryStatus.FAILED, now
    else:
        status, next_at = DeliveryStatus.PENDING, now + timedelta(seconds=RETRY_DELAYS[attempts - 1])
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=attempts,
        next_attempt_at=next_at,
        enqueued_at=None,
        delivered_at=now if result.success else None,
        last_error=result.error,
    )
    if delivery.endpoint is not None and result.error != ORGANISATION_INACTIVE:
        _endpoint_outcome(delivery.endpoint, result.success)
    return status


def _endpoint_outcome(endpoint: WebhookEndpoint, success: bool) -> None:
    if success:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    disabled = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, enabled=True, consecutive_failures__gte=settings.VIGIL_WEBHOOK_DISABLE_AFTER
    ).update(enabled=False, disabled_at=timezone.now(), disabled_reason="too many consecutive failures")
    if disabled:
        audit_log(
            actor=SYSTEM,
            action="webhook.disabled",
            organisation_id=endpoint.organisation_id,
            target=endpoint,
            data={"url": endpoint.url, "failures": settings.VIGIL_WEBHOOK_DISABLE_AFTER},
        )
        _tell_admins(endpoint)


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    admins = get_user_model().objects.filter(
        membership__organisation_id=endpoint.organisation_id, membership__role=Role.ADMIN, is_active=True
    )
    text = (
        f"Vigil disabled your webhook endpoint {endpoint.url} after "
        f"{settings.VIGIL_WEBHOOK_DISABLE_AFTER} consecutive failed deliveries.\n"
        "Fix the receiver, then re-enable it (PATCH /api/v1/webhooks/{id} with enabled=true) "
        "and re-send failed deliveries.\n"
    )
    for admin in admins:
        if admin.email:
            email_send(to=admin.email, subject="[Vigil] Webhook endpoint disabled", text=text)


def deliveries_due(*, now: datetime | None = None) -> list[int]:
    """Release dead workers' claims and return the due deliveries that need enqueuing."""
    now = now or timezone.now()
    claim_timeout = timedelta(seconds=settings.VIGIL_DELIVERY_CLAIM_TIMEOUT)
    Delivery.objects.filter(status=DeliveryStatus.DELIVERING, claimed_at__lt=now - claim_timeout).update(
        status=DeliveryStatus.PENDING, claimed_at=None, enqueued_at=None
    )
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REENQUEUE_AFTER)
    )
    return list(due.order_by("next_attempt_at").values_list("id", flat=True)[:10_000])
