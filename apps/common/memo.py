"""Figures every process shares through the cache: read on hot paths, recomputed when they change.

A memo is forgotten by the service that changes what it is computed from (at once, and again when
that transaction commits, so no reader caches the state before it), and lapses after its timeout
for changes no service announces. Deployed, the cache is Redis, shared by every process; the first
run's in-process cache serves its one process. Each process also keeps what it read for a second,
so a screening does not wait on the cache three times: another process sees a change at most a
second late.
"""

import time
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.cache import cache
from django.db import transaction

LOCAL_SECONDS = 1.0


class Memo:
    every: ClassVar[list["Memo"]] = []

    def __init__(self, name: str, *, timeout: int) -> None:
        self.key = f"vigil-memo:{name}"
        self.timeout = timeout
        self._local: tuple[float, Any] | None = None
        Memo.every.append(self)

    def get(self, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        if self._local is not None and self._local[0] > now:
            return self._local[1]
        value = cache.get_or_set(self.key, compute, timeout=self.timeout)
        self._local = (now + LOCAL_SECONDS, value)
        return value

    def forget(self) -> None:
        self._local = None
        cache.delete(self.key)
        transaction.on_commit(self._forget_everywhere)

    def _forget_everywhere(self) -> None:
        self._local = None
        cache.delete(self.key)


def memos_forget_all() -> None:
    for memo in Memo.every:
        memo._local = None
    cache.delete_many([memo.key for memo in Memo.every])
