"""API for an organisation's own audit events."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit import selectors
from apps.audit.models import AuditEvent
from apps.common.api import paginated_response
from apps.organisations.models import Scope


class AuditEventOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "action", "actor_label", "ip", "object_type", "object_id", "data", "hash"]


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
    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.audit_event_get_visible_to(organisation_id=request.actor.organisation.pk, event_id=event_id)
        return Response(AuditEventOutputSerializer(event).data)
