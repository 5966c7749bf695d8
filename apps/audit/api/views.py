"""API for an organisation's own audit events."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit import selectors
from apps.audit.models import AuditEvent
from apps.common.api import PublicIdField, paginated_response
from apps.common.public_ids import PATTERN, internal_id, public_id
from apps.common.scopes import Scope

# The trail stores row ids; members see the public id of the row's kind, or none at all. Labels,
# not model imports: the audit app sits below the apps whose rows it names.
OBJECT_KINDS = {
    "organisations.membership": "membership",
    "organisations.apikey": "api_key",
    "routing.notification": "notification",
    "routing.webhookendpoint": "webhook",
    "routing.delivery": "delivery",
    "matching.match": "match",
    "matching.disclosurerequest": "disclosure",
    "routing.disclosurerequest": "disclosure",  # events written before disclosure moved to matching
    "indicators.report": "report",
    "audit.auditevent": "audit_event",
    "records.recordmember": "record_member",
}
# Keys of `data` that older events filled with row ids rather than public ids.
DATA_KINDS = {"match": "match", "reports": "report"}


def _public(kind: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_public(kind, item) for item in value]
    is_row_id = isinstance(value, int) and not isinstance(value, bool)
    return public_id(kind, value) if is_row_id else value


@extend_schema_field({"type": "string", "pattern": f"^{PATTERN}$", "nullable": True})
class ObjectIdField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, event: AuditEvent) -> str | None:
        kind = OBJECT_KINDS.get(event.object_type)
        return public_id(kind, int(event.object_id)) if kind and event.object_id.isdigit() else None


@extend_schema_field(OpenApiTypes.OBJECT)
class EventDataField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, data: dict[str, Any]) -> dict[str, Any]:
        return {key: _public(DATA_KINDS[key], value) if key in DATA_KINDS else value for key, value in data.items()}


class AuditEventOutputSerializer(serializers.ModelSerializer):
    id = PublicIdField("audit_event")
    object_id = ObjectIdField(help_text="The public id of the object acted on; null when it has none to show.")
    data = EventDataField()

    class Meta:
        model = AuditEvent
        # No chain MAC: it folds in every organisation's events, and only the hub can check it anyway.
        fields = ["id", "created_at", "action", "actor_label", "ip", "object_type", "object_id", "data"]


class AuditEventListApi(APIView):
    required_scopes = {Scope.MANAGE}

    @extend_schema(responses=AuditEventOutputSerializer(many=True), summary="Audit events of the calling organisation")
    def get(self, request: Request) -> Response:
        queryset = selectors.audit_event_list_visible_to(organisation_id=request.actor.organisation.pk)
        return paginated_response(
            queryset=queryset, serializer_class=AuditEventOutputSerializer, request=request, view=self
        )


class AuditEventDetailApi(APIView):
    required_scopes = {Scope.MANAGE}

    @extend_schema(responses=AuditEventOutputSerializer, summary="One audit event")
    def get(self, request: Request, event_id: str) -> Response:
        event = selectors.audit_event_get_visible_to(
            organisation_id=request.actor.organisation.pk, event_id=internal_id("audit_event", event_id)
        )
        return Response(AuditEventOutputSerializer(event).data)
