"""The OPRF key split t-of-n across trustees: Shamir shares of the scalar, proofs per share, and
Lagrange interpolation in the exponent, so t partial evaluations combine into exactly k*B.

A trustee j holds k_j = f(j) for a random polynomial f of degree t-1 with f(0) = k, and publishes
its commitment k_j*G. It answers a blinded element B with k_j*B and an RFC 9497 DLEQ proof against
k_j*G. Any t verified answers combine as sum(lambda_j * k_j*B) = k*B, the single key's evaluation,
so tokens do not change; fewer than t shares say nothing about k.
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import rbcl

from vigil_client import voprf

__all__ = [
    "CommitmentError",
    "Share",
    "combine",
    "commitment_of",
    "deal",
    "feldman_commitment",
    "interpolate_commitments",
    "joint_public_key",
    "lagrange_coefficients",
    "reshare",
    "reshare_combine",
    "reshare_commitments",
    "split",
    "verify_commitments",
]

_IDENTITY = bytes(voprf.ELEMENT_SIZE)


class CommitmentError(voprf.VoprfError):
    """Published share commitments do not lie on one polynomial whose constant term is the public key."""


@dataclass(frozen=True)
class Share:
    index: int  # the trustee's x-coordinate, 1..n
    secret: bytes  # f(index), 32 little-endian bytes

    @property
    def commitment(self) -> bytes:
        return commitment_of(self.secret)


def commitment_of(secret: bytes) -> bytes:
    return rbcl.crypto_scalarmult_ristretto255_base(secret)


def _polynomial(constant: int, threshold: int) -> list[int]:
    return [constant] + [secrets.randbelow(voprf.ORDER) for _ in range(threshold - 1)]


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    value = 0
    for coefficient in reversed(coefficients):  # Horner
        value = (value * x + coefficient) % voprf.ORDER
    return value


def _check_shape(threshold: int, count: int) -> None:
    if not 1 <= threshold <= count:
        raise ValueError(f"threshold must be between 1 and the number of trustees ({count}); got {threshold}")
    if count >= voprf.ORDER:
        raise ValueError("too many trustees")


def split(secret_key: bytes, *, threshold: int, count: int) -> list[Share]:
    """Shamir-split a nonzero scalar into `count` shares at x = 1..count, any `threshold` of which rebuild it."""
    _check_shape(threshold, count)
    constant = voprf.deserialize_scalar(secret_key)
    if constant == 0:
        raise voprf.InvalidScalarError("scalar must not be zero")
    while True:
        coefficients = _polynomial(constant, threshold)
        values = [_evaluate(coefficients, x) for x in range(1, count + 1)]
        # A zero share could not evaluate (libsodium refuses scalar 0); draw again (probability ~n/2**252).
        if all(values):
            return [Share(x, voprf.serialize_scalar(v)) for x, v in enumerate(values, start=1)]


def lagrange_coefficients(indexes: Sequence[int], *, at: int = 0) -> dict[int, int]:
    """lambda_j with f(at) = sum(lambda_j * f(j)) for distinct nonzero indexes j."""
    if len(set(indexes)) != len(indexes) or any(not 0 < j < voprf.ORDER for j in indexes):
        raise ValueError("share indexes must be distinct and nonzero")
    coefficients = {}
    for j in indexes:
        numerator = denominator = 1
        for m in indexes:
            if m != j:
                numerator = numerator * (at - m) % voprf.ORDER
                denominator = denominator * (j - m) % voprf.ORDER
        coefficients[j] = numerator * pow(denominator, -1, voprf.ORDER) % voprf.ORDER
    return coefficients


def _weighted_sum(weights: Mapping[int, int], elements: Mapping[int, bytes]) -> bytes:
    total = _IDENTITY
    for j, weight in weights.items():
        if weight:  # libsodium refuses the zero scalar; a zero weight contributes the identity
            total = rbcl.crypto_core_ristretto255_add(
                total, rbcl.crypto_scalarmult_ristretto255(voprf.serialize_scalar(weight), elements[j])
            )
    return total


def interpolate_commitments(commitments: Mapping[int, bytes], *, at: int = 0) -> bytes:
    """The element f(at)*G from commitments f(j)*G (at = 0 gives the public key)."""
    return _weighted_sum(lagrange_coefficients(list(commitments), at=at), commitments)


def verify_commitments(public_key: bytes, commitments: Mapping[int, bytes], *, threshold: int) -> None:
    """Check that the commitments lie on one polynomial of degree threshold-1 through the public key.

    Interpolating from the first `threshold` commitments must give the public key and every other
    commitment, so any `threshold` honest answers combine to the published key's evaluation.
    """
    _check_shape(threshold, len(commitments))
    for element in (public_key, *commitments.values()):
        try:
            voprf.deserialize_element(element)
        except voprf.InvalidElementError:
            raise CommitmentError("a share commitment or the public key is not a valid element") from None
    base = dict(sorted(commitments.items())[:threshold])
    if interpolate_commitments(base) != public_key:
        raise CommitmentError("the share commitments do not interpolate to the public key")
    for j, element in commitments.items():
        if j not in base and interpolate_commitments(base, at=j) != element:
            raise CommitmentError(f"the commitment of share {j} is not on the polynomial of the others")


def combine(partials: Mapping[int, Sequence[bytes]]) -> list[bytes]:
    """Combine verified partial evaluations {index: [k_j*B_i]} from exactly t trustees into [k*B_i]."""
    if not partials:
        raise ValueError("no partial evaluations to combine")
    sizes = {len(elements) for elements in partials.values()}
    if len(sizes) != 1:
        raise ValueError("partial evaluations differ in length")
    weights = lagrange_coefficients(list(partials))
    (size,) = sizes
    return [_weighted_sum(weights, {j: elements[i] for j, elements in partials.items()}) for i in range(size)]


def reshare(share: Share, *, holders: Sequence[int], threshold: int, count: int) -> tuple[list[Share], list[bytes]]:
    """One old trustee's part in re-sharing: sub-shares of lambda_j * k_j for new trustees 1..count,
    and commitments to its sub-polynomial's coefficients (Feldman), which every new trustee checks.

    `holders` are the indexes of the old trustees taking part. Each new trustee adds up the sub-shares
    it receives (`reshare_combine`); the key, and so every token, is unchanged, and no one holds it.
    """
    _check_shape(threshold, count)
    if share.index not in holders:
        raise ValueError("the re-sharing share must be one of the holders")
    weight = lagrange_coefficients(list(holders))[share.index]
    return _deal(weight * voprf.deserialize_scalar(share.secret) % voprf.ORDER, threshold, count)


def deal(*, threshold: int, count: int) -> tuple[list[Share], list[bytes]]:
    """One trustee's part in generating a key no one ever holds (joint Feldman generation).

    Each of the `count` trustees deals a polynomial with a random constant: sub-shares for trustees
    1..count and commitments to its coefficients. Each trustee adds up the sub-shares it receives
    (`reshare_combine`); the key is the sum of the constants, which no party sees, and its public
    key the sum of their commitments (`joint_public_key`).
    """
    _check_shape(threshold, count)
    return _deal(1 + secrets.randbelow(voprf.ORDER - 1), threshold, count)


def _deal(constant: int, threshold: int, count: int) -> tuple[list[Share], list[bytes]]:
    coefficients = _polynomial(constant, threshold)
    subs = [Share(x, voprf.serialize_scalar(_evaluate(coefficients, x))) for x in range(1, count + 1)]
    # A zero coefficient commits to the identity, which the base multiplication refuses to produce.
    committed = [commitment_of(voprf.serialize_scalar(c)) if c else _IDENTITY for c in coefficients]
    return subs, committed


def joint_public_key(coefficient_commitments: Sequence[Sequence[bytes]]) -> bytes:
    """The generated key's public key: the sum of every dealer's committed constant."""
    total = _IDENTITY
    for committed in coefficient_commitments:
        total = rbcl.crypto_core_ristretto255_add(total, committed[0])
    if total == _IDENTITY:
        raise voprf.InvalidElementError("the generated key is zero; run the generation again")
    return total


def feldman_commitment(coefficient_commitments: Sequence[bytes], x: int) -> bytes:
    """f(x)*G from commitments to f's coefficients: what a sub-share for trustee x must commit to."""
    total = _IDENTITY
    for power, element in enumerate(coefficient_commitments):
        weight = pow(x, power, voprf.ORDER)
        if element != _IDENTITY:
            total = rbcl.crypto_core_ristretto255_add(
                total, rbcl.crypto_scalarmult_ristretto255(voprf.serialize_scalar(weight), element)
            )
    return total


def reshare_commitments(coefficient_commitments: Sequence[Sequence[bytes]], *, count: int) -> dict[int, bytes]:
    """The new trustees' share commitments, from every holder's coefficient commitments."""
    commitments = {}
    for x in range(1, count + 1):
        total = _IDENTITY
        for committed in coefficient_commitments:
            total = rbcl.crypto_core_ristretto255_add(total, feldman_commitment(committed, x))
        commitments[x] = total
    return commitments


def reshare_combine(index: int, sub_shares: Sequence[Share]) -> Share:
    """A new trustee's share: the sum of the sub-shares the old holders sent to `index`."""
    if any(sub.index != index for sub in sub_shares):
        raise ValueError(f"every sub-share must be for new trustee {index}")
    total = sum(voprf.deserialize_scalar(sub.secret) for sub in sub_shares) % voprf.ORDER
    if total == 0:
        raise voprf.InvalidScalarError("the re-shared share is zero; run the re-sharing again")
    return Share(index, voprf.serialize_scalar(total))
