"""Only the canonical encoding of an element counts (RFC 9496 4.3.1), at the hub and in the client."""

import pytest
import rbcl
from django.core.cache import cache
from django.urls import reverse
from vigil_client import voprf

from apps.oprf.models import OprfKey
from tests.rfc_vectors import RFC_PUBLIC, RFC_SECRET

pytestmark = pytest.mark.django_db
EVALUATE = reverse("api:oprf-evaluate")


def _with_bit_255(element: bytes) -> bytes:
    """The same point spelt with the top bit of the last byte set: libsodium accepts it."""
    return element[:-1] + bytes([element[-1] | 0x80])


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_the_non_canonical_spelling_is_one_libsodium_would_accept() -> None:
    element = voprf.blind([b"x"])[1][0]
    assert rbcl.crypto_core_ristretto255_is_valid_point(_with_bit_255(element))
    with pytest.raises(voprf.InvalidElementError):
        voprf.deserialize_element(_with_bit_255(element))


def test_the_hub_refuses_a_non_canonical_blinded_element_naming_it(world, rfc_key: OprfKey) -> None:
    good, other = voprf.blind([b"a", b"b"])[1]
    body = {"key_id": rfc_key.key_id, "blinded_elements": [good.hex(), _with_bit_255(other).hex()]}
    response = world.client_a.post(EVALUATE, body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert "index 1" in problem["detail"]
    assert problem["errors"] == [
        {"pointer": "/blinded_elements/1", "detail": "not a canonical non-identity ristretto255 element"}
    ]


def test_blind_evaluate_alone_also_refuses_it() -> None:
    element = voprf.blind([b"x"])[1][0]
    with pytest.raises(voprf.InvalidElementError):
        voprf.blind_evaluate(RFC_SECRET, [_with_bit_255(element)])


def test_the_client_refuses_a_hub_answer_spelt_non_canonically() -> None:
    # Refused as an encoding, before the proof is looked at: the hub may not spell a point two ways.
    inputs = [b"wallet:evm:0x00"]
    blinds, blinded = voprf.blind(inputs)
    evaluated, proof = voprf.SingleKeyEvaluator(RFC_SECRET).blind_evaluate_batch(blinded)
    with pytest.raises(voprf.InvalidElementError):
        voprf.finalize(
            inputs, blinds, [_with_bit_255(evaluated[0])], proof=proof, public_key=RFC_PUBLIC, blinded_elements=blinded
        )
    with pytest.raises(voprf.InvalidElementError):
        voprf.verify_proof(_with_bit_255(RFC_PUBLIC), blinded, evaluated, proof)
