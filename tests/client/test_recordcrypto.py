"""The shared record's construction against the vector file the browser checks too."""

import json
from pathlib import Path

import pytest
from vigil_client import recordcrypto as rc

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "record-crypto.json").read_text(encoding="utf-8"))
ORG = VECTORS["organisation"]


def test_associated_data_is_length_prefixed_parts_after_a_label():
    for case in VECTORS["associated_data"]:
        assert rc.associated_data(case["label"], *case["parts"]).hex() == case["hex"]


def test_a_private_key_gives_its_public_key_and_fingerprint():
    for case in VECTORS["keypairs"]:
        public = rc.public_key(bytes.fromhex(case["private_key"]))
        assert public.hex() == case["public_key"]
        assert rc.fingerprint(public) == case["fingerprint"]


@pytest.mark.parametrize("case", VECTORS["record_key_wraps"], ids=lambda case: f"generation {case['generation']}")
def test_a_record_key_is_sealed_to_the_member_and_opened_by_it_alone(case):
    public = bytes.fromhex(case["recipient_public_key"])
    record_key = bytes.fromhex(case["record_key"])
    wrapped = rc.wrap_record_key(
        public,
        record_key,
        organisation=ORG,
        generation=case["generation"],
        ephemeral=bytes.fromhex(case["ephemeral_private_key"]),
    )
    assert wrapped == case["wrapped_base64"]
    private = bytes.fromhex(case["recipient_private_key"])
    assert rc.unwrap_record_key(private, wrapped, organisation=ORG, generation=case["generation"]) == record_key
    with pytest.raises(rc.TamperedError):
        rc.unwrap_record_key(private, wrapped, organisation=ORG, generation=case["generation"] + 1)
    with pytest.raises(rc.TamperedError):
        rc.unwrap_record_key(rc.keypair()[0], wrapped, organisation=ORG, generation=case["generation"])


def test_a_key_check_commits_to_the_generations_key():
    for case in VECTORS["key_checks"]:
        check = rc.key_check(bytes.fromhex(case["record_key"]), organisation=ORG, generation=case["generation"])
        assert check == case["key_check"]


@pytest.mark.parametrize("case", VECTORS["entries"], ids=lambda case: case["entry"]["namespace"])
def test_an_entry_encrypts_to_the_vector_and_decrypts_back(case):
    record_key = bytes.fromhex(case["record_key"])
    entry = case["entry"]
    assert rc.entry_plaintext(entry).decode() == case["plaintext"]
    assert len(case["plaintext"].encode()) % rc.PAD_BLOCK == 0
    ciphertext = rc.encrypt_entry(
        record_key, entry, organisation=ORG, generation=case["generation"], nonce=bytes.fromhex(case["nonce"])
    )
    assert ciphertext == case["ciphertext_base64"]
    where = {"organisation": ORG, "key_id": entry["key_id"], "token": entry["token"], "generation": case["generation"]}
    assert rc.decrypt_entry(record_key, ciphertext, **where) == entry


@pytest.mark.parametrize("case", VECTORS["tampered_entries"], ids=lambda case: case["why"])
def test_an_entry_moved_or_changed_is_refused_as_tampered(case):
    with pytest.raises(rc.TamperedError):
        rc.decrypt_entry(
            bytes.fromhex(case["record_key"]),
            case["ciphertext_base64"],
            organisation=case.get("organisation", ORG),
            key_id=case["key_id"],
            token=case["token"],
            generation=case["generation"],
        )


@pytest.mark.parametrize("case", VECTORS["private_keys"], ids=lambda case: case["passphrase"])
def test_a_private_key_is_wrapped_under_the_passphrase(case):
    private = bytes.fromhex(case["private_key"])
    blob = rc.wrap_private_key(
        private,
        case["passphrase"],
        organisation=ORG,
        salt=bytes.fromhex(case["salt"]),
        nonce=bytes.fromhex(case["nonce"]),
    )
    assert blob == case["blob"]
    assert (blob["iterations"], blob["memory"]) == (2, 19456)
    assert rc.unwrap_private_key(case["blob"], case["passphrase"], organisation=ORG) == private
    with pytest.raises(rc.RecordCryptoError, match="wrong record passphrase"):
        rc.unwrap_private_key(case["blob"], case["passphrase"] + "!", organisation=ORG)
    with pytest.raises(rc.RecordCryptoError, match="wrong record passphrase"):
        rc.unwrap_private_key(case["blob"], case["passphrase"], organisation="example-exchange")


def test_a_blob_asking_for_weaker_argon2id_parameters_is_refused():
    blob = VECTORS["private_keys"][0]["blob"] | {"memory": 8192}
    with pytest.raises(rc.RecordCryptoError, match="outside the accepted range"):
        rc.unwrap_private_key(blob, VECTORS["private_keys"][0]["passphrase"], organisation=ORG)


def test_the_recovery_secret_is_the_recovery_members_private_key_as_text():
    for case in VECTORS["recovery"]:
        private = bytes.fromhex(case["private_key"])
        assert rc.recovery_secret(private) == case["secret"]
        spaced = " ".join(case["secret"].upper()[i : i + 8] for i in range(0, len(case["secret"]), 8))
        assert rc.recovery_private_key(spaced) == private
        assert rc.public_key(private).hex() == case["public_key"]
    with pytest.raises(rc.RecordCryptoError):
        rc.recovery_private_key("vigil-recovery-abc")
