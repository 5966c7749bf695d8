"""Addresses to tokens: normalise and blind here, evaluate at the hub, verify and unblind here."""

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice

from vigil_client import voprf
from vigil_client.addresses import AddressError, normalise, oprf_input
from vigil_client.hub import Hub, PublishedKey

DEFAULT_BATCH = 5_000
MAX_BATCH = 10_000


@dataclass(frozen=True)
class TokenResult:
    address: str  # as the member gave it
    canonical: str | None = None
    token: str | None = None
    error: str | None = None


class Tokenizer:
    """Turns addresses into tokens under the hub's current key, refusing any unverified answer.

    The libsodium calls release the GIL, so `workers` threads keep both cores and the network busy
    while the input is read and the output written as a stream.
    """

    def __init__(self, hub: Hub, *, key: PublishedKey | None = None, batch_size: int = DEFAULT_BATCH, workers: int = 2):
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch size must be between 1 and {MAX_BATCH}")
        self.hub = hub
        self.key = key or hub.current_key()
        self.batch_size = batch_size
        self.workers = workers

    def tokens_for(self, namespace: str, canonical_addresses: list[str]) -> list[str]:
        """Tokens for already-canonical addresses; raises voprf.ProofError if the hub's proof fails."""
        inputs = [oprf_input(namespace, address) for address in canonical_addresses]
        blinds, blinded = voprf.blind(inputs)
        evaluated, proof = self.hub.evaluate(self.key.key_id, blinded)
        outputs = voprf.finalize(
            inputs, blinds, evaluated, proof=proof, public_key=self.key.public_key, blinded_elements=blinded
        )
        return [voprf.token_from_output(output) for output in outputs]

    def _batch(self, namespace: str, addresses: list[str]) -> list[TokenResult]:
        results: list[TokenResult] = []
        valid: list[tuple[int, str]] = []
        for address in addresses:
            try:
                canonical = normalise(namespace, address)
            except AddressError as exc:
                results.append(TokenResult(address, error=str(exc)))
                continue
            valid.append((len(results), canonical))
            results.append(TokenResult(address, canonical=canonical))
        if valid:
            tokens = self.tokens_for(namespace, [canonical for _, canonical in valid])
            for (index, canonical), token in zip(valid, tokens, strict=True):
                results[index] = TokenResult(results[index].address, canonical=canonical, token=token)
        return results

    def tokenize(self, namespace: str, addresses: Iterable[str]) -> Iterator[TokenResult]:
        """Results in input order; at most `workers + 1` batches are held in memory at once."""
        source = iter(addresses)
        pending: deque[Future[list[TokenResult]]] = deque()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            while True:
                while len(pending) <= self.workers:
                    chunk = list(islice(source, self.batch_size))
                    if not chunk:
                        break
                    pending.append(pool.submit(self._batch, namespace, chunk))
                if not pending:
                    return
                yield from pending.popleft().result()
