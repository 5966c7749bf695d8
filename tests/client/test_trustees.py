"""Three trustee processes over real HTTP (tests/consortium.py): the client evaluates at two, verifies each
share's proof and combines, and must give exactly the single key's tokens."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from vigil_client import cli, threshold, voprf
from vigil_client.addresses import normalise, oprf_input
from vigil_client.hub import Hub, KeyMismatchError
from vigil_client.tokens import Tokenizer
from vigil_client.trustees import TrusteeQuorumError

from apps.oprf.models import OprfKey, Trustee
from tests.consortium import VECTORS, TrusteeProcess, each_trustee

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_waiting_for_a_stopped_trustee(monkeypatch) -> None:
    monkeypatch.setenv("VIGIL_RETRY_SECONDS", "0")


@contextmanager
def stopped(*processes: TrusteeProcess) -> Iterator[None]:
    for trustee in processes:
        trustee.stop()
    try:
        yield
    finally:
        for trustee in processes:
            trustee.start()


def _tokens(tokenizer: Tokenizer) -> list[str | None]:
    results = []
    for namespace in sorted({item["namespace"] for item in VECTORS["tokens"]}):
        inputs = [item["input"] for item in VECTORS["tokens"] if item["namespace"] == namespace]
        results += [(namespace, r.address, r.token) for r in tokenizer.tokenize(namespace, inputs)]
    return [token for _, _, token in sorted(results)]


EXPECTED = [item["token"] for item in sorted(VECTORS["tokens"], key=lambda item: (item["namespace"], item["input"]))]


def test_every_address_vector_gets_the_single_key_token_from_every_pair_of_trustees(consortium) -> None:
    assert VECTORS["key"]["key_id"] == consortium.key.key_id
    assert _tokens(consortium.tokenizer()) == EXPECTED
    assert _tokens(consortium.tokenizer("hub", "regulator")) == EXPECTED
    # Several batches: proofs are checked and shares combined in worker processes.
    assert _tokens(consortium.tokenizer("ngo", "regulator", batch_size=7, processes=2)) == EXPECTED


def test_a_trustee_audits_how_many_it_evaluated_and_never_the_elements(consortium) -> None:
    consortium.tokenizer("hub", "ngo").tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"] * 3)
    listing = consortium.trustees[1].manage(
        "shell",
        "-c",
        "import json; from apps.audit.models import AuditEvent; "
        "print(json.dumps([[e.action, e.data] for e in AuditEvent.objects.filter(action__startswith='oprf')]))",
    )
    events = json.loads(listing.splitlines()[-1])  # after the shell's own banner
    assert ["oprf.evaluated", {"key_id": consortium.key.key_id, "count": 3}] in events
    assert any(action == "oprf_share.imported" for action, _ in events)


def test_a_trustee_serves_only_the_key_service_and_publishes_its_own_commitment(consortium) -> None:
    ngo = consortium.trustees[1]
    headers = {"Authorization": f"Bearer {ngo.api_keys['Alpha Bank']}"}
    [share] = httpx.get(f"{ngo.url}/api/v1/oprf/shares", headers=headers).json()
    published = consortium.key.trustees.get(name="ngo")
    assert (share["key_id"], share["index"], share["commitment"]) == (
        consortium.key.key_id,
        published.index,
        bytes(published.commitment).hex(),
    )
    for path in ("/api/v1/reports", "/api/v1/oprf/keys", "/admin/", "/"):
        assert httpx.get(f"{ngo.url}{path}", headers=headers).status_code == 404, path


def test_a_hub_publishing_commitments_that_do_not_give_its_key_is_refused(consortium) -> None:
    Trustee.objects.filter(key=consortium.key, index=3).update(
        commitment=bytes(consortium.key.trustees.get(index=1).commitment)
    )
    with pytest.raises(KeyMismatchError, match="do not give its public key"):
        Hub(consortium.hub_url, consortium.api_key).current_key()


def test_one_trustee_stopped_still_tokenises_and_two_stopped_fail_naming_them(consortium) -> None:
    hub, _, regulator = consortium.trustees
    with stopped(hub):
        assert _tokens(consortium.tokenizer()) == EXPECTED
        with stopped(regulator), pytest.raises(TrusteeQuorumError) as refused:
            consortium.tokenizer().tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])
    assert set(refused.value.failures) == {"hub", "regulator"}
    assert "needs 2 of its 3 trustees and only 1 gave a verified answer" in str(refused.value)
    assert "cannot reach the trustee hub at" in refused.value.failures["hub"]


def test_a_trustee_evaluating_with_a_tampered_share_is_caught_dropped_and_named(consortium) -> None:
    hub, _, regulator = consortium.trustees
    hub.manage(
        "shell",
        "-c",
        "from apps.oprf.models import KeyShare; from apps.oprf.crypto import secret_encrypt, share_key_id; "
        "from vigil_client import voprf; s = KeyShare.objects.get(); "
        "s.secret_ciphertext = secret_encrypt(voprf.generate_key_pair()[0], key_id=share_key_id(s.key_id, s.index)); "
        "s.save()",
    )
    tokenizer = consortium.tokenizer()
    assert _tokens(tokenizer) == EXPECTED
    assert list(tokenizer.consortium.caught) == ["hub"]
    with stopped(regulator), pytest.raises(TrusteeQuorumError) as refused:
        consortium.tokenizer().tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])
    assert "trustee hub's proof did not verify" in refused.value.failures["hub"]


def test_a_member_refused_by_one_trustee_is_served_by_the_others_and_by_none_below_t(consortium) -> None:
    hub, _, regulator = consortium.trustees
    hub.manage("organisation_status", "suspend", hub.slugs["Alpha Bank"])
    try:
        assert _tokens(consortium.tokenizer()) == EXPECTED
        regulator.manage("organisation_status", "suspend", regulator.slugs["Alpha Bank"])
        try:
            with pytest.raises(TrusteeQuorumError) as refused:
                consortium.tokenizer().tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])
            assert set(refused.value.failures) == {"hub", "regulator"}
            assert all(f"trustee {name} answered 403" in reason for name, reason in refused.value.failures.items())
        finally:
            regulator.manage("organisation_status", "reinstate", regulator.slugs["Alpha Bank"])
    finally:
        hub.manage("organisation_status", "reinstate", hub.slugs["Alpha Bank"])


def test_resharing_to_a_new_trustee_set_keeps_every_token(consortium, tmp_path: Path) -> None:
    hub, _, regulator = consortium.trustees
    key_id = consortium.key.key_id
    for holder in (hub, regulator):  # the ngo takes no part; each holder writes one file per new trustee
        holder.manage(
            "oprf_share", "reshare", key_id, "--holders", "1,3", "--threshold", "2", "--trustees", "3",
            "--out-dir", str(tmp_path / holder.name),
        )  # fmt: skip
    published = []
    for new_index, trustee in enumerate(consortium.trustees, start=1):
        files = [str(tmp_path / h.name / f"{key_id}-from-{h.number}-to-{new_index}.sub.json") for h in (hub, regulator)]
        line = trustee.manage("oprf_share", "import-reshared", *files, "--delete")
        published.append(f"{new_index}:{trustee.name}={trustee.url}:{line.split('commitment ')[1].strip()}")
    old_commitments = list(consortium.key.trustees.values_list("commitment", flat=True))
    call_command("oprf_key", "trustees", key_id, "--threshold", "2", *[a for p in published for a in ("--trustee", p)])

    assert set(OprfKey.objects.get(pk=consortium.key.pk).trustees.values_list("commitment", flat=True)).isdisjoint(
        old_commitments
    )
    assert _tokens(consortium.tokenizer()) == EXPECTED
    assert _tokens(consortium.tokenizer("hub", "ngo")) == EXPECTED


def test_vigil_tokenize_prints_the_single_key_token(consortium, capsys) -> None:
    item = VECTORS["tokens"][0]
    argv = ["--url", consortium.hub_url, "--api-key", consortium.api_key]
    for name, secret in consortium.trustee_keys("ngo", "regulator").items():
        argv += ["--trustee-key", f"{name}={secret}"]
    assert cli.main([*argv, "tokenize", "--namespace", item["namespace"], item["input"]]) == 0
    assert capsys.readouterr().out == f"{item['input']}\t{item['token']}\n"


def test_a_trustee_answers_cors_for_the_portal_origin_on_its_evaluation_endpoint_alone(trustees) -> None:
    ngo = trustees[1]
    evaluate = f"{ngo.url}/api/v1/oprf/evaluate"

    def preflight(url: str, origin: str) -> httpx.Response:
        return httpx.options(
            url,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )

    admitted = preflight(evaluate, ngo.portal_origin)
    assert admitted.headers["access-control-allow-origin"] == ngo.portal_origin
    assert admitted.headers["access-control-allow-methods"] == "POST"
    assert admitted.headers["access-control-allow-headers"] == "accept, authorization, content-type"
    assert "access-control-allow-credentials" not in admitted.headers
    # A refusal carries the header too, so the page can say why the trustee refused.
    refusal = httpx.post(evaluate, json={}, headers={"Origin": ngo.portal_origin, "Authorization": "Bearer vgl_x"})
    assert refusal.status_code == 401 and refusal.headers["access-control-allow-origin"] == ngo.portal_origin

    for answer in (
        preflight(evaluate, "http://elsewhere.example"),
        httpx.post(evaluate, json={}, headers={"Origin": "http://elsewhere.example", "Authorization": "Bearer vgl_x"}),
        preflight(f"{ngo.url}/api/v1/oprf/shares", ngo.portal_origin),
    ):
        assert not [name for name in answer.headers if name.startswith("access-control-")], answer.request.url


def test_a_trustee_publishes_an_openapi_schema_of_its_own_endpoints(trustees) -> None:
    schema = httpx.get(f"{trustees[0].url}/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Vigil trustee API"
    assert set(schema.json()["paths"]) == {"/api/v1/oprf/evaluate", "/api/v1/oprf/shares"}


def test_a_key_the_trustees_generate_jointly_tokenises_as_the_key_no_one_ever_held(
    trustees, live_server, world, tmp_path: Path
) -> None:
    each_trustee(
        trustees,
        lambda t: t.manage(
            "oprf_share", "deal", "--ceremony", "jointly", "--index", str(t.number), "--threshold", "2",
            "--trustees", "3", "--out-dir", str(tmp_path),
        ),
    )  # fmt: skip
    dealt = {t.number: sorted(tmp_path.glob(f"jointly-from-*-to-{t.number}.deal.json")) for t in trustees}
    shares = {  # added up here only to name the key the test compares with
        index: threshold.reshare_combine(
            index, [threshold.Share(index, bytes.fromhex(json.loads(f.read_text())["secret"])) for f in files]
        )
        for index, files in dealt.items()
    }
    printed = each_trustee(trustees, lambda t: t.manage("oprf_share", "import-generated", *map(str, dealt[t.number])))
    public_keys = {output.split("public key ")[1].strip() for output in printed}
    assert len(public_keys) == 1
    specs = [
        f"{t.number}:{t.name}={t.url}:{out.split('commitment ')[1].split()[0]}"
        for t, out in zip(trustees, printed, strict=True)
    ]
    call_command("oprf_key", "adopt", "--public-key", public_keys.pop(), "--threshold", "2",
                 *[a for spec in specs for a in ("--trustee", spec)])  # fmt: skip
    call_command("oprf_key", "rotate")

    weights = threshold.lagrange_coefficients([1, 2])
    key = voprf.serialize_scalar(
        sum(weights[j] * voprf.deserialize_scalar(shares[j].secret) for j in (1, 2)) % voprf.ORDER
    )
    items = VECTORS["tokens"][:6]
    expected = [
        voprf.token_from_output(
            voprf.evaluate_direct(key, oprf_input(i["namespace"], normalise(i["namespace"], i["input"])))
        )
        for i in items
    ]
    keys = {t.name: t.api_keys["Alpha Bank"] for t in trustees if t.name != "hub"}
    tokenizer = Tokenizer(Hub(live_server.url, world.secret_a, trustee_keys=keys))
    assert [r.token for i in items for r in tokenizer.tokenize(i["namespace"], [i["input"]])] == expected
