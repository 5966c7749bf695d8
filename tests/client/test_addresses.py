"""Canonical addresses: the shared vector file, then the rules spelt out one by one."""

import json
from pathlib import Path
from typing import Any

import pytest
from bip_utils import Base58XmrDecoder, Bech32ChecksumError, SegwitBech32Decoder
from vigil_client.addresses import (
    NAMESPACES,
    REASONS,
    WHITESPACE,
    AddressError,
    normalise,
    oprf_input,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "address-vectors.json").read_text(encoding="utf-8")
)


def vector_id(vector: dict[str, str]) -> str:
    return f"{vector['namespace']}:{vector['input'][:48]}"


def refusal(namespace: str, address: str) -> AddressError:
    with pytest.raises(AddressError) as caught:
        normalise(namespace, address)
    return caught.value


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=vector_id)
def test_valid_vector_gives_its_canonical_form(vector: dict[str, str]) -> None:
    assert normalise(vector["namespace"], vector["input"]) == vector["canonical"]


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=vector_id)
def test_canonical_form_is_its_own_canonical_form(vector: dict[str, str]) -> None:
    assert normalise(vector["namespace"], vector["canonical"]) == vector["canonical"]


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=vector_id)
def test_invalid_vector_is_refused_with_its_reason(vector: dict[str, str]) -> None:
    assert refusal(vector["namespace"], vector["input"]).reason == vector["reason"]


def test_vector_file_has_valid_and_invalid_vectors_for_every_namespace() -> None:
    assert VECTORS["namespaces"] == list(NAMESPACES)
    for namespace in NAMESPACES:
        assert any(v["namespace"] == namespace for v in VECTORS["valid"]), namespace
        assert any(v["namespace"] == namespace for v in VECTORS["invalid"]), namespace


def test_vector_file_has_equivalent_spellings_for_every_namespace() -> None:
    for namespace in NAMESPACES:
        spellings: dict[str, set[str]] = {}
        for vector in VECTORS["valid"]:
            if vector["namespace"] == namespace:
                spellings.setdefault(vector["canonical"], set()).add(vector["input"])
        assert max(len(inputs) for inputs in spellings.values()) >= 2, namespace


def test_every_reason_code_is_documented_and_exercised() -> None:
    assert VECTORS["reasons"] == REASONS
    assert {vector["reason"] for vector in VECTORS["invalid"]} == set(REASONS)


def test_vector_file_states_the_whitespace_that_is_stripped() -> None:
    assert VECTORS["whitespace"] == WHITESPACE


def test_every_vector_cites_a_described_source() -> None:
    cited = {vector["source"] for vector in VECTORS["valid"] + VECTORS["invalid"]}
    assert cited == set(VECTORS["sources"])


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS["valid"] + VECTORS["invalid"] if v["source"] in ("bip173", "bip350")],
    ids=vector_id,
)
def test_our_segwit_rules_agree_with_bip_utils_decoder(vector: dict[str, str]) -> None:
    address = vector["input"]
    hrp = "tb" if address.lower().startswith("tb1") else "bc"
    try:
        SegwitBech32Decoder.Decode(hrp, address)
    except (ValueError, Bech32ChecksumError):
        library_accepts = False
    else:
        library_accepts = True
    we_accept = "canonical" in vector or vector["reason"] == "testnet"
    assert we_accept == library_accepts


def test_it_lowercases_upper_case_bech32() -> None:
    upper = "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"
    assert normalise("btc", upper) == upper.lower()


def test_it_refuses_mixed_case_bech32() -> None:
    assert refusal("btc", "bc1qw508d6qejxtdg4y5r3zarvary0C5XW7KV8F3T4").reason == "mixed_case"


def test_it_refuses_testnet_bech32() -> None:
    address = "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"
    error = refusal("btc", address)
    assert error.reason == "testnet"
    assert "tb1" in str(error)


def test_it_refuses_witness_v1_with_a_bech32_checksum() -> None:
    bip173_taproot = "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx"
    assert refusal("btc", bip173_taproot).reason == "bech32_variant"


def test_it_refuses_witness_v0_with_a_bech32m_checksum() -> None:
    assert refusal("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh").reason == "bech32_variant"


def test_it_keeps_a_base58_address_as_given() -> None:
    address = "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
    assert normalise("btc", address) == address


def test_it_refuses_a_wrong_base58_checksum() -> None:
    assert refusal("btc", "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMJ").reason == "bad_checksum"


def test_it_strips_whitespace_and_a_payment_uri() -> None:
    wrapped = "  BITCOIN:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4?AMOUNT=0.01\n"
    assert normalise("btc", wrapped) == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


def test_it_strips_invisible_copy_paste_characters_but_not_other_spaces() -> None:
    address = "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
    assert normalise("btc", f"\ufeff{address}\u00a0\u200b") == address
    assert refusal("btc", f"\u2003{address}").reason == "bad_character"


def test_it_refuses_a_payment_uri_of_another_chain() -> None:
    uri = "litecoin:ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"
    assert refusal("btc", uri).reason == "unknown_prefix"


def test_it_refuses_a_look_alike_non_ascii_character() -> None:
    kelvin_sign = "\u212a"  # str.lower() turns it into "k"
    address = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".replace("k", kelvin_sign)
    assert refusal("btc", address).reason == "bad_character"


def test_it_refuses_an_empty_address() -> None:
    assert refusal("btc", " \n").reason == "empty"
    assert refusal("btc", "bitcoin:?amount=1").reason == "empty"


def test_it_accepts_a_litecoin_base58_address_that_begins_like_bech32() -> None:
    address = "LTc1nQsthqrJ8arVZ7CGT874WEMUM3uvry"
    assert normalise("ltc", address) == address


def test_it_refuses_testnet_litecoin() -> None:
    assert refusal("ltc", "tltc1qw508d6qejxtdg4y5r3zarvary0c5xw7klfsuq0").reason == "testnet"


def test_it_gives_one_form_for_checksummed_lower_and_upper_evm() -> None:
    spellings = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
    ]
    assert {normalise("evm", spelling) for spelling in spellings} == {spellings[1]}


def test_it_refuses_a_broken_eip55_checksum() -> None:
    assert refusal("evm", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").reason == "bad_checksum"


def test_it_refuses_an_ethereum_uri_calling_a_function() -> None:
    token_contract = "0xdac17f958d2ee523a2206206994597c13d831ec7"
    payee = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    uri = f"ethereum:{token_contract}/transfer?address={payee}&uint256=1"
    assert refusal("evm", uri).reason == "unsupported_uri"


def test_it_converts_tron_hex_to_base58check() -> None:
    base58 = "TQHgMpVzWkhSsRB4BzZgmV8uW4cFL8eaBr"
    assert normalise("trx", "419D1015E669C2DF831003C5C54CEB48DA613D9979") == base58
    assert normalise("trx", "0x419d1015e669c2df831003c5c54ceb48da613d9979") == base58


def test_it_refuses_an_evm_address_as_tron() -> None:
    evm = "0x9d1015e669c2df831003c5c54ceb48da613d9979"
    assert refusal("trx", evm).reason == "bad_length"


def test_it_gives_one_form_for_cashaddr_with_and_without_prefix_and_legacy() -> None:
    canonical = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
    spellings = [
        canonical,
        "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
        "BITCOINCASH:QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A",
        "QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A",
        "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
    ]
    assert {normalise("bch", spelling) for spelling in spellings} == {canonical}


def test_it_refuses_cashaddr_with_a_lower_case_prefix_and_upper_case_payload() -> None:
    address = "bitcoincash:QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A"
    assert refusal("bch", address).reason == "mixed_case"


def test_it_refuses_testnet_cashaddr_even_without_its_prefix() -> None:
    assert refusal("bch", "pr6m7j9njldwwzlg9v7v53unlr4jkmx6eyvwc0uz5t").reason == "testnet"


def test_it_reduces_token_aware_cashaddr_to_the_plain_one() -> None:
    token_aware = "bitcoincash:zp63uahgrxged4z5jswyt5dn5v3lzsem6crlrlr74y"
    plain = "bitcoincash:qp63uahgrxged4z5jswyt5dn5v3lzsem6cy4spdc2h"
    assert normalise("bch", token_aware) == normalise("bch", plain) == plain


def test_it_keeps_dogecoin_as_given_and_refuses_its_testnet() -> None:
    dogecoin = "DFpN6QqFfUm3gKNaxN6tNcab1FArL9cZLE"
    assert normalise("doge", dogecoin) == dogecoin
    assert refusal("doge", "nesRpRaAbTDmZHwmzBkLd2AtF7Z9L9z5S2").reason == "testnet"


def test_it_reduces_a_monero_integrated_address_to_its_standard_address() -> None:
    monero = [vector for vector in VECTORS["valid"] if vector["namespace"] == "xmr"]
    integrated = next(vector for vector in monero if len(vector["input"]) == 106)
    assert normalise("xmr", integrated["input"]) == integrated["canonical"]
    assert len(integrated["canonical"]) == 95
    assert integrated["canonical"][0] == "4"


def test_it_refuses_a_monero_block_that_overflows() -> None:
    overflow = next(v for v in VECTORS["invalid"] if v["reason"] == "bad_encoding")
    standard = next(v for v in VECTORS["valid"] if v["source"] == "monero")
    # bip-utils alone reads both spellings as the same bytes; the glue must tell them apart.
    assert Base58XmrDecoder.Decode(overflow["input"]) == Base58XmrDecoder.Decode(standard["input"])
    assert refusal("xmr", overflow["input"]).reason == "bad_encoding"


def test_it_refuses_a_monero_stagenet_address() -> None:
    stagenet = next(v for v in VECTORS["invalid"] if "stagenet standard" in v.get("note", ""))
    assert stagenet["input"][0] == "5"
    assert refusal("xmr", stagenet["input"]).reason == "testnet"


def test_it_accepts_an_off_curve_solana_address() -> None:
    off_curve = next(v for v in VECTORS["valid"] if "off the curve" in v.get("note", ""))
    assert normalise("sol", off_curve["input"]) == off_curve["input"]


def test_it_refuses_a_solana_address_of_31_bytes() -> None:
    assert refusal("sol", "1111111111111111111111111111111").reason == "bad_length"


def test_it_refuses_an_unknown_namespace() -> None:
    error = refusal("eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    assert error.reason == "unknown_namespace"
    assert "evm" in str(error)


def test_oprf_input_is_the_token_contract() -> None:
    address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert oprf_input("evm", address) == b"wallet:evm:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"


def test_oprf_input_refuses_what_normalise_refuses() -> None:
    with pytest.raises(AddressError):
        oprf_input("evm", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")


def test_address_error_is_a_value_error_with_a_reason_and_a_message() -> None:
    error = refusal("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")
    assert isinstance(error, ValueError)
    assert error.reason == "bad_checksum"
    assert str(error) == "bech32 checksum does not match"
