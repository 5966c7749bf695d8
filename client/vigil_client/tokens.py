"""Addresses to tokens: normalise and blind here, evaluate at the hub, verify and unblind here."""

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from multiprocessing import get_context
from typing import Any, TypeVar

from vigil_client import voprf
from vigil_client.addresses import AddressError, normalise, oprf_input
from vigil_client.contract import EVALUATE_BATCH_MAX
from vigil_client.crunch import finish, finish_combined
from vigil_client.hub import Hub, PublishedKey
from vigil_client.trustees import Consortium

DEFAULT_BATCH = 5_000
MAX_BATCH = EVALUATE_BATCH_MAX
T = TypeVar("T")


@dataclass(frozen=True)
class TokenResult:
    address: str  # as the member gave it
    canonical: str | None = None
    token: str | None = None
    error: str | None = None


def _normalised(namespace: str, addresses: list[str]) -> tuple[list[TokenResult], list[int], list[bytes]]:
    """Results so far, the indexes of the valid addresses and their OPRF inputs."""
    results: list[TokenResult] = []
    valid: list[int] = []
    for address in addresses:
        try:
            canonical = normalise(namespace, address)
        except AddressError as exc:
            results.append(TokenResult(address, error=str(exc)))
            continue
        valid.append(len(results))
        results.append(TokenResult(address, canonical=canonical))
    return results, valid, [oprf_input(namespace, results[index].canonical or "") for index in valid]


def _run(pool: Executor | None, function: Callable[..., T], *args: Any) -> T:
    return pool.submit(function, *args).result() if pool is not None else function(*args)


class Tokenizer:
    """Turns addresses into tokens under the hub's current key, refusing any unverified answer.

    For a stream of several batches the elliptic-curve work runs in `processes` worker processes
    (libsodium's calls hold the GIL, so threads would share one core), while threads in this
    process carry each batch to the hub: the network and every core stay busy. Used as a context
    manager, it keeps its worker processes for every call inside, so a report of many batches
    starts them once.
    """

    def __init__(
        self,
        hub: Hub,
        *,
        key: PublishedKey | None = None,
        batch_size: int = DEFAULT_BATCH,
        processes: int | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch size must be between 1 and {MAX_BATCH}")
        self.hub = hub
        self.key = key or hub.current_key()
        self.batch_size = batch_size
        self.processes = processes or os.cpu_count() or 1
        # A key split among trustees is evaluated by t of them, reached with the organisation's keys there.
        self.consortium = (
            Consortium(self.key, hub.trustee_keys, http=hub.http) if self.key.threshold is not None else None
        )
        self._crunch: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Tokenizer":
        if self.processes > 1:
            self._crunch = ProcessPoolExecutor(max_workers=self.processes, mp_context=get_context("spawn"))
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._crunch is not None:
            self._crunch.shutdown(cancel_futures=True)
            self._crunch = None

    def tokens_for(self, namespace: str, canonical_addresses: list[str]) -> list[str]:
        """Tokens for already-canonical addresses; raises voprf.ProofError if the hub's proof fails."""
        results = list(self.tokenize(namespace, canonical_addresses))
        refused = [result for result in results if result.token is None]
        if refused:
            raise ValueError(f"not a canonical {namespace} address: {refused[0].address!r} ({refused[0].error})")
        return [result.token for result in results if result.token is not None]

    def _batch(self, namespace: str, addresses: list[str], pool: Executor | None) -> list[TokenResult]:
        results, valid, inputs = _normalised(namespace, addresses)
        if not valid:
            return results
        blinds, blinded = _run(pool, voprf.blind, inputs)
        if self.consortium is not None:
            partials = self.consortium.partials(blinded, partial(_run, pool))
            tokens = _run(pool, finish_combined, inputs, blinds, partials)
        else:
            evaluated, proof = self.hub.evaluate(self.key.key_id, blinded)
            tokens = _run(pool, finish, inputs, blinds, evaluated, proof, self.key.public_key, blinded)
        for index, token in zip(valid, tokens, strict=True):
            results[index] = TokenResult(results[index].address, canonical=results[index].canonical, token=token)
        return results

    def tokenize(self, namespace: str, addresses: Iterable[str]) -> Iterator[TokenResult]:
        """Results in input order, streamed: at most `processes + 1` batches are in memory at once."""
        source = iter(addresses)
        first, second = list(islice(source, self.batch_size)), list(islice(source, self.batch_size))
        chunks = chain([first, second], iter(lambda: list(islice(source, self.batch_size)), []))
        if not second or self.processes == 1:  # one batch: a process pool would cost more than it saves
            for chunk in chunks:
                yield from self._batch(namespace, chunk, None) if chunk else []
            return
        pending: deque[Future[list[TokenResult]]] = deque()
        with ExitStack() as stack:
            crunch = self._crunch or stack.enter_context(
                ProcessPoolExecutor(max_workers=self.processes, mp_context=get_context("spawn"))
            )
            carriers = stack.enter_context(ThreadPoolExecutor(max_workers=self.processes + 1))
            for chunk in chunks:
                pending.append(carriers.submit(self._batch, namespace, chunk, crunch))
                if len(pending) > self.processes:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
