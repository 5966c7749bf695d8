"""How one audit event links to the one before: SHA-256 (legacy) or HMAC-SHA256 under a key outside the database."""

import hashlib
import hmac
import json
from typing import Any, Protocol

from django.conf import settings

GENESIS_HASH = "0" * 64
_MAC_CONTEXT = b"vigil-audit-event\x00"


class Linkable(Protocol):
    """What the chain covers; satisfied by AuditEvent and by its historical model in migrations."""

    created_at: Any
    organisation_id: int | None
    actor_user_id: int | None
    actor_api_key_id: int | None
    actor_label: str
    session_key_hash: str
    ip: str | None
    action: str
    object_type: str
    object_id: str
    data: Any
    prev_hash: str


def canonical(event: Linkable) -> bytes:
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


def sha256_link(event: Linkable) -> str:
    """The original, unkeyed link: anyone able to write the table could recompute it."""
    return hashlib.sha256(event.prev_hash.encode() + canonical(event)).hexdigest()


def mac_key() -> bytes:
    return bytes.fromhex(settings.AUDIT_MAC_KEY)


def mac_link(event: Linkable, key: bytes | None = None) -> str:
    """The keyed link: without VIGIL_AUDIT_MAC_KEY nobody can forge or re-chain an event."""
    message = _MAC_CONTEXT + event.prev_hash.encode() + canonical(event)
    return hmac.new(key if key is not None else mac_key(), message, hashlib.sha256).hexdigest()


def link_holds(event: Linkable, stored: str, key: bytes | None = None) -> bool:
    return hmac.compare_digest(mac_link(event, key), stored)
