"""Counting screenings per actor and minute, and sealing each finished minute into the audit chain."""

from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.audit.services import ActorIdentity, actor_identity, audit_log_as
from apps.common.actors import Actor
from apps.matching.models import ScreenTally

# A minute is sealed this long after it ends, so a screening still committing is counted in it.
SEAL_GRACE = timedelta(seconds=10)


_KEY = ["minute", "organisation_id", "actor_user_id", "actor_api_key_id", "actor_label", "session_key_hash", "ip"]
_COUNTS = ["requests", "tokens", "reported", "sighting_requests"]
_TABLE = ScreenTally._meta.db_table
_UPSERT = (  # names from the model, values as parameters
    f"INSERT INTO {_TABLE} ({', '.join(_KEY + _COUNTS)}) VALUES ({', '.join(['%s'] * (len(_KEY) + len(_COUNTS)))})"  # noqa: S608
    f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
    + ", ".join(f"{field} = {_TABLE}.{field} + excluded.{field}" for field in _COUNTS)
)


def screen_tally_add(*, actor: Actor, tokens: int, reported: int, record_sighting: bool) -> None:
    """Count one screening in one round trip to the database, never a wait on the audit chain."""
    identity = actor_identity(actor)
    minute = timezone.now().replace(second=0, microsecond=0)
    params = [
        *(minute, actor.organisation.pk, identity.user_id or 0, identity.api_key_id or 0, identity.label),
        *(identity.session_key_hash, identity.ip or "", 1, tokens, reported, int(record_sighting)),
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            cursor.execute(_UPSERT, params)
            return
        # Its own transaction, sent as one message, whose commit returns before its WAL reaches the
        # disk: the flush was the dearest part of a screen. A crash of the database server may lose
        # the last fraction of a second of counts, never a report, sighting or chained audit event.
        try:
            cursor.execute(f"BEGIN; SET LOCAL synchronous_commit TO OFF; {_UPSERT}; COMMIT", params)
        except DatabaseError:
            cursor.execute("ROLLBACK")  # the failed statement left the transaction open
            raise


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
