"""API of the shared record: members, grants, rotation, recovery and encrypted entries. Ciphertext only."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import PublicIdField, paginated_response, validated
from apps.common.errors import ValidationFailed
from apps.common.public_ids import internal_id
from apps.organisations.models import Scope
from apps.records import selectors, services
from apps.records.models import ENTRY_MAX_LENGTH, WRAPPED_KEY_MAX_LENGTH, Entry, MemberKind, Record, RecordMember

ANY_SCOPE = {Scope.READ, Scope.REPORT, Scope.SCREEN, Scope.MANAGE}
HEX_PUBLIC_KEY = r"^[0-9a-f]{64}$"


def _record(request: Request) -> Record:
    return selectors.record_get_for(organisation=request.actor.organisation)


class WrappedKeySerializer(serializers.Serializer):
    class Meta:
        ref_name = "RecordWrappedKey"

    generation = serializers.IntegerField(min_value=1)
    wrapped_key = serializers.CharField(max_length=WRAPPED_KEY_MAX_LENGTH, help_text="the record key sealed, base64")


class PrivateKeyBlobSerializer(serializers.Serializer):
    """A person's private key under Argon2id(passphrase); the hub checks its shape only."""

    class Meta:
        ref_name = "RecordPrivateKeyBlob"

    version = serializers.IntegerField()
    kdf = serializers.CharField()
    iterations = serializers.IntegerField(help_text="Argon2id passes")
    memory = serializers.IntegerField(help_text="Argon2id memory, KiB")
    salt = serializers.CharField()
    nonce = serializers.CharField()
    ciphertext = serializers.CharField()


class MemberOutputSerializer(serializers.ModelSerializer):
    id = PublicIdField("record_member")
    name = serializers.SerializerMethodField(help_text="the person's user name, or the API key's name and prefix")
    generations = serializers.SerializerMethodField(help_text="the record key generations sealed to this member")

    class Meta:
        model = RecordMember
        ref_name = "RecordMember"
        fields = ["id", "kind", "name", "public_key", "generations", "created_at"]

    def get_name(self, member: RecordMember) -> str:
        if member.kind == MemberKind.PERSON:
            return member.membership.user.get_username()
        if member.kind == MemberKind.CLIENT:
            return f"{member.api_key.name} ({member.api_key.prefix})"
        return "recovery kit"

    def get_generations(self, member: RecordMember) -> list[int]:
        return sorted(key.generation for key in member.keys.all())


class OwnMemberSerializer(MemberOutputSerializer):
    keys = WrappedKeySerializer(many=True, read_only=True)
    wrapped_private_key = PrivateKeyBlobSerializer(read_only=True, allow_null=True)

    class Meta(MemberOutputSerializer.Meta):
        ref_name = "RecordOwnMember"
        fields = [*MemberOutputSerializer.Meta.fields, "keys", "wrapped_private_key"]


class RecordOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Record"

    generation = serializers.IntegerField(help_text="the record key generation new entries use")
    rotation_required = serializers.BooleanField(help_text="a member left: a key holder rotates before any write")
    created_at = serializers.DateTimeField()
    rotated_at = serializers.DateTimeField(allow_null=True)
    key_checks = serializers.DictField(child=serializers.CharField(), help_text="generation -> key check")
    entries = inline_serializer(
        "RecordEntryProgress", {"total": serializers.IntegerField(), "current": serializers.IntegerField()}
    )
    member = OwnMemberSerializer(allow_null=True, help_text="the caller's own member, or null if it has not joined")


def _record_view(record: Record, member: RecordMember | None) -> dict[str, Any]:
    return RecordOutputSerializer(
        {
            "generation": record.generation,
            "rotation_required": record.rotation_required,
            "created_at": record.created_at,
            "rotated_at": record.rotated_at,
            "key_checks": {str(g): check for g, check in selectors.key_checks(record=record).items()},
            "entries": selectors.entry_progress(record=record),
            "member": member,
        }
    ).data


class RecordApi(APIView):
    required_scopes = ANY_SCOPE
    problem_statuses = {"GET": {404}, "POST": {409}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RecordCreate"

        public_key = serializers.RegexField(HEX_PUBLIC_KEY, help_text="the creator's X25519 public key, hex")
        wrapped_private_key = PrivateKeyBlobSerializer(required=False, help_text="a person's; a client sends none")
        wrapped_key = serializers.CharField(max_length=WRAPPED_KEY_MAX_LENGTH)
        key_check = serializers.RegexField(r"^[0-9a-f]{32}$")
        recovery_public_key = serializers.RegexField(HEX_PUBLIC_KEY)
        recovery_wrapped_key = serializers.CharField(max_length=WRAPPED_KEY_MAX_LENGTH)

    @extend_schema(responses=RecordOutputSerializer, summary="The organisation's shared record, as the caller holds it")
    def get(self, request: Request) -> Response:
        record = _record(request)
        return Response(_record_view(record, selectors.member_of_actor(record=record, actor=request.actor)))

    @extend_schema(
        request=InputSerializer,
        responses={201: RecordOutputSerializer},
        summary="Create the organisation's shared record (generation 1), held by its creator and the recovery kit",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        member = services.record_create(
            actor=request.actor,
            organisation=request.actor.organisation,
            public_key=data["public_key"],
            wrapped_private_key=request.data.get("wrapped_private_key"),
            wrapped_key=data["wrapped_key"],
            key_check=data["key_check"],
            recovery_public_key=data["recovery_public_key"],
            recovery_wrapped_key=data["recovery_wrapped_key"],
        )
        return Response(_record_view(member.record, member), status=status.HTTP_201_CREATED)


class MemberListApi(APIView):
    required_scopes = ANY_SCOPE
    problem_statuses = {"GET": {404}, "POST": {404, 409}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RecordJoin"

        public_key = serializers.RegexField(HEX_PUBLIC_KEY, help_text="an X25519 public key made on this device, hex")
        wrapped_private_key = PrivateKeyBlobSerializer(required=False, help_text="a person's; a client sends none")

    @extend_schema(responses=MemberOutputSerializer(many=True), summary="The record's members and what each holds")
    def get(self, request: Request) -> Response:
        members = selectors.member_list(record=_record(request))
        return paginated_response(queryset=members, serializer_class=MemberOutputSerializer, request=request, view=self)

    @extend_schema(
        request=InputSerializer,
        responses={201: OwnMemberSerializer},
        summary="Join the record with a public key; nothing is readable until a member grants the key",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        member = services.record_join(
            actor=request.actor,
            record=_record(request),
            public_key=data["public_key"],
            wrapped_private_key=request.data.get("wrapped_private_key"),
        )
        return Response(OwnMemberSerializer(member).data, status=status.HTTP_201_CREATED)


def _member(request: Request, member_id: str) -> RecordMember:
    return selectors.member_get(record=_record(request), member_id=internal_id("record_member", member_id))


class MemberDetailApi(APIView):
    required_scopes = ANY_SCOPE

    @extend_schema(responses=MemberOutputSerializer, summary="One member of the record")
    def get(self, request: Request, member_id: str) -> Response:
        return Response(MemberOutputSerializer(_member(request, member_id)).data)


class GrantApi(APIView):
    required_scopes = ANY_SCOPE
    problem_statuses = {"POST": {404}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RecordGrant"

        keys = WrappedKeySerializer(many=True, min_length=1, max_length=1000)

    @extend_schema(
        request=InputSerializer,
        responses=MemberOutputSerializer,
        summary="Grant a member the record keys the caller holds, sealed by the caller to its public key",
    )
    def post(self, request: Request, member_id: str) -> Response:
        member = _member(request, member_id)  # another organisation's member is a 404 whatever the body
        data = validated(self.InputSerializer, request.data)
        member = services.record_grant(actor=request.actor, record=member.record, member=member, keys=data["keys"])
        return Response(MemberOutputSerializer(selectors.member_get(record=member.record, member_id=member.pk)).data)


class RotateApi(APIView):
    required_scopes = ANY_SCOPE
    problem_statuses = {"POST": {404, 409}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RecordRotate"

        generation = serializers.IntegerField(min_value=2, help_text="the current generation plus one")
        key_check = serializers.RegexField(r"^[0-9a-f]{32}$")
        keys = serializers.DictField(
            child=serializers.CharField(max_length=WRAPPED_KEY_MAX_LENGTH),
            help_text="member id -> the new key sealed to it, for every current member and the recovery kit",
        )

    @extend_schema(request=InputSerializer, responses=RecordOutputSerializer, summary="Rotate the record key")
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        record = _record(request)
        keys = {internal_id("record_member", member_id): wrapped for member_id, wrapped in data["keys"].items()}
        record = services.record_rotate(
            actor=request.actor, record=record, generation=data["generation"], key_check=data["key_check"], keys=keys
        )
        return Response(_record_view(record, selectors.member_of_actor(record=record, actor=request.actor)))


class RecoveryApi(APIView):
    required_scopes = ANY_SCOPE
    problem_statuses = {"GET": {404}, "POST": {404, 409}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RecordRekey"

        public_key = serializers.RegexField(HEX_PUBLIC_KEY)
        wrapped_private_key = PrivateKeyBlobSerializer(required=False, help_text="a person's; a client sends none")
        keys = WrappedKeySerializer(many=True, min_length=1, max_length=1000)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "RecordRecoveryKit", {"public_key": serializers.CharField(), "keys": WrappedKeySerializer(many=True)}
        ),
        summary="The recovery kit's sealed keys, for whoever holds the recovery secret (audited as a recovery)",
    )
    def get(self, request: Request) -> Response:
        record = _record(request)
        keys = services.record_recovery_open(actor=request.actor, record=record)
        public_key = record.members.get(kind=MemberKind.RECOVERY).public_key
        return Response({"public_key": public_key, "keys": WrappedKeySerializer(keys, many=True).data})

    @extend_schema(
        request=InputSerializer,
        responses={201: OwnMemberSerializer},
        summary="Replace the caller's key pair after a recovery, with the record keys sealed to the new one",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        member = services.record_rekey(
            actor=request.actor,
            record=_record(request),
            public_key=data["public_key"],
            wrapped_private_key=request.data.get("wrapped_private_key"),
            keys=data["keys"],
        )
        return Response(OwnMemberSerializer(member).data, status=status.HTTP_201_CREATED)


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Entry
        ref_name = "RecordEntry"
        fields = ["key_id", "token", "generation", "ciphertext", "updated_at"]


class EntryInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "RecordEntryWrite"

    key_id = serializers.CharField(max_length=16)
    token = serializers.CharField(max_length=64)
    generation = serializers.IntegerField(min_value=1)
    ciphertext = serializers.CharField(max_length=ENTRY_MAX_LENGTH)


class EntryListApi(APIView):
    required_scopes = {"GET": ANY_SCOPE, "PUT": {Scope.REPORT, Scope.SCREEN}}
    problem_statuses = {"GET": {404}, "PUT": {404, 409}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RecordEntriesWrite"

        entries = EntryInputSerializer(many=True, min_length=1, max_length=services.ENTRY_BATCH_MAX)

    @extend_schema(
        parameters=[OpenApiParameter("below_generation", int, description="only entries under an older key")],
        responses=EntrySerializer(many=True),
        summary="The record's entries (ciphertext), for a sync or a re-wrap after rotation",
    )
    def get(self, request: Request) -> Response:
        below = request.query_params.get("below_generation")
        if below is not None and not below.isdigit():
            raise ValidationFailed("below_generation is a whole number.")
        entries = selectors.entry_list(record=_record(request), below_generation=int(below) if below else None)
        return paginated_response(queryset=entries, serializer_class=EntrySerializer, request=request, view=self)

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer("RecordEntriesWritten", {"written": serializers.IntegerField()}),
        summary="Store or replace up to 1,000 entries under the current generation, all or nothing",
    )
    def put(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        written = services.entries_write(actor=request.actor, record=_record(request), entries=data["entries"])
        return Response({"written": written})


class EntryLookupApi(APIView):
    required_scopes = ANY_SCOPE
    problem_statuses = {"POST": {404}}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RecordEntryLookup"

        items = inline_serializer(
            "RecordEntryKey",
            {"key_id": serializers.CharField(max_length=16), "token": serializers.CharField(max_length=64)},
            many=True,
            max_length=1000,
        )

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer("RecordEntriesFound", {"entries": EntrySerializer(many=True)}),
        summary="The entries of these (key id, token) pairs, for a page of matches; absent ones are left out",
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        pairs = [(item["key_id"], item["token"]) for item in data["items"]]
        entries = selectors.entry_lookup(record=_record(request), items=pairs)
        return Response({"entries": EntrySerializer(entries, many=True).data})
