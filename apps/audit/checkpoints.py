"""Signed checkpoints of the audit chain's head, kept outside the hub so deleting the newest events shows."""

import base64
import json
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from apps.audit.chain import link_holds, mac_key
from apps.audit.models import AuditEvent

FORMAT = "vigil-audit-checkpoint/1"


class CheckpointError(Exception):
    """A checkpoint that cannot be made, read or trusted."""


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    mac: str
    count: int
    created_at: str

    def message(self) -> bytes:
        return json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True, separators=(",", ":")).encode()


def signing_key() -> Ed25519PrivateKey:
    if not settings.AUDIT_SIGNING_KEY:
        raise CheckpointError("VIGIL_AUDIT_SIGNING_KEY is not set: checkpoints cannot be signed.")
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(settings.AUDIT_SIGNING_KEY))


def public_key_hex(private: Ed25519PrivateKey | None = None) -> str:
    return (private or signing_key()).public_key().public_bytes_raw().hex()


def checkpoint_create() -> Checkpoint:
    """The chain's newest event as it stands now; refuses when that event's MAC does not hold."""
    last = AuditEvent.objects.order_by("-id").first()
    if last is None:
        raise CheckpointError("The audit trail is empty: nothing to checkpoint.")
    if not link_holds(last, last.hash, mac_key()):
        raise CheckpointError(f"Event {last.pk} does not match its MAC: run verify_audit.")
    count = AuditEvent.objects.filter(id__lte=last.pk).count()
    return Checkpoint(event_id=last.pk, mac=last.hash, count=count, created_at=timezone.now().isoformat())


def checkpoint_export(checkpoint: Checkpoint) -> str:
    key = signing_key()
    signature = base64.b64encode(key.sign(checkpoint.message())).decode()
    document = {"format": FORMAT, "checkpoint": asdict(checkpoint), "public_key": public_key_hex(key),
                "signature": signature}  # fmt: skip
    return json.dumps(document, indent=2) + "\n"


def checkpoint_load(text: str, *, public_key: str) -> Checkpoint:
    """Parse and verify against the hub's public key (never the one the file names)."""
    try:
        document = json.loads(text)
        if document.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT}")
        checkpoint = Checkpoint(**document["checkpoint"])
        signature = base64.b64decode(document["signature"], validate=True)
        verifier = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"not a readable checkpoint ({exc})") from None
    try:
        verifier.verify(signature, checkpoint.message())
    except InvalidSignature:
        raise CheckpointError("its signature does not verify with the hub's public key") from None
    return checkpoint


def checkpoint_holds(checkpoint: Checkpoint) -> str | None:
    """None when the chain still holds the checkpointed event unchanged; otherwise why not."""
    event = AuditEvent.objects.filter(pk=checkpoint.event_id).first()
    if event is None:
        return f"event {checkpoint.event_id} is gone from the chain"
    if event.hash != checkpoint.mac:
        return f"event {checkpoint.event_id} no longer has the checkpointed MAC"
    count = AuditEvent.objects.filter(id__lte=checkpoint.event_id).count()
    if count != checkpoint.count:
        return f"the chain up to event {checkpoint.event_id} holds {count} events, the checkpoint {checkpoint.count}"
    return None
