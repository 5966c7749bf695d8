"""Re-keying the chain keeps every event's content and refuses to launder a chain already broken."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.audit.chain import GENESIS_HASH, sha256_link
from apps.audit.models import AuditEvent
from apps.audit.services import audit_chain_verify

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE, AFTER = [("audit", "0002_append_only_trigger")], [("audit", "0004_refuse_truncate")]


def _migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _legacy_events(count: int) -> list[AuditEvent]:
    """Events as the unkeyed SHA-256 chain wrote them."""
    previous, written = GENESIS_HASH, []
    for n in range(count):
        event = AuditEvent(created_at=timezone.now(), actor_label="user:alice", action=f"legacy.{n}",
                           data={"n": n}, prev_hash=previous)  # fmt: skip
        event.hash = sha256_link(event)
        event.save()
        previous = event.hash
        written.append(event)
    return written


def _rewrite(sql: str, params: list) -> None:
    """As the owner, with the append-only trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


@pytest.fixture
def legacy_schema():
    _migrate(BEFORE)
    yield
    _rewrite("DELETE FROM audit_auditevent", [])
    _migrate(AFTER)


def test_migrating_relinks_legacy_events_under_the_mac_and_keeps_their_content(legacy_schema) -> None:
    legacy = _legacy_events(3)
    _migrate(AFTER)
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.data, e.actor_label, e.created_at) for e in events[:3]] == [
        (e.action, e.data, e.actor_label, e.created_at) for e in legacy
    ]
    assert all(e.hash != old.hash for e, old in zip(events, legacy, strict=False))
    assert events[3].action == "audit.chain_keyed"
    assert events[3].data == {"events": 3, "last_sha256_link": legacy[-1].hash}
    assert audit_chain_verify().ok


def test_migrating_refuses_a_legacy_chain_that_is_already_broken(legacy_schema) -> None:
    _, second, _ = _legacy_events(3)
    _rewrite("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"n": 99}', second.pk])
    with pytest.raises(RuntimeError, match=f"broken at event {second.pk}"):
        _migrate(AFTER)
    assert AuditEvent.objects.get(pk=second.pk).hash == second.hash  # nothing was re-linked
