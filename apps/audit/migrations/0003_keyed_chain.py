"""Re-link the existing SHA-256 chain with HMAC-SHA256 under VIGIL_AUDIT_MAC_KEY.

Only prev_hash and hash change; every event's content stays as written. The unkeyed chain is
verified first and the migration refuses to run over a broken one, so re-keying never launders
tampering. A closing `audit.chain_keyed` event records how many events were re-linked and the
last SHA-256 link, so the conversion itself is on the record.
"""

from django.db import migrations
from django.utils import timezone

from apps.audit.chain import GENESIS_HASH, mac_link, sha256_link

TRIGGER = "audit_event_append_only"


def _relink(apps, schema_editor, old_link, new_link, *, seal: bool) -> None:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = list(AuditEvent.objects.order_by("id"))
    if not events:
        return
    previous = GENESIS_HASH
    for event in events:
        if event.prev_hash != previous or old_link(event) != event.hash:
            raise RuntimeError(
                f"audit chain broken at event {event.pk}; investigate with verify_audit before re-keying it"
            )
        previous = event.hash
    legacy_tail = previous
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:  # the migration runs as the table's owner; the trigger is back on before it commits
        schema_editor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {TRIGGER}")
    previous = GENESIS_HASH
    for event in events:
        event.prev_hash = previous
        event.hash = new_link(event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        previous = event.hash
    if postgresql:
        schema_editor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {TRIGGER}")
    if seal:
        closing = AuditEvent(
            created_at=timezone.now(),
            actor_label="system",
            action="audit.chain_keyed",
            data={"events": len(events), "last_sha256_link": legacy_tail},
            prev_hash=previous,
        )
        closing.hash = new_link(closing)
        closing.save()


def forwards(apps, schema_editor) -> None:
    _relink(apps, schema_editor, sha256_link, mac_link, seal=True)


def backwards(apps, schema_editor) -> None:
    _relink(apps, schema_editor, mac_link, sha256_link, seal=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(forwards, backwards)]
