"""Reading an organisation's notifications, webhook endpoints and their deliveries."""

from django.db.models import QuerySet

from apps.common.errors import NotFound
from apps.organisations.models import Organisation
from apps.routing.models import Delivery, Notification, WebhookEndpoint


def notification_list_visible_to(
    *, organisation: Organisation, unread: bool | None = None, event: str | None = None
) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(organisation=organisation)
    if unread is not None:
        queryset = queryset.filter(read_at__isnull=unread)
    if event is not None:
        queryset = queryset.filter(event=event)
    return queryset.order_by("-id")


def notification_get_visible_to(*, organisation: Organisation, notification_id: int) -> Notification:
    try:
        return Notification.objects.get(organisation=organisation, pk=notification_id)
    except Notification.DoesNotExist:
        raise NotFound("No such notification.") from None


def webhook_list_visible_to(*, organisation: Organisation) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation=organisation).order_by("-id")


def webhook_get_visible_to(*, organisation: Organisation, webhook_id: int) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(organisation=organisation, pk=webhook_id)
    except WebhookEndpoint.DoesNotExist:
        raise NotFound("No such webhook endpoint.") from None


def delivery_list_for(*, endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint=endpoint).prefetch_related("attempt_log").order_by("-id")


def delivery_get_for(*, endpoint: WebhookEndpoint, delivery_id: int) -> Delivery:
    try:
        return Delivery.objects.get(endpoint=endpoint, pk=delivery_id)
    except Delivery.DoesNotExist:
        raise NotFound("No such delivery.") from None
