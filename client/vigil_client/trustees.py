"""Evaluation under a key split among trustees: ask t of them at once, verify each share's proof, combine.

A trustee that is down, refuses the organisation, or answers with a proof that fails is dropped and
the next one asked, until t verified answers are in hand; fewer than t is an error naming each
trustee and why. The combined elements are the single key's evaluation, so tokens do not change.
"""

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from vigil_client import voprf
from vigil_client.hub import Hub, HubError, PublishedKey, RetryPolicy, TrusteeEndpoint

# A trustee that stays unreachable is replaced by another rather than waited for as long as the hub would be.
TRUSTEE_RETRY_SECONDS = 10.0


Runner = Callable[..., Any]


def _here(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


class TrusteeQuorumError(HubError):
    """Fewer than t trustees gave a verified answer; `failures` names each one that did not, and why."""

    def __init__(self, message: str, *, failures: Mapping[str, str]) -> None:
        super().__init__(message)
        self.failures = dict(failures)


class TrusteeProofError(voprf.ProofError):
    """A trustee's proof does not show it evaluated with the share it committed to."""

    def __init__(self, trustee: TrusteeEndpoint) -> None:
        super().__init__(f"trustee {trustee.name}'s proof did not verify against its share commitment; answer dropped")
        self.trustee = trustee


class Consortium:
    """The trustees of one split key, each reached with the organisation's own API key there."""

    def __init__(self, key: PublishedKey, api_keys: Mapping[str, str], *, http: httpx.Client) -> None:
        if key.threshold is None:
            raise ValueError(f"key {key.key_id} is not split among trustees")
        self.key = key
        self.threshold = key.threshold
        retry = RetryPolicy(total_seconds=min(RetryPolicy.from_env().total_seconds, TRUSTEE_RETRY_SECONDS))
        self._clients = {
            trustee.name: Hub(
                trustee.url,
                api_keys[trustee.name],
                http=http,
                retry=retry,
                trustee_keys={},
                name=f"trustee {trustee.name}",
            )
            for trustee in key.trustees
            if api_keys.get(trustee.name)
        }
        # Trustees caught answering with a failed proof, by name: reported to the member, asked last.
        self.caught: dict[str, str] = {}

    def _ask(self, trustee: TrusteeEndpoint, blinded: Sequence[bytes], run: Runner) -> list[bytes]:
        evaluated, proof = self._clients[trustee.name].evaluate(
            self.key.key_id, list(blinded), share_index=trustee.index
        )
        try:
            run(voprf.verify_proof, trustee.commitment, blinded, evaluated, proof)
        except voprf.VoprfError:
            raise TrusteeProofError(trustee) from None
        return evaluated

    def partials(self, blinded: Sequence[bytes], run: Runner | None = None) -> dict[int, list[bytes]]:
        """t verified partial evaluations {share index: [k_j*B]}, to combine with `threshold.combine`.

        `run(function, *args)` does the proofs' elliptic-curve work (in a worker process when
        tokenising a stream). Raises TrusteeQuorumError naming every trustee that did not answer.
        """
        run = run or _here
        failures: dict[str, str] = {}
        for trustee in self.key.trustees:
            if trustee.name not in self._clients:
                failures[trustee.name] = "no API key for it (VIGIL_TRUSTEE_KEYS or --trustee-key)"
        # Honest trustees first; one caught lying earlier is asked only if the others cannot make t.
        waiting = sorted(
            (trustee for trustee in self.key.trustees if trustee.name in self._clients),
            key=lambda trustee: trustee.name in self.caught,
        )
        answers: dict[int, list[bytes]] = {}
        while len(answers) < self.threshold and waiting:
            asked, waiting = waiting[: self.threshold - len(answers)], waiting[self.threshold - len(answers) :]
            with ThreadPoolExecutor(max_workers=len(asked)) as pool:
                futures = [(trustee, pool.submit(self._ask, trustee, blinded, run)) for trustee in asked]
            for trustee, future in futures:
                error = future.exception()
                if error is None:
                    answers[trustee.index] = future.result()
                elif isinstance(error, TrusteeProofError):
                    failures[trustee.name] = self.caught[trustee.name] = str(error)
                elif isinstance(error, HubError):
                    failures[trustee.name] = str(error)
                elif isinstance(error, Exception):  # an answer that does not parse is no answer
                    failures[trustee.name] = f"unusable answer: {error}"
                else:
                    raise error
        if len(answers) < self.threshold:
            named = "; ".join(f"{name}: {reason}" for name, reason in failures.items())
            raise TrusteeQuorumError(
                f"Key {self.key.key_id} needs {self.threshold} of its {len(self.key.trustees)} trustees and only "
                f"{len(answers)} gave a verified answer. {named}",
                failures=failures,
            )
        return answers
