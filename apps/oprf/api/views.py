"""API of the key service: published keys (and their trustees), a trustee's shares, and blind evaluation."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import validated
from apps.common.throttles import OrganisationRateThrottle
from apps.oprf.models import KeyShare, OprfKey, Trustee
from apps.oprf.selectors import key_share_list, oprf_key_list_published
from apps.oprf.services import MAX_BATCH, oprf_evaluate
from apps.organisations.models import Scope


class HexBytesField(serializers.CharField):
    """Lowercase or uppercase hex of exactly `size` bytes."""

    def __init__(self, *, size: int, **kwargs: object) -> None:
        self.size = size
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> bytes:
        text = super().to_internal_value(data)
        try:
            value = bytes.fromhex(text)
        except ValueError:
            value = b""
        if len(value) != self.size:
            raise serializers.ValidationError(f"must be {self.size} bytes as {2 * self.size} hex characters")
        return value


class HexBytesFieldExtension(OpenApiSerializerFieldExtension):
    target_class = HexBytesField

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, str]:
        return {"type": "string", "pattern": f"^[0-9a-fA-F]{{{2 * self.target.size}}}$"}


class TrusteeOutputSerializer(serializers.ModelSerializer):
    commitment = serializers.SerializerMethodField(help_text="hex k_i*G of the trustee's share")

    class Meta:
        model = Trustee
        fields = ["index", "name", "url", "commitment"]

    def get_commitment(self, trustee: Trustee) -> str:
        return bytes(trustee.commitment).hex()


class OprfKeyOutputSerializer(serializers.ModelSerializer):
    public_key = serializers.SerializerMethodField()
    threshold = serializers.IntegerField(
        allow_null=True, help_text="t of a key split among trustees: evaluate at t of them; null for a whole key"
    )
    trustees = TrusteeOutputSerializer(many=True, help_text="empty for a key the hub holds whole")

    class Meta:
        model = OprfKey
        fields = [
            "key_id",
            "public_key",
            "status",
            "activated_at",
            "retire_after",
            "retired_at",
            "threshold",
            "trustees",
        ]

    def get_public_key(self, key: OprfKey) -> str:
        return bytes(key.public_key).hex()


class KeyShareOutputSerializer(serializers.ModelSerializer):
    public_key = serializers.SerializerMethodField()
    commitment = serializers.SerializerMethodField()

    class Meta:
        model = KeyShare
        fields = ["key_id", "public_key", "threshold", "index", "commitment", "commitments"]

    def get_public_key(self, share: KeyShare) -> str:
        return bytes(share.public_key).hex()

    def get_commitment(self, share: KeyShare) -> str:
        return bytes(share.commitment).hex()


class OprfKeyListApi(APIView):
    required_scopes = {Scope.REPORT, Scope.SCREEN, Scope.READ, Scope.MANAGE}
    pagination_class = None  # a handful of keys, answered whole

    @extend_schema(
        responses=OprfKeyOutputSerializer(many=True),
        summary="Published OPRF keys: the current one, those in their overlap window, and retired ones",
    )
    def get(self, request: Request) -> Response:
        keys = oprf_key_list_published()
        return Response(OprfKeyOutputSerializer(keys, many=True).data)


class KeyShareListApi(APIView):
    """A trustee's own shares, for a member or auditor to check against the hub's published trustee set."""

    required_scopes = {Scope.REPORT, Scope.SCREEN, Scope.READ, Scope.MANAGE}
    pagination_class = None

    @extend_schema(responses=KeyShareOutputSerializer(many=True), summary="Shares this trustee evaluates with")
    def get(self, request: Request) -> Response:
        return Response(KeyShareOutputSerializer(key_share_list(), many=True).data)


class OprfEvaluateApi(APIView):
    required_scopes = {Scope.REPORT, Scope.SCREEN}
    throttle_classes = [OrganisationRateThrottle]
    throttle_scope = "oprf"

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OprfEvaluateInput"

        key_id = serializers.CharField(max_length=16)
        blinded_elements = serializers.ListField(
            child=HexBytesField(size=32), min_length=1, max_length=MAX_BATCH, help_text="hex ristretto255 elements"
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OprfEvaluateOutput"

        key_id = serializers.CharField()
        evaluated_elements = serializers.ListField(child=serializers.CharField())
        proof = serializers.CharField(help_text="hex c || s of the batched DLEQ proof")
        share_index = serializers.IntegerField(
            allow_null=True, help_text="at a trustee, its share's index: the proof is against that share's commitment"
        )

    @extend_schema(
        request=InputSerializer,
        responses=OutputSerializer,
        summary="Blind-evaluate up to 10,000 elements with one batched DLEQ proof",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        evaluation = oprf_evaluate(
            actor=request.actor, key_id=data["key_id"], blinded_elements=data["blinded_elements"]
        )
        return Response(
            {
                "key_id": evaluation.key_id,
                "evaluated_elements": [element.hex() for element in evaluation.evaluated_elements],
                "proof": evaluation.proof.hex(),
                "share_index": evaluation.share_index,
            }
        )
