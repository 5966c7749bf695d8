"""The elliptic-curve steps of tokenising, run in worker processes for a stream of batches.

A spawned worker imports the module of each function it runs, and the `vigil` command's script:
both stay free of the HTTP client, the address codecs and the rest, so each worker holds the crypto
code only. Addresses are normalised in the calling process, which holds the codecs anyway.
"""

from vigil_client import threshold, voprf


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
