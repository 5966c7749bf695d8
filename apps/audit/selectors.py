"""Reading audit events, scoped to one organisation."""

from django.db.models import QuerySet

from apps.audit.models import AuditEvent
from apps.common.errors import NotFound


def audit_event_list_visible_to(*, organisation_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organisation_id=organisation_id).order_by("-id")


def audit_event_get_visible_to(*, organisation_id: int, event_id: int) -> AuditEvent:
    try:
        return audit_event_list_visible_to(organisation_id=organisation_id).get(pk=event_id)
    except AuditEvent.DoesNotExist:
        raise NotFound("No such audit event.") from None


def audit_event_list_all() -> QuerySet[AuditEvent]:
    """The whole trail, every organisation's and the hub's own, for hub administrators."""
    return AuditEvent.objects.order_by("-id")
