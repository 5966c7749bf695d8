"""RFC 9497 ristretto255-SHA512 vectors and protocol properties of vigil_client.voprf."""

import json
from pathlib import Path

import pytest
import rbcl
from vigil_client import voprf
from vigil_client.voprf import (
    ORDER,
    InvalidElementError,
    InvalidInputError,
    InvalidScalarError,
    Mode,
    ProofError,
    SingleKeyEvaluator,
    blind,
    blind_evaluate,
    context_string,
    derive_key_pair,
    deserialize_element,
    deserialize_scalar,
    evaluate_direct,
    expand_message_xmd,
    finalize,
    finalize_oprf,
    generate_key_pair,
    serialize_scalar,
    token_from_output,
    verify_proof,
)

VECTORS_FILE = Path(__file__).parents[1] / "vectors" / "rfc9497-ristretto255-sha512.json"
VECTORS = json.loads(VECTORS_FILE.read_text())
OPRF = VECTORS["modes"]["OPRF"]
VOPRF = VECTORS["modes"]["VOPRF"]
IDENTITY = bytes(32)
ADDRESSES = [
    b"wallet:btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    b"wallet:eth:0x52908400098527886e0f7030069857d2e4169ee7",
    b"",
]


def unhex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def key_pair(mode_vectors: dict) -> tuple[bytes, bytes]:
    return derive_key_pair(
        bytes.fromhex(mode_vectors["Seed"]),
        bytes.fromhex(mode_vectors["KeyInfo"]),
        Mode(mode_vectors["mode"]),
    )


def mode_vectors(mode_name: str) -> list:
    return [
        pytest.param(VECTORS["modes"][mode_name], vector, id=f"{mode_name}-{vector['name']}")
        for vector in VECTORS["modes"][mode_name]["vectors"]
    ]


@pytest.fixture(scope="module")
def exchange() -> dict:
    """A fresh random VOPRF round trip over a batch of three inputs."""
    secret_key, public_key = generate_key_pair()
    blinds, blinded = blind(ADDRESSES)
    evaluated, proof = SingleKeyEvaluator(secret_key).blind_evaluate_batch(blinded)
    return {
        "secret_key": secret_key,
        "public_key": public_key,
        "blinds": blinds,
        "blinded": blinded,
        "evaluated": evaluated,
        "proof": proof,
    }


def finalize_exchange(exchange: dict, **changes: object) -> list[bytes]:
    arguments = {
        "inputs": ADDRESSES,
        "blinds": exchange["blinds"],
        "evaluated_elements": exchange["evaluated"],
        "proof": exchange["proof"],
        "public_key": exchange["public_key"],
        "blinded_elements": exchange["blinded"],
    } | changes
    return finalize(**arguments)


# RFC 9497 Appendix A.1 vectors


@pytest.mark.parametrize("name", ["OPRF", "VOPRF"])
def test_context_string_matches_suite(name: str) -> None:
    assert context_string(Mode[name]).hex() == VECTORS["suite"]["contextString"][name]


def test_derive_key_pair_oprf() -> None:
    secret_key, _ = key_pair(OPRF)
    assert secret_key.hex() == OPRF["skSm"]


def test_derive_key_pair_voprf() -> None:
    secret_key, public_key = key_pair(VOPRF)
    assert secret_key.hex() == VOPRF["skSm"]
    assert public_key.hex() == VOPRF["pkSm"]


@pytest.mark.parametrize(("mode_data", "vector"), mode_vectors("OPRF"))
def test_oprf_vector(mode_data: dict, vector: dict) -> None:
    secret_key, _ = key_pair(mode_data)
    inputs = unhex(vector["Input"])
    blinds, blinded = blind(inputs, blinds=unhex(vector["Blind"]), mode=Mode.OPRF)
    assert [element.hex() for element in blinded] == vector["BlindedElement"]
    evaluated = blind_evaluate(secret_key, blinded)
    assert [element.hex() for element in evaluated] == vector["EvaluationElement"]
    outputs = finalize_oprf(inputs, blinds, evaluated)
    assert [output.hex() for output in outputs] == vector["Output"]


@pytest.mark.parametrize(("mode_data", "vector"), mode_vectors("VOPRF"))
def test_voprf_vector(mode_data: dict, vector: dict) -> None:
    secret_key, public_key = key_pair(mode_data)
    inputs = unhex(vector["Input"])
    blinds, blinded = blind(inputs, blinds=unhex(vector["Blind"]))
    assert [element.hex() for element in blinded] == vector["BlindedElement"]
    evaluator = SingleKeyEvaluator(secret_key)
    assert evaluator.public_key.hex() == mode_data["pkSm"]
    evaluated, proof = evaluator.blind_evaluate_batch(
        blinded, proof_random_scalar=bytes.fromhex(vector["ProofRandomScalar"])
    )
    assert [element.hex() for element in evaluated] == vector["EvaluationElement"]
    assert proof.hex() == vector["Proof"]
    outputs = finalize(
        inputs,
        blinds,
        evaluated,
        proof=proof,
        public_key=public_key,
        blinded_elements=blinded,
    )
    assert [output.hex() for output in outputs] == vector["Output"]


@pytest.mark.parametrize(("mode_data", "vector"), mode_vectors("VOPRF"))
def test_voprf_vector_client_accepts_rfc_server_messages(mode_data: dict, vector: dict) -> None:
    """The client side alone, fed the RFC's evaluated elements and proof rather than ours."""
    outputs = finalize(
        unhex(vector["Input"]),
        unhex(vector["Blind"]),
        unhex(vector["EvaluationElement"]),
        proof=bytes.fromhex(vector["Proof"]),
        public_key=bytes.fromhex(mode_data["pkSm"]),
    )
    assert [output.hex() for output in outputs] == vector["Output"]


@pytest.mark.parametrize(("mode_data", "vector"), mode_vectors("OPRF") + mode_vectors("VOPRF"))
def test_evaluate_direct_matches_vector_output(mode_data: dict, vector: dict) -> None:
    secret_key, _ = key_pair(mode_data)
    mode = Mode(mode_data["mode"])
    outputs = [evaluate_direct(secret_key, data, mode=mode) for data in unhex(vector["Input"])]
    assert [output.hex() for output in outputs] == vector["Output"]


SUPPLEMENTARY = VECTORS["supplementary_non_rfc"]


@pytest.mark.parametrize("case", SUPPLEMENTARY["cases"], ids=lambda case: case["Input_utf8"])
def test_supplementary_oprf_outputs(case: dict) -> None:
    secret_key = bytes.fromhex(SUPPLEMENTARY["skSm"])
    output = evaluate_direct(secret_key, case["Input_utf8"].encode(), mode=Mode.OPRF)
    assert output.hex() == case["Output"]


# RFC 9380 Appendix K.3, expand_message_xmd(SHA-512): the 0x80-byte cases run the b_0 XOR
# chain that the 64-byte protocol outputs never reach.
XMD_DST = b"QUUX-V01-CS02-with-expander-SHA512-256"
XMD_VECTORS = [
    (b"", 0x20, "6b9a7312411d92f921c6f68ca0b6380730a1a4d982c507211a90964c394179ba"),
    (b"abc", 0x20, "0da749f12fbe5483eb066a5f595055679b976e93abe9be6f0f6318bce7aca8dc"),
    (
        b"",
        0x80,
        "41b037d1734a5f8df225dd8c7de38f851efdb45c372887be655212d07251b921"
        "b052b62eaed99b46f72f2ef4cc96bfaf254ebbbec091e1a3b9e4fb5e5b619d2e"
        "0c5414800a1d882b62bb5cd1778f098b8eb6cb399d5d9d18f5d5842cf5d13d7e"
        "b00a7cff859b605da678b318bd0e65ebff70bec88c753b159a805d2c89c55961",
    ),
    (
        b"abc",
        0x80,
        "7f1dddd13c08b543f2e2037b14cefb255b44c83cc397c1786d975653e36a6b11"
        "bdd7732d8b38adb4a0edc26a0cef4bb45217135456e58fbca1703cd6032cb134"
        "7ee720b87972d63fbf232587043ed2901bce7f22610c0419751c065922b48843"
        "1851041310ad659e4b23520e1772ab29dcdeb2002222a363f0c2b1c972b3efe1",
    ),
]


@pytest.mark.parametrize(("msg", "length", "expected"), XMD_VECTORS)
def test_expand_message_xmd_rfc9380(msg: bytes, length: int, expected: str) -> None:
    assert expand_message_xmd(msg, XMD_DST, length).hex() == expected


# Protocol properties


def test_random_round_trip_verifies(exchange: dict) -> None:
    outputs = finalize_exchange(exchange)
    assert len(outputs) == len(ADDRESSES)
    assert all(len(output) == 64 for output in outputs)


def test_evaluate_direct_equals_blind_evaluate_finalize(exchange: dict) -> None:
    direct = [evaluate_direct(exchange["secret_key"], data) for data in ADDRESSES]
    assert finalize_exchange(exchange) == direct
    assert [token_from_output(output) for output in finalize_exchange(exchange)] == [
        token_from_output(output) for output in direct
    ]


def test_finalize_recomputes_blinded_elements_when_omitted(exchange: dict) -> None:
    assert finalize_exchange(exchange, blinded_elements=None) == finalize_exchange(exchange)


def test_fresh_blinds_and_nonces_change_messages_not_outputs(exchange: dict) -> None:
    blinds, blinded = blind(ADDRESSES)
    assert blinded != exchange["blinded"]
    evaluated, proof = SingleKeyEvaluator(exchange["secret_key"]).blind_evaluate_batch(blinded)
    assert proof != exchange["proof"]
    outputs = finalize(
        ADDRESSES,
        blinds,
        evaluated,
        proof=proof,
        public_key=exchange["public_key"],
        blinded_elements=blinded,
    )
    assert outputs == finalize_exchange(exchange)


@pytest.mark.parametrize("position", [0, 31, 32, 63])
def test_tampered_proof_is_refused(exchange: dict, position: int) -> None:
    tampered = bytearray(exchange["proof"])
    tampered[position] ^= 0x01
    with pytest.raises(ProofError):
        finalize_exchange(exchange, proof=bytes(tampered))


def test_truncated_proof_is_refused(exchange: dict) -> None:
    with pytest.raises(ProofError):
        finalize_exchange(exchange, proof=exchange["proof"][:63])


def test_non_canonical_proof_scalar_is_refused(exchange: dict) -> None:
    # s + L acts exactly like s in a multiplication; only the canonical check refuses it.
    c, s = exchange["proof"][:32], exchange["proof"][32:]
    padded = (int.from_bytes(s, "little") + ORDER).to_bytes(32, "little")
    with pytest.raises(ProofError):
        finalize_exchange(exchange, proof=c + padded)


def test_wrong_public_key_is_refused(exchange: dict) -> None:
    _, other_public_key = generate_key_pair()
    with pytest.raises(ProofError):
        finalize_exchange(exchange, public_key=other_public_key)


def test_evaluation_under_another_key_is_refused(exchange: dict) -> None:
    other_evaluator = SingleKeyEvaluator(generate_key_pair()[0])
    evaluated, proof = other_evaluator.blind_evaluate_batch(exchange["blinded"])
    with pytest.raises(ProofError):
        finalize_exchange(exchange, evaluated_elements=evaluated, proof=proof)


def test_reordered_evaluations_are_refused(exchange: dict) -> None:
    evaluated = exchange["evaluated"]
    with pytest.raises(ProofError):
        finalize_exchange(exchange, evaluated_elements=[evaluated[1], evaluated[0], evaluated[2]])


def test_proof_with_identity_commitments_is_refused(exchange: dict) -> None:
    """A zero nonce gives t2 = t3 = identity; SerializeElement refuses it, so must VerifyProof."""
    public_key, blinded, evaluated = (
        exchange["public_key"],
        exchange["blinded"],
        exchange["evaluated"],
    )
    weights = voprf._composite_weights(public_key, blinded, evaluated)
    m = IDENTITY
    for weight, element in zip(weights, blinded, strict=True):
        term = rbcl.crypto_scalarmult_ristretto255(weight, element)
        m = rbcl.crypto_core_ristretto255_add(m, term)
    z = rbcl.crypto_scalarmult_ristretto255(exchange["secret_key"], m)
    c = voprf._challenge(public_key, m, z, IDENTITY, IDENTITY)
    s = -int.from_bytes(c, "little") * int.from_bytes(exchange["secret_key"], "little") % ORDER
    with pytest.raises(ProofError, match="identity"):
        verify_proof(public_key, blinded, evaluated, c + serialize_scalar(s))


def test_server_refuses_identity_naming_its_index() -> None:
    secret_key, _ = generate_key_pair()
    _, blinded = blind(ADDRESSES[:2])
    with pytest.raises(InvalidElementError) as refused:
        SingleKeyEvaluator(secret_key).blind_evaluate_batch([*blinded, IDENTITY])
    assert refused.value.index == 2


@pytest.mark.parametrize(
    "bad",
    [b"\xff" * 32, (2**255 - 19).to_bytes(32, "little"), b"\x01" + bytes(31), bytes(31)],
    ids=["not-a-point", "field-modulus", "negative-encoding", "short"],
)
def test_server_refuses_invalid_encoding_naming_its_index(bad: bytes) -> None:
    secret_key, _ = generate_key_pair()
    _, blinded = blind(ADDRESSES[:2])
    with pytest.raises(InvalidElementError) as refused:
        blind_evaluate(secret_key, [blinded[0], bad, blinded[1]])
    assert refused.value.index == 1


def test_client_refuses_identity_evaluation_naming_its_index(exchange: dict) -> None:
    evaluated = [exchange["evaluated"][0], IDENTITY, exchange["evaluated"][2]]
    with pytest.raises(InvalidElementError) as refused:
        finalize_exchange(exchange, evaluated_elements=evaluated)
    assert refused.value.index == 1
    with pytest.raises(InvalidElementError) as refused:
        finalize_oprf(ADDRESSES, exchange["blinds"], evaluated)
    assert refused.value.index == 1


@pytest.mark.parametrize(
    "spoil",
    [
        lambda good: b"\xff" * 32,
        lambda good: (2**255 - 19).to_bytes(32, "little"),
        lambda good: b"\x01" + bytes(31),
        lambda good: good[:31] + bytes([good[31] | 0x80]),
        lambda good: good[:31],
    ],
    ids=["not-a-point", "field-modulus", "negative-encoding", "bit-255-set", "short"],
)
def test_client_refuses_a_badly_encoded_evaluation_naming_its_index(exchange: dict, spoil) -> None:
    evaluated = list(exchange["evaluated"])
    evaluated[2] = spoil(evaluated[2])
    with pytest.raises(InvalidElementError) as refused:
        finalize_exchange(exchange, evaluated_elements=evaluated)
    assert refused.value.index == 2


def test_deserialize_element() -> None:
    _, public_key = generate_key_pair()
    assert deserialize_element(public_key) == public_key
    with pytest.raises(InvalidElementError) as refused:
        deserialize_element(IDENTITY)
    assert refused.value.index is None
    with pytest.raises(InvalidElementError):
        deserialize_element(b"\xff" * 32)


def test_non_canonical_scalar_is_refused() -> None:
    largest = serialize_scalar(ORDER - 1)
    assert deserialize_scalar(largest) == ORDER - 1
    for bad in (ORDER.to_bytes(32, "little"), (ORDER + 1).to_bytes(32, "little"), b"\xff" * 32):
        with pytest.raises(InvalidScalarError):
            deserialize_scalar(bad)
        with pytest.raises(InvalidScalarError):
            SingleKeyEvaluator(bad)
        with pytest.raises(InvalidScalarError):
            blind([b"x"], blinds=[bad])
    with pytest.raises(InvalidScalarError):
        deserialize_scalar(largest[:31])
    with pytest.raises(InvalidScalarError):
        serialize_scalar(ORDER)


def test_zero_scalars_are_refused_where_forbidden() -> None:
    zero = bytes(32)
    assert deserialize_scalar(zero) == 0
    with pytest.raises(InvalidScalarError):
        SingleKeyEvaluator(zero)
    with pytest.raises(InvalidScalarError):
        blind([b"x"], blinds=[zero])
    with pytest.raises(InvalidScalarError):
        evaluate_direct(zero, b"x")


def test_generate_key_pair() -> None:
    secret_key, public_key = generate_key_pair()
    assert 0 < deserialize_scalar(secret_key) < ORDER
    assert public_key == rbcl.crypto_scalarmult_ristretto255_base(secret_key)
    assert SingleKeyEvaluator(secret_key).public_key == public_key
    assert generate_key_pair()[0] != secret_key


def test_token_from_output() -> None:
    output = bytes.fromhex(VOPRF["vectors"][0]["Output"][0])
    token = token_from_output(output)
    assert token == VOPRF["vectors"][0]["Output"][0][:64]
    assert len(token) == 64
    assert set(token) <= set("0123456789abcdef")
    with pytest.raises(ValueError):
        token_from_output(output[:32])


def test_batch_shape_is_checked(exchange: dict) -> None:
    with pytest.raises(ValueError):
        blind_evaluate(exchange["secret_key"], [])
    with pytest.raises(ValueError):
        finalize_exchange(exchange, evaluated_elements=exchange["evaluated"][:2])
    with pytest.raises(ValueError):
        blind(ADDRESSES, blinds=exchange["blinds"][:2])


def test_overlong_input_is_refused() -> None:
    secret_key, _ = generate_key_pair()
    with pytest.raises(InvalidInputError):
        blind([bytes(0x10000)])
    with pytest.raises(InvalidInputError):
        evaluate_direct(secret_key, bytes(0x10000))
    assert len(evaluate_direct(secret_key, bytes(0xFFFF))) == 64
