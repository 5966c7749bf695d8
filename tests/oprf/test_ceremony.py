"""Key ceremony: the hub splits its key among trustees and keeps no copy; a trustee imports only a share
that fits the published commitments; the hub alone, with one share or none, cannot make a token."""

import json
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from vigil_client import threshold, voprf
from vigil_client.addresses import oprf_input

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM
from apps.common.errors import Conflict, ValidationFailed
from apps.oprf import ceremony
from apps.oprf.models import KeyShare, OprfKey
from tests.rfc_vectors import RFC_PUBLIC, RFC_SECRET

pytestmark = pytest.mark.django_db
TRUSTEES = ["hub=http://127.0.0.1:9001", "ngo=http://127.0.0.1:9002", "regulator=http://127.0.0.1:9003"]
ADDRESS = ("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")


def _split(tmp_path: Path, capsys, *, trustees: list[str] = TRUSTEES, threshold_count: int = 2) -> list[dict]:
    args = ["split", "--threshold", str(threshold_count), "--out-dir", str(tmp_path)]
    for trustee in trustees:
        args += ["--trustee", trustee]
    call_command("oprf_key", *args)
    assert "the hub holds no copy" in capsys.readouterr().out
    return [json.loads(path.read_text()) for path in sorted(tmp_path.glob("*.share.json"))]


def _token(secret: bytes) -> str:
    return voprf.token_from_output(voprf.evaluate_direct(secret, oprf_input(*ADDRESS)))


def test_a_split_writes_one_private_share_file_per_trustee_and_erases_the_hubs_copy(
    rfc_key: OprfKey, tmp_path: Path, capsys
) -> None:
    documents = _split(tmp_path, capsys)

    key = OprfKey.objects.get(pk=rfc_key.pk)
    assert key.secret_ciphertext is None and key.threshold == 2
    assert [document["trustee"] for document in documents] == ["hub", "ngo", "regulator"]
    for path in tmp_path.glob("*.share.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shares = [threshold.Share(d["index"], bytes.fromhex(d["secret"])) for d in documents]
    assert RFC_SECRET not in {share.secret for share in shares}
    weights = threshold.lagrange_coefficients([1, 3])
    rebuilt = sum(weights[s.index] * voprf.deserialize_scalar(s.secret) for s in (shares[0], shares[2]))
    assert rebuilt % voprf.ORDER == voprf.deserialize_scalar(RFC_SECRET)
    event = AuditEvent.objects.get(action="oprf_key.split")
    assert event.data["threshold"] == 2
    assert [t["commitment"] for t in event.data["trustees"]] == [s.commitment.hex() for s in shares]
    assert not any(share.secret.hex() in json.dumps(e.data) for e in AuditEvent.objects.all() for share in shares)


def test_the_hub_publishes_the_trustee_set_with_t_and_each_commitment(
    world, rfc_key: OprfKey, tmp_path: Path, capsys
) -> None:
    documents = _split(tmp_path, capsys)
    [published] = world.client_a.get(reverse("api:oprf-keys")).json()
    assert published["public_key"] == RFC_PUBLIC.hex() and published["threshold"] == 2
    assert published["trustees"] == [
        {"index": d["index"], "name": d["trustee"], "url": url.split("=")[1], "commitment": d["commitments"][str(i)]}
        for i, (d, url) in enumerate(zip(documents, TRUSTEES, strict=True), start=1)
    ]


def test_the_hub_alone_with_one_share_or_none_cannot_compute_a_token_for_a_known_address(
    world, rfc_key: OprfKey, tmp_path: Path, capsys
) -> None:
    expected = _token(RFC_SECRET)
    documents = _split(tmp_path, capsys)

    # With no share, the hub refuses to evaluate: it holds nothing to evaluate with.
    blinded = voprf.blind([oprf_input(*ADDRESS)])[1]
    response = world.client_a.post(
        reverse("api:oprf-evaluate"), {"key_id": rfc_key.key_id, "blinded_elements": [blinded[0].hex()]}, format="json"
    )
    assert response.status_code == 409
    assert "split among trustees" in response.json()["detail"]

    # With its own share, alone or weighted as if a partner's answer were missing, it gets another token.
    own = threshold.Share(documents[0]["index"], bytes.fromhex(documents[0]["secret"]))
    assert _token(own.secret) != expected
    for partner in (2, 3):
        weight = threshold.lagrange_coefficients([own.index, partner])[own.index]
        guessed = voprf.serialize_scalar(weight * voprf.deserialize_scalar(own.secret) % voprf.ORDER)
        assert _token(guessed) != expected


def test_a_trustee_imports_its_share_and_evaluates_with_a_proof_against_its_commitment(
    world, rfc_key: OprfKey, tmp_path: Path, capsys
) -> None:
    documents = _split(tmp_path, capsys)
    path = next(tmp_path.glob("*-2-ngo.share.json"))
    call_command("oprf_share", "import", str(path), "--delete")
    assert "share 2 stored, 2-of-3" in capsys.readouterr().out and not path.exists()

    blinded = voprf.blind([oprf_input(*ADDRESS)])[1]
    answer = world.client_a.post(
        reverse("api:oprf-evaluate"), {"key_id": rfc_key.key_id, "blinded_elements": [blinded[0].hex()]}, format="json"
    ).json()
    assert answer["share_index"] == 2
    commitment = bytes.fromhex(documents[1]["commitments"]["2"])
    voprf.verify_proof(
        commitment, blinded, [bytes.fromhex(answer["evaluated_elements"][0])], bytes.fromhex(answer["proof"])
    )
    event = AuditEvent.objects.get(action="oprf_share.imported")
    assert event.data == {
        "key_id": rfc_key.key_id,
        "index": 2,
        "threshold": 2,
        "commitment": commitment.hex(),
        "replaced_index": None,
    }
    assert AuditEvent.objects.filter(action="oprf.evaluated", data__count=1).exists()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda d: d.update(secret=threshold.split(RFC_SECRET, threshold=2, count=3)[1].secret.hex()), "commitment"),
        (lambda d: d["commitments"].update({"3": d["commitments"]["1"]}), "does not give key"),
        (lambda d: d.update(public_key=voprf.generate_key_pair()[1].hex()), "does not hash to key id"),
        (lambda d: d.update(threshold=4), "threshold"),
        (lambda d: d.update(secret="00" * 32), "nonzero scalar"),
        (lambda d: d.update(format="something else"), "Not a share document"),
    ],
)
def test_a_share_that_does_not_fit_the_published_key_is_refused(
    rfc_key: OprfKey, tmp_path: Path, capsys, tamper, message: str
) -> None:
    document = _split(tmp_path, capsys)[1]
    tamper(document)
    with pytest.raises(ValidationFailed, match=message):
        ceremony.key_share_import(actor=SYSTEM, document=document)
    assert not KeyShare.objects.exists()


def test_a_key_is_split_once_and_a_threshold_above_n_is_refused(rfc_key: OprfKey, tmp_path: Path, capsys) -> None:
    with pytest.raises(CommandError, match="threshold"):
        _split(tmp_path, capsys, threshold_count=4)
    assert OprfKey.objects.get(pk=rfc_key.pk).secret_ciphertext is not None
    _split(tmp_path / "first", capsys)
    with pytest.raises(Conflict, match="already split"):
        ceremony.oprf_key_split(
            actor=SYSTEM, key_id=rfc_key.key_id, threshold_count=2, trustees=[ceremony.TrusteeSpec("a", "http://a")]
        )


def test_a_republished_trustee_set_must_give_the_same_key(rfc_key: OprfKey, tmp_path: Path, capsys) -> None:
    documents = _split(tmp_path, capsys)
    swapped = [
        f"{d['index']}:{d['trustee']}=http://127.0.0.1:900{d['index']}:{d['commitments'][str(4 - d['index'])]}"
        for d in documents
    ]
    with pytest.raises(CommandError, match="does not give key"):
        call_command("oprf_key", "trustees", rfc_key.key_id, "--threshold", "2", *_each("--trustee", swapped))
    kept = [
        f"{d['index']}:{d['trustee']}=http://10.0.0.{d['index']}:80:{d['commitments'][str(d['index'])]}"
        for d in documents
    ]
    call_command("oprf_key", "trustees", rfc_key.key_id, "--threshold", "2", *_each("--trustee", kept[:2]))
    assert list(OprfKey.objects.get(pk=rfc_key.pk).trustees.values_list("url", flat=True)) == [
        "http://10.0.0.1:80",
        "http://10.0.0.2:80",
    ]
    assert AuditEvent.objects.filter(action="oprf_key.trustees_set").count() == 1


def _each(flag: str, values: list[str]) -> list[str]:
    return [item for value in values for item in (flag, value)]


def test_re_sharing_needs_t_holders_and_a_retired_share_is_erased(rfc_key: OprfKey, tmp_path: Path, capsys) -> None:
    document = _split(tmp_path, capsys)[0]
    ceremony.key_share_import(actor=SYSTEM, document=document)
    with pytest.raises(ValidationFailed, match="at least 2 distinct old trustees"):
        ceremony.key_share_reshare(actor=SYSTEM, key_id=rfc_key.key_id, holders=[1], threshold_count=2, count=3)
    sent = ceremony.key_share_reshare(actor=SYSTEM, key_id=rfc_key.key_id, holders=[1, 2], threshold_count=2, count=3)
    assert [d["index"] for d in sent] == [1, 2, 3] and document["secret"] not in json.dumps(sent)
    with pytest.raises(ValidationFailed, match="one sub-share from each holder"):
        ceremony.key_share_import_reshared(actor=SYSTEM, documents=[sent[0]])

    call_command("oprf_share", "retire", rfc_key.key_id)
    share = KeyShare.objects.get()
    assert share.retired_at is not None and share.secret_ciphertext is None
    assert list(AuditEvent.objects.filter(action__startswith="oprf_share.").values_list("action", flat=True)) == [
        "oprf_share.imported",
        "oprf_share.reshared",
        "oprf_share.retired",
    ]


def _deal_all(tmp_path: Path, *, count: int = 3, threshold_count: int = 2) -> dict[int, list[dict]]:
    """Every trustee deals its part; returns the documents each trustee receives, by its index."""
    for index in range(1, count + 1):
        call_command(
            "oprf_share", "deal", "--ceremony", "2026q4", "--index", str(index), "--threshold", str(threshold_count),
            "--trustees", str(count), "--out-dir", str(tmp_path),
        )  # fmt: skip
    return {
        index: [json.loads(path.read_text()) for path in sorted(tmp_path.glob(f"2026q4-from-*-to-{index}.deal.json"))]
        for index in range(1, count + 1)
    }


def _generated_share(documents: list[dict]) -> threshold.Share:
    """What a trustee adds up from its dealt documents (computed here only to check the arithmetic)."""
    return threshold.reshare_combine(
        documents[0]["index"], [threshold.Share(d["index"], bytes.fromhex(d["secret"])) for d in documents]
    )


def test_trustees_generate_a_key_jointly_that_no_document_or_event_holds_and_the_hub_adopts_it(
    tmp_path: Path, capsys
) -> None:
    received = _deal_all(tmp_path)
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in tmp_path.glob("*.deal.json"))
    shares = {index: _generated_share(documents) for index, documents in received.items()}
    capsys.readouterr()

    files = sorted(tmp_path.glob("2026q4-from-*-to-2.deal.json"))
    call_command("oprf_share", "import-generated", *map(str, files), "--delete")
    printed = capsys.readouterr().out
    public_key = bytes.fromhex(printed.split("public key ")[1].split()[0])
    stored = KeyShare.objects.get()
    assert (stored.index, bytes(stored.public_key)) == (2, public_key) and not any(path.exists() for path in files)
    assert bytes(stored.commitment) == shares[2].commitment

    weights = threshold.lagrange_coefficients([1, 3])  # the key exists only as t shares' combination
    key = sum(weights[j] * voprf.deserialize_scalar(shares[j].secret) for j in (1, 3)) % voprf.ORDER
    assert voprf.SingleKeyEvaluator(voprf.serialize_scalar(key)).public_key == public_key
    dealt = [d for documents in received.values() for d in documents]
    assert voprf.serialize_scalar(key).hex() not in json.dumps(dealt)

    names = {1: "hub", 2: "ngo", 3: "regulator"}
    specs = [f"{j}:{name}=http://127.0.0.1:900{j}:{shares[j].commitment.hex()}" for j, name in names.items()]
    call_command("oprf_key", "adopt", "--public-key", public_key.hex(), "--threshold", "2", *_each("--trustee", specs))
    adopted = OprfKey.objects.get(public_key=public_key)
    assert adopted.status == "pending" and adopted.secret_ciphertext is None and adopted.threshold == 2
    assert [bytes(t.commitment) for t in adopted.trustees.order_by("index")] == [
        shares[j].commitment for j in (1, 2, 3)
    ]
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        *["oprf_share.dealt"] * 3, "oprf_share.generated", "oprf_key.adopted",
    ]  # fmt: skip
    assert not any(s.secret.hex() in json.dumps(e.data) for e in AuditEvent.objects.all() for s in shares.values())


def test_a_dealt_sub_share_off_its_commitments_or_a_missing_dealer_is_refused(tmp_path: Path) -> None:
    documents = _deal_all(tmp_path)[1]
    with pytest.raises(ValidationFailed, match="one dealt document from each of the 3"):
        ceremony.key_share_import_generated(actor=SYSTEM, documents=documents[:2])
    forged = [{**documents[0], "secret": documents[1]["secret"]}, *documents[1:]]
    with pytest.raises(ValidationFailed, match="from trustee 1 fails its commitments"):
        ceremony.key_share_import_generated(actor=SYSTEM, documents=forged)
    mixed = [{**documents[0], "ceremony": "another"}, *documents[1:]]
    with pytest.raises(ValidationFailed, match="not from one generation"):
        ceremony.key_share_import_generated(actor=SYSTEM, documents=mixed)
    assert not KeyShare.objects.exists()


def test_the_hub_adopts_a_generated_key_only_with_commitments_that_give_it(tmp_path: Path) -> None:
    received = _deal_all(tmp_path)
    shares = {index: _generated_share(documents) for index, documents in received.items()}
    public_key = threshold.joint_public_key(
        [[bytes.fromhex(c) for c in document["coefficient_commitments"]] for document in received[1]]
    )
    swapped = [
        ceremony.TrusteeSpec(name, f"http://127.0.0.1:900{j}", j, shares[4 - j].commitment)
        for j, name in ((1, "hub"), (2, "ngo"), (3, "regulator"))
    ]
    with pytest.raises(ValidationFailed, match="does not give key"):
        ceremony.oprf_key_adopt(actor=SYSTEM, public_key=public_key, threshold_count=2, trustees=swapped)
    assert not OprfKey.objects.exists()
