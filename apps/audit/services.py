"""Writing and verifying the MAC-chained audit trail."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from apps.audit.chain import GENESIS_HASH, link_holds, mac_key, mac_link
from apps.audit.models import AuditEvent
from apps.common.actors import Actor

__all__ = [
    "GENESIS_HASH",
    "ActorIdentity",
    "ChainVerdict",
    "actor_identity",
    "audit_chain_verify",
    "audit_log",
    "audit_log_as",
]

# Arbitrary constant naming the advisory lock that serialises appends to the chain.
_CHAIN_LOCK_ID = 0x56494731
ATTRIBUTION_ACTION = "audit.attribution"


@dataclass(frozen=True)
class ActorIdentity:
    """Who acted, as the audit trail records it."""

    label: str
    user_id: int | None = None
    api_key_id: int | None = None
    session_key_hash: str = ""
    ip: str | None = None

    @property
    def names_someone(self) -> bool:
        return any((self.user_id, self.api_key_id, self.session_key_hash, self.ip))


def actor_identity(actor: Actor) -> ActorIdentity:
    session_key = actor.session_key or ""
    return ActorIdentity(
        label=actor.label,
        user_id=actor.user.pk if actor.user is not None else None,
        api_key_id=actor.api_key.pk if actor.api_key is not None else None,
        session_key_hash=hashlib.sha256(session_key.encode()).hexdigest() if session_key else "",
        ip=actor.ip,
    )


def _stranger(actor: Actor) -> ActorIdentity:
    """How an actor appears in a log that is not its own organisation's: by role, never by person or key."""
    if actor.organisation is not None:
        return ActorIdentity(label="counterpart")
    # Someone not signed in (a failed sign-in, a reset request) is neither the hub nor a member.
    return ActorIdentity(label="anonymous" if actor.anonymous else "hub")


def _append(*, identity: ActorIdentity, organisation_id: int | None, action: str, object_type: str, object_id: str,
            data: dict[str, Any]) -> AuditEvent:  # fmt: skip
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        created_at=timezone.now(),
        organisation_id=organisation_id,
        actor_user_id=identity.user_id,
        actor_api_key_id=identity.api_key_id,
        actor_label=identity.label,
        session_key_hash=identity.session_key_hash,
        ip=identity.ip,
        action=action,
        object_type=object_type,
        object_id=object_id,
        # Round-trip through JSON so the stored value is MACed exactly as it will be re-read.
        data=json.loads(json.dumps(data, default=str)),
        prev_hash=last or GENESIS_HASH,
    )
    event.hash = mac_link(event)
    event.save()
    return event


def audit_log(
    *,
    actor: Actor,
    action: str,
    organisation_id: int | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to an organisation's log (or the hub's, None); call inside the act's transaction.

    An organisation reads its own log, so an event written into another organisation's log names
    no person, key, session or IP of the actor. The hub keeps the full attribution in its own log
    (organisation_id None), in an `audit.attribution` event pointing at the redacted one.
    """
    home = actor.organisation.pk if actor.organisation is not None else None
    if organisation_id is None:
        organisation_id = home
    identity = actor_identity(actor)
    with transaction.atomic():
        _lock_chain()
        object_type = target._meta.label_lower if target is not None else ""
        object_id = str(target.pk) if target is not None else ""
        if organisation_id == home:
            return _append(identity=identity, organisation_id=organisation_id, action=action,
                           object_type=object_type, object_id=object_id, data=data or {})  # fmt: skip
        event = _append(identity=_stranger(actor), organisation_id=organisation_id, action=action,
                        object_type=object_type, object_id=object_id, data=data or {})  # fmt: skip
        if identity.names_someone:
            _append(identity=identity, organisation_id=None, action=ATTRIBUTION_ACTION,
                    object_type=AuditEvent._meta.label_lower, object_id=str(event.pk),
                    data={"organisation_id": organisation_id, "action": action,
                          "actor_organisation_id": home})  # fmt: skip
    return event


def audit_log_as(*, identity: ActorIdentity, organisation_id: int, action: str, data: dict[str, Any]) -> AuditEvent:
    """Append an event, to the actor's own organisation's log, for acts recorded earlier under `identity`."""
    with transaction.atomic():
        _lock_chain()
        return _append(identity=identity, organisation_id=organisation_id, action=action,
                       object_type="", object_id="", data=data)  # fmt: skip


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])


@dataclass(frozen=True)
class ChainVerdict:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def audit_chain_verify() -> ChainVerdict:
    """Walk the chain in id order; name the first event whose link or content does not hold."""
    key = mac_key()
    previous = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous:
            return ChainVerdict(checked, event.pk, "its prev_hash does not match the event before it")
        if not link_holds(event, event.hash, key):
            return ChainVerdict(checked, event.pk, "its content does not match its MAC")
        previous = event.hash
        checked += 1
    return ChainVerdict(checked)
