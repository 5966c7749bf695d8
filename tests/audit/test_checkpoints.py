"""Signed checkpoints: exported outside the hub, they reveal deleted or rewritten newest events."""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from apps.audit.checkpoints import public_key_hex
from apps.audit.models import AuditEvent
from apps.audit.services import audit_log
from apps.common.actors import SYSTEM

pytestmark = pytest.mark.django_db


def _events(count: int) -> list:
    return [audit_log(actor=SYSTEM, action=f"test.{n}") for n in range(count)]


def _checkpoint(tmp_path: Path, name: str = "checkpoint.json") -> Path:
    path = tmp_path / name
    call_command("audit_checkpoint", "--output", str(path))
    return path


def _delete(*event_ids: int) -> None:
    """As the database owner would, with the append-only trigger off for this transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        AuditEvent.objects.filter(pk__in=event_ids).delete()


def _verify(*args: str) -> int:
    try:
        call_command("verify_audit", *args)
    except CommandError as exc:
        return exc.returncode
    return 0


def test_a_checkpoint_names_the_newest_event_its_mac_and_the_count(tmp_path: Path) -> None:
    *_, last = _events(3)
    document = json.loads(_checkpoint(tmp_path).read_text())
    assert document["checkpoint"]["event_id"] == last.pk
    assert document["checkpoint"]["mac"] == last.hash
    assert document["checkpoint"]["count"] == 3
    assert document["public_key"] == public_key_hex()


def test_the_chain_verifies_against_its_checkpoints(tmp_path: Path, capsys) -> None:
    _events(2)
    first = _checkpoint(tmp_path, "first.json")
    _events(2)
    second = _checkpoint(tmp_path, "second.json")
    assert _verify("--checkpoint", str(first), "--checkpoint", str(second)) == 0
    assert "is in the chain" in capsys.readouterr().out


def test_deleting_the_newest_events_is_caught_by_a_checkpoint(tmp_path: Path) -> None:
    *_, second_last, last = _events(4)
    path = _checkpoint(tmp_path)
    _delete(second_last.pk, last.pk)
    assert _verify() == 0  # the shorter chain is intact on its own
    with pytest.raises(CommandError, match=f"event {last.pk} is gone"):
        call_command("verify_audit", "--checkpoint", str(path))
    assert _verify("--checkpoint", str(path)) == 3


def test_a_checkpoint_signed_by_another_key_is_refused(tmp_path: Path, settings) -> None:
    _events(1)
    settings.AUDIT_SIGNING_KEY = Ed25519PrivateKey.generate().private_bytes_raw().hex()
    forged = _checkpoint(tmp_path)
    settings.AUDIT_SIGNING_KEY = "11" * 32
    with pytest.raises(CommandError, match="signature does not verify"):
        call_command("verify_audit", "--checkpoint", str(forged))
    assert _verify("--checkpoint", str(forged)) == 2


def test_an_edited_checkpoint_is_refused(tmp_path: Path) -> None:
    _events(2)
    path = _checkpoint(tmp_path)
    document = json.loads(path.read_text())
    document["checkpoint"]["count"] = 1
    path.write_text(json.dumps(document))
    assert _verify("--checkpoint", str(path)) == 2


def test_verifying_with_the_public_key_alone(tmp_path: Path, settings) -> None:
    _events(1)
    path = _checkpoint(tmp_path)
    public_key = public_key_hex()
    settings.AUDIT_SIGNING_KEY = None
    assert _verify("--checkpoint", str(path)) == 2
    assert _verify("--checkpoint", str(path), "--public-key", public_key) == 0


def test_a_checkpoint_can_be_emailed(tmp_path: Path) -> None:
    _events(1)
    call_command("audit_checkpoint", "--email", "auditor@example.org")
    [message] = mail.outbox
    assert message.to == ["auditor@example.org"]
    [(name, content, _)] = message.attachments
    assert name.startswith("audit-checkpoint-")
    path = tmp_path / name
    path.write_text(content)
    assert _verify("--checkpoint", str(path)) == 0


def test_an_empty_trail_has_nothing_to_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="empty"):
        _checkpoint(tmp_path)


def test_the_checkpoint_command_prints_the_public_key(capsys) -> None:
    call_command("audit_checkpoint", "--public-key")
    assert capsys.readouterr().out.strip() == public_key_hex()
