"""RFC 9497 OPRF/VOPRF, suite ristretto255-SHA512: member-side blinding and the hub's evaluator."""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Protocol

import rbcl

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = [
    "ELEMENT_SIZE",
    "MAX_BATCH_SIZE",
    "MAX_INPUT_SIZE",
    "ORDER",
    "OUTPUT_SIZE",
    "SCALAR_SIZE",
    "Evaluator",
    "InvalidElementError",
    "InvalidInputError",
    "InvalidScalarError",
    "Mode",
    "ProofError",
    "SingleKeyEvaluator",
    "VoprfError",
    "blind",
    "blind_evaluate",
    "context_string",
    "derive_key_pair",
    "deserialize_element",
    "deserialize_scalar",
    "evaluate_direct",
    "expand_message_xmd",
    "finalize",
    "finalize_oprf",
    "generate_key_pair",
    "hash_to_group",
    "hash_to_scalar",
    "serialize_scalar",
    "token_from_output",
    "verify_proof",
]

ORDER = 2**252 + 27742317777372353535851937790883648493  # ristretto255 group order L
ELEMENT_SIZE = 32  # Ne
SCALAR_SIZE = 32  # Ns
OUTPUT_SIZE = 64  # Nh
MAX_INPUT_SIZE = 0xFFFF  # Finalize length-prefixes the input with two bytes
MAX_BATCH_SIZE = 0x10000  # the composite transcript encodes the element index in two bytes

_IDENTITY = bytes(ELEMENT_SIZE)  # the only encoding of the identity in ristretto255
_ELEMENT_PREFIX = ELEMENT_SIZE.to_bytes(2, "big")  # I2OSP(len(element), 2)
_Z_PAD = bytes(128)  # SHA-512 block size, RFC 9380 section 5.3.1


class Mode(IntEnum):
    """Protocol variant; it selects the context string and therefore every hash domain."""

    OPRF = 0
    VOPRF = 1


def context_string(mode: Mode) -> bytes:
    """Return "OPRFV1-" || I2OSP(mode, 1) || "-" || "ristretto255-SHA512"."""
    return b"OPRFV1-" + bytes([mode]) + b"-ristretto255-SHA512"


_GROUP_DST = {mode: b"HashToGroup-" + context_string(mode) for mode in Mode}
_SCALAR_DST = {mode: b"HashToScalar-" + context_string(mode) for mode in Mode}
_DERIVE_DST = {mode: b"DeriveKeyPair" + context_string(mode) for mode in Mode}
_SEED_DST = b"Seed-" + context_string(Mode.VOPRF)  # proofs exist only in VOPRF mode


class VoprfError(Exception):
    """Base class of every protocol failure raised by this module."""


class InvalidElementError(VoprfError, ValueError):
    """An element is not a canonical, non-identity ristretto255 encoding."""

    def __init__(self, index: int | None = None) -> None:
        self.index = index
        where = "element" if index is None else f"element at index {index}"
        super().__init__(f"{where} is not a valid non-identity ristretto255 encoding")


class InvalidScalarError(VoprfError, ValueError):
    """A scalar is not 32 canonical little-endian bytes, or is zero where that is forbidden."""


class InvalidInputError(VoprfError, ValueError):
    """A protocol input is too long, or hashes to the identity element."""


class ProofError(VoprfError):
    """The batched DLEQ proof does not show the evaluation used the published key."""


def serialize_scalar(value: int) -> bytes:
    """Encode a scalar in [0, L) as 32 little-endian bytes."""
    if not 0 <= value < ORDER:
        raise InvalidScalarError("scalar out of range")
    return value.to_bytes(SCALAR_SIZE, "little")


def deserialize_scalar(data: bytes) -> int:
    """Decode 32 little-endian bytes, refusing non-canonical encodings (value >= L)."""
    if len(data) != SCALAR_SIZE:
        raise InvalidScalarError(f"scalar must be {SCALAR_SIZE} bytes")
    value = int.from_bytes(data, "little")
    if value >= ORDER:
        raise InvalidScalarError("scalar is not canonical (>= group order)")
    return value


def _nonzero_scalar(data: bytes) -> int:
    value = deserialize_scalar(data)
    if value == 0:
        raise InvalidScalarError("scalar must not be zero")
    return value


def _random_scalar() -> bytes:
    return serialize_scalar(secrets.randbelow(ORDER - 1) + 1)


def _is_canonical_encoding(data: bytes) -> bool:
    """RFC 9496 4.3.1 decodes 32 bytes as s < p, non-negative. libsodium checks both but masks off
    bit 255 first, so it accepts a second spelling of every element with that bit set."""
    return not data[-1] & 0x80 and rbcl.crypto_core_ristretto255_is_valid_point(data)


def deserialize_element(data: bytes, *, index: int | None = None) -> bytes:
    """Return data if it canonically encodes a non-identity element; `index` is reported on failure."""
    if (
        not isinstance(data, bytes)
        or len(data) != ELEMENT_SIZE
        or data == _IDENTITY
        or not _is_canonical_encoding(data)
    ):
        raise InvalidElementError(index)
    return data


def _deserialize_batch(elements: Sequence[bytes]) -> None:
    for index, element in enumerate(elements):
        deserialize_element(element, index=index)


def _check_spelling(elements: Sequence[bytes]) -> None:
    """What libsodium's decoding leaves to us: type, length and bit 255 (see `_is_canonical_encoding`)."""
    for index, element in enumerate(elements):
        if not isinstance(element, bytes) or len(element) != ELEMENT_SIZE or element[-1] & 0x80:
            raise InvalidElementError(index)


def _dst_prime(dst: bytes) -> bytes:
    if len(dst) > 255:
        raise ValueError("DST longer than 255 bytes")
    return dst + bytes([len(dst)])


def _expand(state: "_Hash", dst_prime: bytes, length: int) -> bytes:
    """expand_message_xmd after Z_pad || msg went into `state`, so callers can share prefixes."""
    ell = -(-length // 64)
    if ell > 255 or length > 0xFFFF:
        raise ValueError("expand_message_xmd: requested length too long")
    state.update(length.to_bytes(2, "big") + b"\x00" + dst_prime)
    b_0 = state.digest()
    b_i = hashlib.sha512(b_0 + b"\x01" + dst_prime).digest()
    blocks = [b_i]
    b_0_int = int.from_bytes(b_0, "big")
    for i in range(2, ell + 1):
        chained = (b_0_int ^ int.from_bytes(b_i, "big")).to_bytes(64, "big")
        b_i = hashlib.sha512(chained + bytes([i]) + dst_prime).digest()
        blocks.append(b_i)
    return b"".join(blocks)[:length]


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 expand_message_xmd with SHA-512."""
    return _expand(hashlib.sha512(_Z_PAD + msg), _dst_prime(dst), length)


def _reduce(uniform: bytes) -> bytes:
    return (int.from_bytes(uniform, "little") % ORDER).to_bytes(SCALAR_SIZE, "little")


def hash_to_group(data: bytes, dst: bytes) -> bytes:
    """hash_to_ristretto255: the one-way map of 64 bytes of expand_message_xmd output."""
    return rbcl.crypto_core_ristretto255_from_hash(expand_message_xmd(data, dst, 64))


def hash_to_scalar(data: bytes, dst: bytes) -> bytes:
    """64 bytes of expand_message_xmd output, read little-endian and reduced modulo L."""
    return _reduce(expand_message_xmd(data, dst, 64))


def _input_element(data: bytes, mode: Mode) -> bytes:
    if len(data) > MAX_INPUT_SIZE:
        raise InvalidInputError(f"input longer than {MAX_INPUT_SIZE} bytes")
    element = hash_to_group(data, _GROUP_DST[mode])
    if element == _IDENTITY:
        raise InvalidInputError("input hashes to the identity element")
    return element


def _finalize_hash(data: bytes, unblinded_element: bytes) -> bytes:
    if len(data) > MAX_INPUT_SIZE:
        raise InvalidInputError(f"input longer than {MAX_INPUT_SIZE} bytes")
    return hashlib.sha512(
        len(data).to_bytes(2, "big") + data + _ELEMENT_PREFIX + unblinded_element + b"Finalize"
    ).digest()


def _check_batch(*batches: Sequence[bytes]) -> None:
    size = len(batches[0])
    if any(len(batch) != size for batch in batches):
        raise ValueError("batch arguments differ in length")
    if not 0 < size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch size must be between 1 and {MAX_BATCH_SIZE}")


def derive_key_pair(seed: bytes, info: bytes, mode: Mode) -> tuple[bytes, bytes]:
    """RFC 9497 DeriveKeyPair: return (secret key, public key) from a 32-byte secret seed."""
    if len(seed) != SCALAR_SIZE:
        raise ValueError(f"seed must be {SCALAR_SIZE} bytes")
    if len(info) > 0xFFFF:
        raise ValueError("info longer than 65535 bytes")
    derive_input = seed + len(info).to_bytes(2, "big") + info
    for counter in range(256):
        secret_key = hash_to_scalar(derive_input + bytes([counter]), _DERIVE_DST[mode])
        if secret_key != bytes(SCALAR_SIZE):
            return secret_key, rbcl.crypto_scalarmult_ristretto255_base(secret_key)
    raise VoprfError("DeriveKeyPair: no nonzero scalar after 256 attempts")


def generate_key_pair() -> tuple[bytes, bytes]:
    """Return (secret key, public key) with a uniformly random nonzero secret key."""
    secret_key = _random_scalar()
    return secret_key, rbcl.crypto_scalarmult_ristretto255_base(secret_key)


def blind(
    inputs: Sequence[bytes],
    *,
    blinds: Sequence[bytes] | None = None,
    mode: Mode = Mode.VOPRF,
) -> tuple[list[bytes], list[bytes]]:
    """Return (blinds, blinded elements); blinds are random unless given (test vectors only)."""
    if blinds is None:
        blinds = [_random_scalar() for _ in inputs]
    elif len(blinds) != len(inputs):
        raise ValueError("inputs and blinds differ in length")
    blinded_elements = []
    for data, scalar in zip(inputs, blinds, strict=True):
        _nonzero_scalar(scalar)
        element = _input_element(data, mode)
        blinded_elements.append(rbcl.crypto_scalarmult_ristretto255(scalar, element))
    return list(blinds), blinded_elements


def blind_evaluate(secret_key: bytes, blinded_elements: Sequence[bytes]) -> list[bytes]:
    """RFC 9497 BlindEvaluate without a proof: multiply each blinded element by the key."""
    _nonzero_scalar(secret_key)
    _check_batch(blinded_elements)
    multiply = rbcl.crypto_scalarmult_ristretto255
    evaluated = []
    # libsodium refuses invalid encodings and an identity result; with a nonzero key in a
    # prime-order group the result is the identity exactly when the input is, so this one
    # multiplication plus the bit-255 check libsodium skips is the full input validation.
    for index, element in enumerate(blinded_elements):
        try:
            if element[-1] & 0x80:
                raise ValueError("non-canonical encoding")
            evaluated.append(multiply(secret_key, element))
        except (RuntimeError, TypeError, ValueError, IndexError):
            raise InvalidElementError(index) from None
    return evaluated


def _composite_weights(
    public_key: bytes, blinded_elements: Sequence[bytes], evaluated_elements: Sequence[bytes]
) -> list[bytes]:
    """The scalars d_i shared by ComputeComposites and ComputeCompositesFast."""
    seed_transcript = _ELEMENT_PREFIX + public_key + len(_SEED_DST).to_bytes(2, "big") + _SEED_DST
    seed = hashlib.sha512(seed_transcript).digest()
    # Every composite transcript starts with Z_pad || I2OSP(len(seed), 2) || seed: hash it once.
    absorbed = hashlib.sha512(_Z_PAD + len(seed).to_bytes(2, "big") + seed)
    dst_prime = _dst_prime(_SCALAR_DST[Mode.VOPRF])
    weights = []
    pairs = zip(blinded_elements, evaluated_elements, strict=True)
    for index, (blinded, evaluated) in enumerate(pairs):
        state = absorbed.copy()
        state.update(index.to_bytes(2, "big") + _ELEMENT_PREFIX + blinded)
        state.update(_ELEMENT_PREFIX + evaluated + b"Composite")
        weights.append(_reduce(_expand(state, dst_prime, 64)))
    # d_i is a 512-bit hash reduced mod L; d_i == 0 (probability 2**-252) would make the
    # caller's multiplication raise rather than contribute the identity.
    return weights


def _challenge(public_key: bytes, m: bytes, z: bytes, t2: bytes, t3: bytes) -> bytes:
    transcript = b"".join(_ELEMENT_PREFIX + element for element in (public_key, m, z, t2, t3))
    return hash_to_scalar(transcript + b"Challenge", _SCALAR_DST[Mode.VOPRF])


def _generate_proof(
    secret_key: bytes,
    public_key: bytes,
    blinded_elements: Sequence[bytes],
    evaluated_elements: Sequence[bytes],
    *,
    proof_random_scalar: bytes | None = None,
) -> bytes:
    """RFC 9497 GenerateProof with ComputeCompositesFast; returns c || s (64 bytes)."""
    key = _nonzero_scalar(secret_key)
    _check_batch(blinded_elements, evaluated_elements)
    multiply = rbcl.crypto_scalarmult_ristretto255
    add = rbcl.crypto_core_ristretto255_add
    weights = _composite_weights(public_key, blinded_elements, evaluated_elements)
    m = _IDENTITY
    for weight, blinded in zip(weights, blinded_elements, strict=True):
        m = add(m, multiply(weight, blinded))
    # Knowing the key, Z = k*M replaces the second per-element sum of ComputeComposites.
    z = multiply(secret_key, m)
    r = proof_random_scalar if proof_random_scalar is not None else _random_scalar()
    r_value = _nonzero_scalar(r)
    t2 = rbcl.crypto_scalarmult_ristretto255_base(r)
    t3 = multiply(r, m)
    c = _challenge(public_key, m, z, t2, t3)
    s = (r_value - int.from_bytes(c, "little") * key) % ORDER
    return c + serialize_scalar(s)


def verify_proof(
    public_key: bytes,
    blinded_elements: Sequence[bytes],
    evaluated_elements: Sequence[bytes],
    proof: bytes,
) -> None:
    """RFC 9497 VerifyProof with ComputeComposites; raise ProofError unless the proof holds."""
    deserialize_element(public_key)
    _check_batch(blinded_elements, evaluated_elements)
    _check_spelling(blinded_elements)
    _check_spelling(evaluated_elements)
    if len(proof) != 2 * SCALAR_SIZE:
        raise ProofError(f"proof must be {2 * SCALAR_SIZE} bytes")
    c, s = proof[:SCALAR_SIZE], proof[SCALAR_SIZE:]
    try:
        deserialize_scalar(c)
        deserialize_scalar(s)
    except InvalidScalarError as error:
        raise ProofError(f"proof scalar: {error}") from None
    multiply = rbcl.crypto_scalarmult_ristretto255
    add = rbcl.crypto_core_ristretto255_add
    weights = _composite_weights(public_key, blinded_elements, evaluated_elements)
    m = z = _IDENTITY
    # Multiplying decodes each element, and libsodium refuses a bad encoding or an identity product,
    # so with the spelling checked above these products are the elements' validation; only a refused
    # batch is decoded again, to name the element.
    try:
        for weight, blinded, evaluated in zip(weights, blinded_elements, evaluated_elements, strict=True):
            m = add(m, multiply(weight, blinded))
            z = add(z, multiply(weight, evaluated))
    except RuntimeError:
        _deserialize_batch(blinded_elements)
        _deserialize_batch(evaluated_elements)
        raise ProofError("a composite weight is zero") from None
    if _IDENTITY in (m, z):
        raise ProofError("composite element is the identity")
    # c and s come from the server, so zero must compute rather than raise.
    multiply_any = rbcl.crypto_scalarmult_ristretto255_allow_scalar_zero
    t2 = add(
        rbcl.crypto_scalarmult_ristretto255_base_allow_scalar_zero(s),
        multiply_any(c, public_key),
    )
    t3 = add(multiply_any(s, m), multiply_any(c, z))
    # SerializeElement refuses the identity, so such a transcript cannot verify.
    if _IDENTITY in (t2, t3):
        raise ProofError("proof commitment is the identity")
    if not hmac.compare_digest(_challenge(public_key, m, z, t2, t3), c):
        raise ProofError("proof does not verify against the public key")


def _invert_all(values: list[int]) -> list[int]:
    """Montgomery's batch inversion: one modular inversion for the whole batch."""
    prefixes = [1]
    for value in values:
        prefixes.append(prefixes[-1] * value % ORDER)
    inverse = pow(prefixes[-1], -1, ORDER)
    inverses = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        inverses[i] = inverse * prefixes[i] % ORDER
        inverse = inverse * values[i] % ORDER
    return inverses


def _unblind_and_hash(
    inputs: Sequence[bytes], blinds: Sequence[bytes], evaluated_elements: Sequence[bytes]
) -> list[bytes]:
    inverses = _invert_all([_nonzero_scalar(scalar) for scalar in blinds])
    multiply = rbcl.crypto_scalarmult_ristretto255
    return [
        _finalize_hash(data, multiply(serialize_scalar(inverse), evaluated))
        for data, inverse, evaluated in zip(inputs, inverses, evaluated_elements, strict=True)
    ]


def finalize(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    evaluated_elements: Sequence[bytes],
    *,
    proof: bytes,
    public_key: bytes,
    blinded_elements: Sequence[bytes] | None = None,
) -> list[bytes]:
    """VOPRF Finalize: verify the batched proof, then unblind; returns 64-byte outputs.

    Pass the `blinded_elements` returned by `blind` to save one scalar multiplication per
    element; without them they are recomputed from the inputs and blinds.
    """
    if blinded_elements is None:
        blinded_elements = blind(inputs, blinds=blinds)[1]
    _check_batch(inputs, blinds, evaluated_elements, blinded_elements)
    verify_proof(public_key, blinded_elements, evaluated_elements, proof)
    return _unblind_and_hash(inputs, blinds, evaluated_elements)


def finalize_oprf(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    evaluated_elements: Sequence[bytes],
) -> list[bytes]:
    """OPRF-mode Finalize (no proof, nothing verifiable); returns 64-byte outputs."""
    _check_batch(inputs, blinds, evaluated_elements)
    _deserialize_batch(evaluated_elements)
    return _unblind_and_hash(inputs, blinds, evaluated_elements)


def evaluate_direct(secret_key: bytes, data: bytes, *, mode: Mode = Mode.VOPRF) -> bytes:
    """RFC 9497 server-side Evaluate: the Finalize output computed from the key, unblinded."""
    _nonzero_scalar(secret_key)
    element = rbcl.crypto_scalarmult_ristretto255(secret_key, _input_element(data, mode))
    return _finalize_hash(data, element)


def token_from_output(output: bytes) -> str:
    """Vigil's token: lowercase hex of the first 32 bytes of a 64-byte Finalize output."""
    if len(output) != OUTPUT_SIZE:
        raise ValueError(f"Finalize output must be {OUTPUT_SIZE} bytes")
    return output[:32].hex()


class Evaluator(Protocol):
    """The hub's side of the VOPRF: evaluate a batch under the key behind `public_key`.

    Outputs depend only on the secret key k, so a threshold evaluator (k Shamir-split across
    trustees, partial evaluations k_j*B combined with Lagrange coefficients into k*B, and a
    proof against the same `public_key`) can implement this without changing any token.
    """

    public_key: bytes

    def blind_evaluate_batch(self, blinded_elements: Sequence[bytes]) -> tuple[list[bytes], bytes]:
        """Return the evaluated elements and one batched DLEQ proof (c || s) for them all."""


class SingleKeyEvaluator(Evaluator):
    """An evaluator holding the whole secret key in this process."""

    def __init__(self, secret_key: bytes) -> None:
        _nonzero_scalar(secret_key)
        self._secret_key = secret_key
        self.public_key = rbcl.crypto_scalarmult_ristretto255_base(secret_key)

    def blind_evaluate_batch(
        self, blinded_elements: Sequence[bytes], *, proof_random_scalar: bytes | None = None
    ) -> tuple[list[bytes], bytes]:
        """Evaluate and prove; `proof_random_scalar` fixes the proof nonce (test vectors only)."""
        evaluated = blind_evaluate(self._secret_key, blinded_elements)
        proof = _generate_proof(
            self._secret_key,
            self.public_key,
            blinded_elements,
            evaluated,
            proof_random_scalar=proof_random_scalar,
        )
        return evaluated, proof
