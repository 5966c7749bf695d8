"""Writing and verifying the hash-chained audit trail."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.actors import Actor

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the advisory lock that serialises appends to the chain.
_CHAIN_LOCK_ID = 0x56494731


def _canonical(event: AuditEvent) -> bytes:
    fields = {
        "created_at": event.created_at.isoformat(),
        "organisation_id": event.organisation_id,
        "actor_user_id": event.actor_user_id,
        "actor_api_key_id": event.actor_api_key_id,
        "actor_label": event.actor_label,
        "session_key_hash": event.session_key_hash,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.prev_hash.encode() + _canonical(event)).hexdigest()


def audit_log(
    *,
    actor: Actor,
    action: str,
    organisation_id: int | None = None,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; call inside the transaction of the act it records."""
    if organisation_id is None and actor.organisation is not None:
        organisation_id = actor.organisation.pk
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_ID])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        session_key = actor.session_key or ""
        event = AuditEvent(
            created_at=timezone.now(),
            organisation_id=organisation_id,
            actor_user_id=actor.user.pk if actor.user is not None else None,
            actor_api_key_id=actor.api_key.pk if actor.api_key is not None else None,
            actor_label=actor.label,
            session_key_hash=hashlib.sha256(session_key.encode()).hexdigest() if session_key else "",
            ip=actor.ip,
            action=action,
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            # Round-trip through JSON so the stored value hashes exactly as it will be re-read.
            data=json.loads(json.dumps(data or {}, default=str)),
            prev_hash=last or GENESIS_HASH,
        )
        event.hash = event_hash(event)
        event.save()
    return event


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
    previous = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous:
            return ChainVerdict(checked, event.pk, "its prev_hash does not match the event before it")
        if event_hash(event) != event.hash:
            return ChainVerdict(checked, event.pk, "its content does not match its hash")
        previous = event.hash
        checked += 1
    return ChainVerdict(checked)
