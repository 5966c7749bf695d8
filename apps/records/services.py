"""Writes to the shared record. The hub checks who may act and keeps the books; it never holds a key.

What the hub can check is bookkeeping: that the caller is an authenticated member of the
organisation, that it was given a wrap of a generation before it hands one on, that a rotation
covers every current member. Whether a wrap really holds the record key only the recipient can
tell (against the generation's key check); whether an entry is genuine only a key holder can tell.
"""

import base64
import binascii
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import Conflict, PermissionRefused, ValidationFailed
from apps.common.public_ids import public_id
from apps.organisations.models import ApiKey, Membership, Organisation
from apps.records.models import Entry, KeyGeneration, MemberKind, Record, RecordMember, WrappedKey
from apps.records.selectors import member_of_actor

_HEX_PUBLIC_KEY = re.compile(r"[0-9a-f]{64}")
_HEX_KEY_CHECK = re.compile(r"[0-9a-f]{32}")
_HEX_KEY_ID = re.compile(r"[0-9a-f]{16}")
_HEX_TOKEN = re.compile(r"[0-9a-f]{64}")
WRAPPED_KEY_BYTES = 32 + 32 + 16  # ephemeral public key, sealed record key, tag
ENTRY_OVERHEAD = 24 + 16  # nonce and tag around a plaintext padded to 256-byte blocks
ENTRY_BLOCK = 256
PRIVATE_KEY_BLOB_FIELDS = {"version", "kdf", "iterations", "memory", "salt", "nonce", "ciphertext"}
ENTRY_BATCH_MAX = 1000


def _decoded(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode(), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ValidationFailed(f"{what} is not base64.") from None


def _check_public_key(public_key: str) -> str:
    if not _HEX_PUBLIC_KEY.fullmatch(public_key) or public_key == "0" * 64:
        raise ValidationFailed("public_key is an X25519 public key: 64 lowercase hex characters.")
    return public_key


def _check_wrapped_key(wrapped_key: str) -> str:
    if len(_decoded(wrapped_key, "wrapped_key")) != WRAPPED_KEY_BYTES:
        raise ValidationFailed(f"wrapped_key is {WRAPPED_KEY_BYTES} bytes, base64: a record key sealed to a member.")
    return wrapped_key


def _check_key_check(key_check: str) -> str:
    if not _HEX_KEY_CHECK.fullmatch(key_check):
        raise ValidationFailed("key_check is 32 lowercase hex characters.")
    return key_check


def _check_private_key_blob(blob: Any) -> dict[str, Any]:
    """The shape of a passphrase-wrapped private key; what is inside only its owner can open."""
    if not isinstance(blob, dict) or set(blob) != PRIVATE_KEY_BLOB_FIELDS:
        raise ValidationFailed(
            f"wrapped_private_key has exactly the fields {', '.join(sorted(PRIVATE_KEY_BLOB_FIELDS))}."
        )
    if blob["version"] != 1 or blob["kdf"] != "argon2id":
        raise ValidationFailed("wrapped_private_key is version 1, argon2id.")
    if not all(isinstance(blob[name], int) and not isinstance(blob[name], bool) for name in ("iterations", "memory")):
        raise ValidationFailed("wrapped_private_key's iterations and memory are integers.")
    sizes = {"salt": 16, "nonce": 24, "ciphertext": 48}
    for name, size in sizes.items():
        if not isinstance(blob[name], str) or len(_decoded(blob[name], f"wrapped_private_key.{name}")) != size:
            raise ValidationFailed(f"wrapped_private_key.{name} is {size} bytes, base64.")
    return blob


def _check_ciphertext(ciphertext: str, pointer: str) -> None:
    size = len(_decoded(ciphertext, pointer)) - ENTRY_OVERHEAD
    if size <= 0 or size % ENTRY_BLOCK:
        raise ValidationFailed(
            f"{pointer} is a nonce, an entry padded to {ENTRY_BLOCK}-byte blocks and a tag, base64.",
            errors=[{"pointer": pointer, "detail": "not an encrypted entry"}],
        )


def _actor_kind(actor: Actor) -> str:
    return MemberKind.CLIENT if actor.api_key is not None else MemberKind.PERSON


def _new_member(
    *, record: Record, actor: Actor, public_key: str, wrapped_private_key: dict[str, Any] | None
) -> RecordMember:
    kind = _actor_kind(actor)
    if kind == MemberKind.PERSON:
        if wrapped_private_key is None:
            raise ValidationFailed("A person's wrapped_private_key is required: it lets them open the record anywhere.")
        _check_private_key_blob(wrapped_private_key)
    elif wrapped_private_key is not None:
        raise ValidationFailed("A client keeps its private key on its own disk: send no wrapped_private_key.")
    membership = Membership.objects.get(user=actor.user) if kind == MemberKind.PERSON else None
    try:
        with transaction.atomic():
            return RecordMember.objects.create(
                record=record,
                kind=kind,
                membership=membership,
                api_key=actor.api_key,
                public_key=_check_public_key(public_key),
                wrapped_private_key=wrapped_private_key,
            )
    except IntegrityError:
        raise Conflict("The caller is already a member of the record.") from None


def _audit(actor: Actor, record: Record, action: str, target: RecordMember | None, **data: Any) -> None:
    audit_log(actor=actor, action=action, organisation_id=record.organisation_id, target=target, data=data)


@transaction.atomic
def record_create(
    *,
    actor: Actor,
    organisation: Organisation,
    public_key: str,
    wrapped_private_key: dict[str, Any] | None,
    wrapped_key: str,
    key_check: str,
    recovery_public_key: str,
    recovery_wrapped_key: str,
) -> RecordMember:
    """The organisation's record, generation 1: its creator and the recovery kit hold the key."""
    Organisation.objects.select_for_update().get(pk=organisation.pk)  # two creators wait for each other
    if Record.objects.filter(organisation=organisation).exists():
        raise Conflict("The organisation already has a shared record: join it with `vigil record join`.")
    record = Record.objects.create(organisation=organisation)
    KeyGeneration.objects.create(record=record, generation=1, key_check=_check_key_check(key_check))
    member = _new_member(record=record, actor=actor, public_key=public_key, wrapped_private_key=wrapped_private_key)
    recovery = RecordMember.objects.create(
        record=record, kind=MemberKind.RECOVERY, public_key=_check_public_key(recovery_public_key)
    )
    WrappedKey.objects.create(member=member, generation=1, wrapped_key=_check_wrapped_key(wrapped_key))
    WrappedKey.objects.create(member=recovery, generation=1, wrapped_key=_check_wrapped_key(recovery_wrapped_key))
    _audit(actor, record, "record.created", member, generation=1, kind=member.kind)
    return member


@transaction.atomic
def record_join(
    *, actor: Actor, record: Record, public_key: str, wrapped_private_key: dict[str, Any] | None
) -> RecordMember:
    """Register the caller's public key; it reads nothing until a member grants it the key."""
    member = _new_member(record=record, actor=actor, public_key=public_key, wrapped_private_key=wrapped_private_key)
    _audit(actor, record, "record.member_joined", member, kind=member.kind)
    return member


def _key_holder(record: Record, actor: Actor) -> RecordMember:
    member = member_of_actor(record=record, actor=actor)
    if member is None or not member.keys.filter(generation=record.generation).exists():
        raise PermissionRefused("Only a member holding the record's current key can do this.")
    return member


def _locked(record: Record) -> Record:
    return Record.objects.select_for_update().get(pk=record.pk)


@transaction.atomic
def record_grant(*, actor: Actor, record: Record, member: RecordMember, keys: list[dict[str, Any]]) -> RecordMember:
    """Hand `member` the record keys the caller holds, sealed to its public key by the caller."""
    record = _locked(record)
    grantor = _key_holder(record, actor)
    if member.pk == grantor.pk:
        raise ValidationFailed("A member cannot grant the record key to itself.")
    generations = [item["generation"] for item in keys]
    if len(set(generations)) != len(generations):
        raise ValidationFailed("Each generation is granted once.")
    if record.generation not in generations:
        raise ValidationFailed(f"A grant includes the current generation, {record.generation}.")
    held = set(grantor.keys.values_list("generation", flat=True))
    if not set(generations) <= held:
        raise PermissionRefused(f"The caller holds no key of generation(s) {sorted(set(generations) - held)}.")
    already = set(member.keys.values_list("generation", flat=True))
    new = [item for item in keys if item["generation"] not in already]  # a retried grant adds nothing
    WrappedKey.objects.bulk_create(
        WrappedKey(
            member=member,
            generation=item["generation"],
            wrapped_key=_check_wrapped_key(item["wrapped_key"]),
            granted_by=grantor,
        )
        for item in new
    )
    if new:
        _audit(
            actor,
            record,
            "record.granted",
            member,
            generations=sorted(item["generation"] for item in new),
            by=public_id("record_member", grantor.pk),
        )
    return member


@transaction.atomic
def record_rotate(*, actor: Actor, record: Record, generation: int, key_check: str, keys: dict[int, str]) -> Record:
    """A new record key, sealed by the caller to every current member; new entries use it from now on."""
    record = _locked(record)
    _key_holder(record, actor)
    if generation != record.generation + 1:
        raise Conflict(f"The record is at generation {record.generation}: the next one is {record.generation + 1}.")
    members = {member.pk: member for member in record.members.filter(removed_at__isnull=True)}
    if set(keys) != set(members):
        missing = [public_id("record_member", pk) for pk in sorted(set(members) - set(keys))]
        unknown = len(set(keys) - set(members))
        raise ValidationFailed(
            "A rotation seals the new key to every current member, the recovery kit included, and to no one else"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; {unknown} unknown" if unknown else "")
            + "."
        )
    KeyGeneration.objects.create(record=record, generation=generation, key_check=_check_key_check(key_check))
    WrappedKey.objects.bulk_create(
        WrappedKey(member=members[pk], generation=generation, wrapped_key=_check_wrapped_key(wrapped))
        for pk, wrapped in keys.items()
    )
    record.generation = generation
    record.rotation_required = False
    record.rotated_at = timezone.now()
    record.save(update_fields=["generation", "rotation_required", "rotated_at"])
    _audit(actor, record, "record.rotated", None, generation=generation, members=len(members))
    return record


@transaction.atomic
def record_recovery_open(*, actor: Actor, record: Record) -> list[WrappedKey]:
    """The recovery kit's wraps, for someone holding the recovery secret: every such reading is audited."""
    recovery = record.members.get(kind=MemberKind.RECOVERY)
    _audit(
        actor,
        record,
        "record.recovery_used",
        None,
        generations=list(recovery.keys.values_list("generation", flat=True)),
    )
    return list(recovery.keys.order_by("generation"))


@transaction.atomic
def record_rekey(
    *,
    actor: Actor,
    record: Record,
    public_key: str,
    wrapped_private_key: dict[str, Any] | None,
    keys: list[dict[str, Any]],
) -> RecordMember:
    """The caller's new key pair and the record keys sealed to it, after a recovery (a forgotten passphrase)."""
    record = _locked(record)
    generations = [item["generation"] for item in keys]
    if len(set(generations)) != len(generations) or record.generation not in generations:
        raise ValidationFailed(f"Give each generation once, the current one ({record.generation}) included.")
    if not set(generations) <= set(record.generations.values_list("generation", flat=True)):
        raise ValidationFailed("A generation the record never had.")
    old = member_of_actor(record=record, actor=actor)
    if old is not None:
        old.removed_at = timezone.now()
        old.save(update_fields=["removed_at"])
        old.keys.all().delete()
    member = _new_member(record=record, actor=actor, public_key=public_key, wrapped_private_key=wrapped_private_key)
    WrappedKey.objects.bulk_create(
        WrappedKey(member=member, generation=item["generation"], wrapped_key=_check_wrapped_key(item["wrapped_key"]))
        for item in keys
    )
    _audit(actor, record, "record.member_rekeyed", member, generations=sorted(generations))
    return member


@transaction.atomic
def entries_write(*, actor: Actor, record: Record, entries: list[dict[str, Any]]) -> int:
    """Store (or replace) entries under the current generation, all or nothing."""
    record = _locked(record)
    writer = _key_holder(record, actor)
    if record.rotation_required:
        raise Conflict("A member left the record: rotate its key (`vigil record sync`) before writing entries.")
    if not 1 <= len(entries) <= ENTRY_BATCH_MAX:
        raise ValidationFailed(f"Write 1 to {ENTRY_BATCH_MAX} entries at a time.")
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(entries):
        pointer = f"/entries/{index}"
        if not _HEX_KEY_ID.fullmatch(entry["key_id"]) or not _HEX_TOKEN.fullmatch(entry["token"]):
            raise ValidationFailed(
                "key_id is 16 and token 64 lowercase hex characters.",
                errors=[{"pointer": pointer, "detail": "bad key_id or token"}],
            )
        if entry["generation"] != record.generation:
            raise Conflict(f"Entries are written under the current generation, {record.generation}.")
        if (entry["key_id"], entry["token"]) in seen:
            raise ValidationFailed("Each token once per batch.", errors=[{"pointer": pointer, "detail": "repeated"}])
        seen.add((entry["key_id"], entry["token"]))
        _check_ciphertext(entry["ciphertext"], f"{pointer}/ciphertext")
    now = timezone.now()
    Entry.objects.bulk_create(
        [
            Entry(
                record=record,
                key_id=entry["key_id"],
                token=entry["token"],
                generation=entry["generation"],
                ciphertext=entry["ciphertext"],
                written_by=writer,
                updated_at=now,
            )
            for entry in entries
        ],
        update_conflicts=True,
        unique_fields=["record", "key_id", "token"],
        update_fields=["generation", "ciphertext", "written_by", "updated_at"],
    )
    _audit(actor, record, "record.entries_written", writer, count=len(entries), generation=record.generation)
    return len(entries)


def _member_leaves(*, actor: Actor, record: Record, member: RecordMember) -> None:
    member.removed_at = timezone.now()
    member.save(update_fields=["removed_at"])
    member.keys.all().delete()
    record = _locked(record)
    record.rotation_required = True
    record.save(update_fields=["rotation_required"])
    _audit(actor, record, "record.member_removed", member, kind=member.kind, rotation_required=True)


def member_remove_person(*, actor: Actor, membership: Membership) -> None:
    """A removed person's record member goes, and the key must be rotated before the next write."""
    for member in RecordMember.objects.filter(membership=membership, removed_at__isnull=True).select_related("record"):
        _member_leaves(actor=actor, record=member.record, member=member)


def member_remove_client(*, actor: Actor, api_key: ApiKey) -> None:
    for member in RecordMember.objects.filter(api_key=api_key, removed_at__isnull=True).select_related("record"):
        _member_leaves(actor=actor, record=member.record, member=member)
