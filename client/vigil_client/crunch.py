"""The elliptic-curve steps of tokenising, run in worker processes for a stream of batches.

A spawned worker imports the module of each function it runs, and the `vigil` command's script:
both stay free of the HTTP client and the rest, so each worker holds the crypto and address code only.
"""

from dataclasses import dataclass

from vigil_client import threshold, voprf
from vigil_client.addresses import AddressError, normalise, oprf_input


@dataclass(frozen=True)
class TokenResult:
    address: str  # as the member gave it
    canonical: str | None = None
    token: str | None = None
    error: str | None = None


def prepare(namespace: str, addresses: list[str]) -> tuple[list[TokenResult], list[int], list[bytes], list, list]:
    """Normalise and blind a chunk: (results so far, indexes of valid ones, inputs, blinds, blinded)."""
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
    inputs = [oprf_input(namespace, results[index].canonical or "") for index in valid]
    blinds, blinded = voprf.blind(inputs) if inputs else ([], [])
    return results, valid, inputs, blinds, blinded


def finish(
    inputs: list[bytes],
    blinds: list[bytes],
    evaluated: list[bytes],
    proof: bytes,
    public_key: bytes,
    blinded: list[bytes],
) -> list[str]:
    """Verify the hub's proof, unblind and finalise; raises voprf.ProofError on a bad proof."""
    outputs = voprf.finalize(inputs, blinds, evaluated, proof=proof, public_key=public_key, blinded_elements=blinded)
    return [voprf.token_from_output(output) for output in outputs]


def finish_combined(inputs: list[bytes], blinds: list[bytes], partials: dict[int, list[bytes]]) -> list[str]:
    """Combine t trustees' partial evaluations, each proof already verified (Consortium), unblind and finalise."""
    # The Finalize hash is the same in both modes; what VOPRF adds, the proof, was checked per share.
    evaluated = threshold.combine(partials)
    return [voprf.token_from_output(output) for output in voprf.finalize_oprf(inputs, blinds, evaluated)]
