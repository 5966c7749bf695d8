"""Trustee benchmark: CPU per token, client and evaluators, for a key split 2-of-3 against the single key.

Both paths run in this process on one thread, so the ratio is of work, not of network or scheduling:
single key = blind, evaluate with a proof, verify, unblind; 2-of-3 = blind, two trustees each
evaluate with a proof, verify both proofs, combine with Lagrange weights, unblind. The protocol
needs 2 multiplications per element at an evaluator and 4 at the client (blind, two for the proof's
composites, unblind); 2-of-3 doubles the evaluators' work and adds 2 + 2 at the client (a second
proof, and two weighted terms to combine), so about 2.0 for the evaluators and 2.0 for the client.
"""

import argparse
import sys
import time
from collections.abc import Callable

from vigil_client import threshold, voprf

ROUNDS = 3  # best round wins: the cost is what the work takes, not what the machine allowed


def _cpu(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.thread_time()
        work()
        best = min(best, time.thread_time() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=2_000, help="tokens per batch (default 2,000)")
    parser.add_argument("--quick", action="store_true", help="200 tokens per batch")
    args = parser.parse_args()
    count = 200 if args.quick else args.tokens

    secret, public = voprf.generate_key_pair()
    shares = threshold.split(secret, threshold=2, count=3)[:2]
    single = voprf.SingleKeyEvaluator(secret)
    trustees = [voprf.SingleKeyEvaluator(share.secret) for share in shares]
    inputs = [f"wallet:evm:0x{n:040x}".encode() for n in range(count)]
    blinds, blinded = voprf.blind(inputs)

    evaluated, proof = single.blind_evaluate_batch(blinded)
    answers = [trustee.blind_evaluate_batch(blinded) for trustee in trustees]

    def client_single() -> None:
        voprf.blind(inputs)
        voprf.finalize(inputs, blinds, evaluated, proof=proof, public_key=public, blinded_elements=blinded)

    def client_split() -> None:
        voprf.blind(inputs)
        for share, (elements, share_proof) in zip(shares, answers, strict=True):
            voprf.verify_proof(share.commitment, blinded, elements, share_proof)
        combined = threshold.combine({share.index: answer[0] for share, answer in zip(shares, answers, strict=True)})
        voprf.finalize_oprf(inputs, blinds, combined)

    costs = {
        "client": (_cpu(client_single), _cpu(client_split)),
        "evaluators": (
            _cpu(lambda: single.blind_evaluate_batch(blinded)),
            _cpu(lambda: [trustee.blind_evaluate_batch(blinded) for trustee in trustees]),
        ),
    }
    costs["total"] = (sum(c[0] for c in costs.values()), sum(c[1] for c in costs.values()))
    print(f"{count} tokens per batch; CPU microseconds per token, best of {ROUNDS}")
    print(f"{'':12}{'single key':>12}{'2-of-3':>12}{'ratio':>8}")
    for part, (one, split) in costs.items():
        print(f"{part:12}{one / count * 1e6:12.1f}{split / count * 1e6:12.1f}{split / one:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
