"""Token transaction locks, so concurrent reports of one token are matched exactly once."""

import hashlib
from collections.abc import Iterable

from django.db import connection

TokenPair = tuple[str, str]  # (key_id, token)

# Tokens share this many locks. PostgreSQL keeps every advisory lock in one shared table sized
# max_locks_per_transaction x max_connections (6,400 entries by default): a lock per token let
# two concurrent 10,000-token batches exhaust it, and both failed. A batch now holds at most this
# many; two batches that share a slot but no token wait for each other, which costs one batch's
# commit at most and never a wrong match.
LOCK_SLOTS = 1024
_SLOT_BASE = 0x5649474B << 32  # apart from the hub's other advisory lock, the audit chain's


def _lock_id(pair: TokenPair) -> int:
    digest = hashlib.sha256(f"{pair[0]}:{pair[1]}".encode()).digest()
    return _SLOT_BASE + int.from_bytes(digest[:8], "big") % LOCK_SLOTS


def tokens_lock(pairs: Iterable[TokenPair]) -> None:
    """Hold a transaction-scoped lock on each token's slot until commit.

    Every writer takes its locks in ascending order in one statement, so two batches sharing
    tokens wait for each other instead of deadlocking, and the second sees the first's reports.
    SQLite needs none: it lets one writer at a time into the database.
    """
    if connection.vendor != "postgresql":
        return
    ids = sorted({_lock_id(pair) for pair in pairs})
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(id) FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, n) ORDER BY n",
            [ids],
        )
