"""Per-token transaction locks, so concurrent reports of one token are matched exactly once."""

import hashlib
from collections.abc import Iterable

from django.db import connection

TokenPair = tuple[str, str]  # (key_id, token)


def _lock_id(pair: TokenPair) -> int:
    digest = hashlib.sha256(f"{pair[0]}:{pair[1]}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def tokens_lock(pairs: Iterable[TokenPair]) -> None:
    """Hold a transaction-scoped lock per token until commit.

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
