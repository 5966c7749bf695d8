"""Counting screenings per actor and minute, and sealing each finished minute into the audit chain."""

from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.audit.services import ActorIdentity, actor_identity, audit_log_as
from apps.common.actors import Actor
from apps.matching.models import ScreenTally

# A minute is sealed this long after it ends, so a screening still committing is counted in it.
SEAL_GRACE = timedelta(seconds=10)


def screen_tally_add(*, actor: Actor, tokens: int, reported: int, record_sighting: bool) -> None:
    """Count one screening; one short row update, never a wait on the audit chain."""
    identity = actor_identity(actor)
    key = {
        "minute": timezone.now().replace(second=0, microsecond=0),
        "organisation": actor.organisation,
        "actor_user_id": identity.user_id or 0,
        "actor_api_key_id": identity.api_key_id or 0,
        "actor_label": identity.label,
        "session_key_hash": identity.session_key_hash,
        "ip": identity.ip or "",
    }
    counts = {"requests": 1, "tokens": tokens, "reported": reported, "sighting_requests": int(record_sighting)}
    increments = {field: F(field) + value for field, value in counts.items()}
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if own_transaction:
            _commit_without_waiting_for_disk()
        if ScreenTally.objects.filter(**key).update(**increments):
            return
        try:
            with transaction.atomic():
                ScreenTally.objects.create(**key, **counts)
        except IntegrityError:  # another screening by the same actor created the minute's row first
            ScreenTally.objects.filter(**key).update(**increments)


def _commit_without_waiting_for_disk() -> None:
    """Let this count's commit return before its WAL reaches the disk (only ever in a transaction of its own).

    The flush was the dearest part of a screen. A crash of the database server may lose the last
    fraction of a second of counts, never a report, sighting or chained audit event.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def screen_tallies_seal(*, now: datetime | None = None) -> int:
    """Write one `screen.checked` audit event per actor and finished minute; return how many."""
    cutoff = (now or timezone.now()) - SEAL_GRACE - timedelta(minutes=1)
    sealed = 0
    with transaction.atomic():
        tallies = ScreenTally.objects.select_for_update(skip_locked=True).filter(minute__lte=cutoff)
        for tally in tallies.order_by("minute", "id"):
            audit_log_as(
                identity=ActorIdentity(
                    label=tally.actor_label,
                    user_id=tally.actor_user_id or None,
                    api_key_id=tally.actor_api_key_id or None,
                    session_key_hash=tally.session_key_hash,
                    ip=tally.ip or None,
                ),
                organisation_id=tally.organisation_id,
                action="screen.checked",
                data={
                    "minute": tally.minute.isoformat(),
                    "requests": tally.requests,
                    "tokens": tally.tokens,
                    "reported": tally.reported,
                    "sighting_requests": tally.sighting_requests,
                },
            )
            tally.delete()
            sealed += 1
    return sealed
