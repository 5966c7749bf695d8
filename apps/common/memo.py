"""Figures every process shares through the cache: read on hot paths, recomputed when they change.

A memo is forgotten by the service that changes what it is computed from (at once, and again when
that transaction commits, so no reader caches the state before it), and lapses after its timeout
for changes no service announces. Deployed, the cache is Redis, shared by every process; the first
run's in-process cache serves its one process.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.cache import cache
from django.db import transaction


class Memo:
    every: ClassVar[list["Memo"]] = []

    def __init__(self, name: str, *, timeout: int) -> None:
        self.key = f"vigil-memo:{name}"
        self.timeout = timeout
        Memo.every.append(self)

    def get(self, compute: Callable[[], Any]) -> Any:
        return cache.get_or_set(self.key, compute, timeout=self.timeout)

    def forget(self) -> None:
        cache.delete(self.key)
        transaction.on_commit(lambda: cache.delete(self.key))


def memos_forget_all() -> None:
    cache.delete_many([memo.key for memo in Memo.every])
