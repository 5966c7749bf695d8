"""API for the inbox, channel choices, and webhook endpoints with their delivery log."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import PublicIdField, paginated_response, validated
from apps.common.public_ids import internal_id
from apps.organisations.models import Scope
from apps.routing import selectors, services
from apps.routing.models import Channel, Delivery, DeliveryAttempt, Event, Notification, WebhookEndpoint


class NotificationOutputSerializer(serializers.ModelSerializer):
    id = PublicIdField("notification")
    match = PublicIdField("match", source="match_id", allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "event", "match", "payload", "created_at", "read_at"]


class NotificationListApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT, Scope.SCREEN}

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool)],
        responses=NotificationOutputSerializer(many=True),
        summary="The calling organisation's notifications, newest first",
    )
    def get(self, request: Request) -> Response:
        unread = request.query_params.get("unread")
        queryset = selectors.notification_list_visible_to(
            organisation=request.actor.organisation,
            unread=None if unread is None else unread.lower() in ("1", "true", "yes"),
        )
        return paginated_response(
            queryset=queryset, serializer_class=NotificationOutputSerializer, request=request, view=self
        )


class NotificationMarkApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT, Scope.SCREEN}
    read = True

    @extend_schema(request=None, responses=NotificationOutputSerializer, summary="Mark a notification read or unread")
    def post(self, request: Request, notification_id: str) -> Response:
        notification = selectors.notification_get_visible_to(
            organisation=request.actor.organisation, notification_id=internal_id("notification", notification_id)
        )
        notification = services.notification_mark(actor=request.actor, notification=notification, read=self.read)
        return Response(NotificationOutputSerializer(notification).data)


def _channels(name: str, *, required: bool) -> serializers.Serializer:
    """Event -> the channels it goes to, as the schema shows it."""
    return inline_serializer(
        name,
        {
            event: serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices), required=required)
            for event in Event.values
        },
    )


CHANNELS = _channels("Channels", required=True)


class ChannelsApi(APIView):
    required_scopes = {"GET": {Scope.READ, Scope.MANAGE}, "PUT": {Scope.MANAGE}}

    @extend_schema(
        responses=CHANNELS,
        summary="Which channels (email, webhook) each event goes to; the inbox gets every event",
    )
    def get(self, request: Request) -> Response:
        return Response(services.channels_get(organisation=request.actor.organisation))

    class InputField(serializers.DictField):
        """An object of event -> list of channel names; any other shape is a 400 naming the item."""

        child = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))

        def to_internal_value(self, data: object) -> dict[str, list[str]]:
            choices = super().to_internal_value(data)
            unknown = sorted(set(choices) - set(Event.values))
            if unknown:
                known = ", ".join(Event.values)
                raise serializers.ValidationError({event: [f"unknown event; known: {known}"] for event in unknown})
            return choices

    @extend_schema(
        request=_channels("ChannelsInput", required=False),
        responses=CHANNELS,
        summary="Choose channels per event",
    )
    def put(self, request: Request) -> Response:
        choices = self.InputField().run_validation(request.data)
        return Response(
            services.channels_set(actor=request.actor, organisation=request.actor.organisation, choices=choices)
        )


class WebhookOutputSerializer(serializers.ModelSerializer):
    id = PublicIdField("webhook")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "enabled",
            "created_at",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
        ]


def _endpoint(request: Request, webhook_id: str) -> WebhookEndpoint:
    return selectors.webhook_get_visible_to(
        organisation=request.actor.organisation, webhook_id=internal_id("webhook", webhook_id)
    )


class WebhookListApi(APIView):
    required_scopes = {Scope.MANAGE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "WebhookCreate"

        url = serializers.URLField(max_length=500)
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=Event.choices), required=False, default=list
        )
        enabled = serializers.BooleanField(default=True)

    @extend_schema(responses=WebhookOutputSerializer(many=True), summary="Webhook endpoints")
    def get(self, request: Request) -> Response:
        queryset = selectors.webhook_list_visible_to(organisation=request.actor.organisation)
        return paginated_response(
            queryset=queryset, serializer_class=WebhookOutputSerializer, request=request, view=self
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "WebhookCreated", {"webhook": WebhookOutputSerializer(), "secret": serializers.CharField()}
            )
        },
        summary="Register an endpoint; its whsec_ signing secret is returned this once only",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        endpoint, secret = services.webhook_create(actor=request.actor, **data)
        return Response({"webhook": WebhookOutputSerializer(endpoint).data, "secret": secret}, status=201)


class WebhookDetailApi(APIView):
    required_scopes = {Scope.MANAGE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "WebhookUpdate"

        url = serializers.URLField(max_length=500, required=False)
        events = serializers.ListField(child=serializers.ChoiceField(choices=Event.choices), required=False)
        enabled = serializers.BooleanField(required=False)

    @extend_schema(responses=WebhookOutputSerializer, summary="One webhook endpoint")
    def get(self, request: Request, webhook_id: str) -> Response:
        return Response(WebhookOutputSerializer(_endpoint(request, webhook_id)).data)

    @extend_schema(
        request=InputSerializer, responses=WebhookOutputSerializer, summary="Change or re-enable an endpoint"
    )
    def patch(self, request: Request, webhook_id: str) -> Response:
        data = validated(self.InputSerializer, request.data)
        endpoint = services.webhook_update(actor=request.actor, endpoint=_endpoint(request, webhook_id), **data)
        return Response(WebhookOutputSerializer(endpoint).data)

    @extend_schema(responses=WebhookOutputSerializer, summary="Stop using an endpoint (its delivery log is kept)")
    def delete(self, request: Request, webhook_id: str) -> Response:
        endpoint = _endpoint(request, webhook_id)
        services.webhook_delete(actor=request.actor, endpoint=endpoint)
        return Response(WebhookOutputSerializer(endpoint).data)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "success", "status_code", "latency_ms", "error"]


class DeliveryOutputSerializer(serializers.ModelSerializer):
    id = PublicIdField("delivery")
    webhook_id = serializers.CharField(source="message_id")
    event = serializers.CharField(source="notification.event")
    attempt_log = AttemptSerializer(many=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_error",
            "attempt_log",
        ]


class DeliveryListApi(APIView):
    required_scopes = {Scope.MANAGE}

    @extend_schema(
        responses=DeliveryOutputSerializer(many=True), summary="Deliveries to an endpoint, every attempt logged"
    )
    def get(self, request: Request, webhook_id: str) -> Response:
        queryset = selectors.delivery_list_for(endpoint=_endpoint(request, webhook_id)).select_related("notification")
        return paginated_response(
            queryset=queryset, serializer_class=DeliveryOutputSerializer, request=request, view=self
        )


class DeliveryResendApi(APIView):
    required_scopes = {Scope.MANAGE}
    problem_statuses = {"POST": {409}}

    @extend_schema(request=None, responses=DeliveryOutputSerializer, summary="Send a delivery again (same webhook-id)")
    def post(self, request: Request, webhook_id: str, delivery_id: str) -> Response:
        endpoint = _endpoint(request, webhook_id)
        resent = services.delivery_resend(
            actor=request.actor,
            delivery=selectors.delivery_get_for(endpoint=endpoint, delivery_id=internal_id("delivery", delivery_id)),
        )
        return Response(DeliveryOutputSerializer(resent).data)
