"""API for a member's own organisation, its people and its API keys."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import PublicIdField, paginated_response, validated
from apps.common.public_ids import internal_id
from apps.organisations import selectors, services
from apps.organisations.models import ApiKey, Membership, Organisation, Scope


class OrganisationDetailApi(APIView):
    required_scopes = {Scope.READ, Scope.REPORT, Scope.SCREEN, Scope.MANAGE}

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            ref_name = "Organisation"
            model = Organisation
            fields = [
                "slug",
                "name",
                "sector",
                "jurisdiction",
                "status",
                "contact_name",
                "contact_email",
                "contact_phone",
            ]

    @extend_schema(responses=OutputSerializer, summary="The calling organisation")
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.actor.organisation).data)


class MembershipOutputSerializer(serializers.ModelSerializer):
    id = PublicIdField("membership")
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Membership
        fields = ["id", "username", "email", "role", "created_at"]


class MembershipListApi(APIView):
    required_scopes = {Scope.READ, Scope.MANAGE}

    @extend_schema(responses=MembershipOutputSerializer(many=True), summary="People of the calling organisation")
    def get(self, request: Request) -> Response:
        queryset = selectors.membership_list_visible_to(organisation=request.actor.organisation)
        return paginated_response(
            queryset=queryset, serializer_class=MembershipOutputSerializer, request=request, view=self
        )


class MembershipDetailApi(APIView):
    required_scopes = {Scope.READ, Scope.MANAGE}

    @extend_schema(responses=MembershipOutputSerializer, summary="One person of the calling organisation")
    def get(self, request: Request, membership_id: str) -> Response:
        membership = selectors.membership_get_visible_to(
            organisation=request.actor.organisation, membership_id=internal_id("membership", membership_id)
        )
        return Response(MembershipOutputSerializer(membership).data)


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    id = PublicIdField("api_key")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at"]


class ApiKeyListApi(APIView):
    required_scopes = {Scope.MANAGE}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ApiKeyCreate"

        name = serializers.CharField(max_length=100)
        scopes = serializers.ListField(child=serializers.ChoiceField(choices=Scope.choices), min_length=1)
        expires_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(responses=ApiKeyOutputSerializer(many=True), summary="API keys of the calling organisation")
    def get(self, request: Request) -> Response:
        queryset = selectors.api_key_list_visible_to(organisation=request.actor.organisation)
        return paginated_response(
            queryset=queryset, serializer_class=ApiKeyOutputSerializer, request=request, view=self
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "ApiKeyCreated", {"api_key": ApiKeyOutputSerializer(), "secret": serializers.CharField()}
            )
        },
        summary="Create an API key; the secret is returned this once only",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        api_key, secret = services.api_key_create(
            actor=request.actor,
            organisation=request.actor.organisation,
            name=data["name"],
            scopes=data["scopes"],
            expires_at=data.get("expires_at"),
        )
        return Response(
            {"api_key": ApiKeyOutputSerializer(api_key).data, "secret": secret}, status=status.HTTP_201_CREATED
        )


class ApiKeyDetailApi(APIView):
    required_scopes = {Scope.MANAGE}

    def _api_key(self, request: Request, api_key_id: str) -> ApiKey:
        return selectors.api_key_get_visible_to(
            organisation=request.actor.organisation, api_key_id=internal_id("api_key", api_key_id)
        )

    @extend_schema(responses=ApiKeyOutputSerializer, summary="One API key")
    def get(self, request: Request, api_key_id: str) -> Response:
        return Response(ApiKeyOutputSerializer(self._api_key(request, api_key_id)).data)

    @extend_schema(responses=ApiKeyOutputSerializer, summary="Revoke an API key (idempotent)")
    def delete(self, request: Request, api_key_id: str) -> Response:
        api_key = services.api_key_revoke(actor=request.actor, api_key=self._api_key(request, api_key_id))
        return Response(ApiKeyOutputSerializer(api_key).data)
