"""The key service over HTTP: published keys, evaluation, quota and rate limit answers."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from vigil_client import voprf

from apps.oprf.models import OprfKey
from tests.factories import ApiKeyFactory
from tests.rfc_vectors import RFC_PUBLIC, RFC_SECRET

pytestmark = pytest.mark.django_db
EVALUATE = reverse("api:oprf-evaluate")


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_it_publishes_the_current_key(world, rfc_key: OprfKey) -> None:
    body = world.client_a.get(reverse("api:oprf-keys")).json()
    assert body == [
        {
            "key_id": rfc_key.key_id,
            "public_key": RFC_PUBLIC.hex(),
            "status": "current",
            "activated_at": body[0]["activated_at"],
            "retire_after": None,
            "retired_at": None,
            "threshold": None,
            "trustees": [],
        }
    ]


def test_a_token_made_over_http_equals_one_computed_from_the_key(world, rfc_key: OprfKey) -> None:
    data = b"wallet:btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    blinds, blinded = voprf.blind([data])
    response = world.client_a.post(
        EVALUATE, {"key_id": rfc_key.key_id, "blinded_elements": [blinded[0].hex()]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    outputs = voprf.finalize(
        [data],
        blinds,
        [bytes.fromhex(body["evaluated_elements"][0])],
        proof=bytes.fromhex(body["proof"]),
        public_key=RFC_PUBLIC,
    )
    assert voprf.token_from_output(outputs[0]) == voprf.token_from_output(voprf.evaluate_direct(RFC_SECRET, data))


def test_a_tampered_proof_is_refused_by_the_client(world, rfc_key: OprfKey) -> None:
    blinds, blinded = voprf.blind([b"wallet:evm:0x00"])
    body = world.client_a.post(
        EVALUATE, {"key_id": rfc_key.key_id, "blinded_elements": [blinded[0].hex()]}, format="json"
    ).json()
    proof = bytearray.fromhex(body["proof"])
    proof[0] ^= 1
    with pytest.raises(voprf.ProofError):
        voprf.finalize(
            [b"wallet:evm:0x00"],
            blinds,
            [bytes.fromhex(body["evaluated_elements"][0])],
            proof=bytes(proof),
            public_key=RFC_PUBLIC,
        )


@pytest.mark.parametrize(
    ("elements", "pointer"),
    [
        (["00" * 32], "/blinded_elements/0"),
        (["zz" * 32], "/blinded_elements/0"),
        (["ab" * 31], "/blinded_elements/0"),
    ],
)
def test_bad_elements_get_a_400_naming_the_index(world, rfc_key: OprfKey, elements, pointer) -> None:
    response = world.client_a.post(EVALUATE, {"key_id": rfc_key.key_id, "blinded_elements": elements}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == pointer


def test_a_wrong_key_id_is_a_400(world, rfc_key: OprfKey) -> None:
    blinded = voprf.blind([b"x"])[1]
    response = world.client_a.post(
        EVALUATE, {"key_id": "0123456789abcdef", "blinded_elements": [blinded[0].hex()]}, format="json"
    )
    assert response.status_code == 400
    assert "Unknown or retired key id" in response.json()["detail"]


def test_over_quota_is_a_429_with_retry_after(world, rfc_key: OprfKey) -> None:
    world.org_a.daily_evaluation_quota = 1
    world.org_a.save()
    body = {"key_id": rfc_key.key_id, "blinded_elements": [element.hex() for element in voprf.blind([b"a", b"b"])[1]]}
    response = world.client_a.post(EVALUATE, body, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "quota" in response.json()["detail"]


def test_the_rate_limit_is_per_organisation(world, rfc_key: OprfKey) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    # DRF copies the configured rates onto the class when it is defined.
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {"oprf": "2/min"}
    try:
        _, second_secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["screen"])
        body = {"key_id": rfc_key.key_id, "blinded_elements": [voprf.blind([b"a"])[1][0].hex()]}
        statuses = [
            world.client_a.post(EVALUATE, body, format="json").status_code,
            world.client_for(second_secret).post(EVALUATE, body, format="json").status_code,
            world.client_for(second_secret).post(EVALUATE, body, format="json").status_code,
            world.client_b.post(EVALUATE, body, format="json").status_code,
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert statuses == [200, 200, 429, 200]


def test_evaluation_needs_the_report_or_screen_scope(world, rfc_key: OprfKey) -> None:
    _, read_only = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["read"])
    body = {"key_id": rfc_key.key_id, "blinded_elements": [voprf.blind([b"a"])[1][0].hex()]}
    assert world.client_for(read_only).post(EVALUATE, body, format="json").status_code == 403


def test_a_member_session_may_evaluate(world, rfc_key: OprfKey, client) -> None:
    client.force_login(world.charlie)
    body = {"key_id": rfc_key.key_id, "blinded_elements": [voprf.blind([b"a"])[1][0].hex()]}
    assert client.post(EVALUATE, body, content_type="application/json").status_code == 200
