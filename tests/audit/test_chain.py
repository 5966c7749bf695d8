"""The audit trail is MAC-chained under a key outside the database, append-only, and tampering is caught."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from apps.audit.chain import mac_link, sha256_link
from apps.audit.models import AuditEvent
from apps.audit.services import GENESIS_HASH, audit_chain_verify, audit_log
from apps.common.actors import SYSTEM

pytestmark = pytest.mark.django_db


def _three_events() -> list[AuditEvent]:
    return [audit_log(actor=SYSTEM, action=f"test.{n}", data={"n": n}) for n in range(3)]


def test_each_event_links_to_the_one_before() -> None:
    first, second, third = _three_events()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash


def test_an_untouched_chain_verifies(capsys) -> None:
    _three_events()
    assert audit_chain_verify().ok
    call_command("verify_audit")
    assert "3 events verified" in capsys.readouterr().out


def _tamper(sql: str, params: list) -> None:
    """Rewrite history as the database owner would, switching the trigger off for this transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_verify_names_the_first_event_whose_content_was_changed() -> None:
    _, second, _ = _three_events()
    _tamper("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', second.pk])
    verdict = audit_chain_verify()
    assert verdict.broken_id == second.pk
    assert "content" in verdict.reason
    with pytest.raises(CommandError, match=f"broken at event {second.pk}"):
        call_command("verify_audit")


def test_verify_names_the_event_after_a_deleted_one() -> None:
    _, second, third = _three_events()
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [second.pk])
    verdict = audit_chain_verify()
    assert verdict.broken_id == third.pk
    assert "prev_hash" in verdict.reason


@pytest.mark.parametrize("relink", [sha256_link, lambda event: mac_link(event, b"guessed key".ljust(32, b"\0"))])
def test_a_database_writer_without_the_mac_key_cannot_rewrite_and_rechain_an_event(relink) -> None:
    *_, last = _three_events()
    last.data = {"n": 99}
    _tamper("UPDATE audit_auditevent SET data = %s, hash = %s WHERE id = %s", ['{"n": 99}', relink(last), last.pk])
    verdict = audit_chain_verify()
    assert verdict.broken_id == last.pk
    assert "MAC" in verdict.reason


def test_the_chain_only_verifies_under_the_key_it_was_written_with(settings) -> None:
    _three_events()
    settings.AUDIT_MAC_KEY = "cd" * 32
    assert audit_chain_verify().broken_id is not None


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent", "TRUNCATE audit_auditevent"],
)
def test_postgresql_refuses_updates_deletes_and_truncation(statement: str) -> None:
    _three_events()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 3
    assert audit_chain_verify().ok


def test_events_never_carry_unserialisable_values() -> None:
    import datetime

    event = audit_log(actor=SYSTEM, action="test.dates", data={"at": datetime.date(2026, 1, 2)})
    event.refresh_from_db()
    assert event.data == {"at": "2026-01-02"}
    assert audit_chain_verify().ok
