"""Key lifecycle, encryption at rest, quota and evaluation in the key service."""

from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from django.utils import timezone
from vigil_client import voprf

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM, Actor
from apps.common.errors import Conflict, LimitExceeded, ValidationFailed
from apps.oprf import services
from apps.oprf.crypto import secret_decrypt
from apps.oprf.models import EvaluationUsage, KeyStatus, OprfKey
from tests.rfc_vectors import RFC_PUBLIC, RFC_SECRET, VOPRF

pytestmark = pytest.mark.django_db


def test_an_imported_key_has_the_rfc_public_key_and_an_id_derived_from_it(rfc_key: OprfKey) -> None:
    assert bytes(rfc_key.public_key) == RFC_PUBLIC
    assert rfc_key.key_id == services.key_id_for(RFC_PUBLIC)
    assert rfc_key.status == KeyStatus.CURRENT


def test_the_secret_is_stored_encrypted_and_bound_to_its_key_id(rfc_key: OprfKey, settings) -> None:
    stored = bytes(OprfKey.objects.get(pk=rfc_key.pk).secret_ciphertext)
    assert RFC_SECRET not in stored
    assert secret_decrypt(stored, key_id=rfc_key.key_id) == RFC_SECRET
    with pytest.raises(InvalidTag):
        secret_decrypt(stored, key_id="0000000000000000")
    settings.KEY_ENCRYPTION_KEY = "11" * 32
    with pytest.raises(InvalidTag):
        secret_decrypt(stored, key_id=rfc_key.key_id)


def test_the_first_generated_key_becomes_current_and_later_ones_wait() -> None:
    first = services.oprf_key_add(actor=SYSTEM)
    second = services.oprf_key_add(actor=SYSTEM)
    assert (first.status, second.status) == (KeyStatus.CURRENT, KeyStatus.PENDING)


def test_rotation_keeps_the_old_key_for_the_overlap_window(rfc_key: OprfKey, settings) -> None:
    settings.VIGIL_OPRF_OVERLAP_DAYS = 7
    new = services.oprf_key_rotate(actor=SYSTEM)
    old = OprfKey.objects.get(pk=rfc_key.pk)
    assert new.status == KeyStatus.CURRENT
    assert old.status == KeyStatus.PREVIOUS
    assert timedelta(days=6) < old.retire_after - timezone.now() <= timedelta(days=7)
    assert services.oprf_keys_retire_expired(actor=SYSTEM) == []
    OprfKey.objects.filter(pk=old.pk).update(retire_after=timezone.now() - timedelta(seconds=1))
    assert services.oprf_keys_retire_expired(actor=SYSTEM) == [old.key_id]
    assert OprfKey.objects.get(pk=old.pk).status == KeyStatus.RETIRED


def test_the_current_key_cannot_be_retired(rfc_key: OprfKey) -> None:
    with pytest.raises(Conflict, match="rotate first"):
        services.oprf_key_retire(actor=SYSTEM, key_id=rfc_key.key_id)


def test_ensure_is_idempotent() -> None:
    assert services.oprf_key_ensure(actor=SYSTEM) == services.oprf_key_ensure(actor=SYSTEM)
    assert OprfKey.objects.count() == 1


def test_importing_a_zero_key_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="nonzero"):
        services.oprf_key_add(actor=SYSTEM, secret_key=bytes(32))


def _blinded(count: int) -> list[bytes]:
    return voprf.blind([f"wallet:btc:{n}".encode() for n in range(count)])[1]


def test_evaluation_matches_the_rfc_vector_and_is_audited_with_its_count(rfc_key: OprfKey, world) -> None:
    vector = VOPRF["vectors"][0]
    actor = Actor(organisation=world.org_a, api_key=world.key_a)
    result = services.oprf_evaluate(
        actor=actor, key_id=rfc_key.key_id, blinded_elements=[bytes.fromhex(vector["BlindedElement"][0])]
    )
    assert result.evaluated_elements[0].hex() == vector["EvaluationElement"][0]
    voprf.verify_proof(
        RFC_PUBLIC, [bytes.fromhex(vector["BlindedElement"][0])], result.evaluated_elements, result.proof
    )
    event = AuditEvent.objects.get(action="oprf.evaluated")
    assert event.data == {"key_id": rfc_key.key_id, "count": 1}
    assert event.actor_api_key_id == world.key_a.pk
    assert vector["BlindedElement"][0] not in str(event.data)


def test_invalid_and_identity_elements_are_named_by_index(rfc_key: OprfKey, world) -> None:
    elements = _blinded(3)
    elements[1] = bytes(32)  # the identity
    elements[2] = b"\xff" * 32  # not a ristretto255 encoding
    with pytest.raises(ValidationFailed) as caught:
        services.oprf_evaluate(actor=Actor(organisation=world.org_a), key_id=rfc_key.key_id, blinded_elements=elements)
    assert [error["pointer"] for error in caught.value.errors] == ["/blinded_elements/1", "/blinded_elements/2"]
    assert not EvaluationUsage.objects.exists()


def test_a_retired_or_unknown_key_id_is_refused(rfc_key: OprfKey, world) -> None:
    services.oprf_key_rotate(actor=SYSTEM)
    services.oprf_key_retire(actor=SYSTEM, key_id=rfc_key.key_id)
    for key_id in (rfc_key.key_id, "ffffffffffffffff"):
        with pytest.raises(ValidationFailed, match="Unknown or retired key id"):
            services.oprf_evaluate(actor=Actor(organisation=world.org_a), key_id=key_id, blinded_elements=_blinded(1))


def test_the_daily_quota_refuses_a_batch_that_would_pass_it(rfc_key: OprfKey, world) -> None:
    world.org_a.daily_evaluation_quota = 5
    world.org_a.save()
    actor = Actor(organisation=world.org_a)
    services.oprf_evaluate(actor=actor, key_id=rfc_key.key_id, blinded_elements=_blinded(3))
    with pytest.raises(LimitExceeded) as caught:
        services.oprf_evaluate(actor=actor, key_id=rfc_key.key_id, blinded_elements=_blinded(3))
    assert 0 < caught.value.retry_after <= 86_400
    services.oprf_evaluate(actor=actor, key_id=rfc_key.key_id, blinded_elements=_blinded(2))
    assert EvaluationUsage.objects.get(organisation=world.org_a).count == 5
    # Another organisation's quota is its own.
    services.oprf_evaluate(actor=Actor(organisation=world.org_b), key_id=rfc_key.key_id, blinded_elements=_blinded(3))


def test_a_batch_over_the_quota_is_refused_before_the_key_does_any_work(rfc_key: OprfKey, world, monkeypatch) -> None:
    world.org_a.daily_evaluation_quota = 2
    world.org_a.save()

    def evaluate(self, blinded_elements):
        raise AssertionError("an over-quota batch reached the key")

    monkeypatch.setattr(voprf.SingleKeyEvaluator, "blind_evaluate_batch", evaluate)
    actor = Actor(organisation=world.org_a)
    with pytest.raises(LimitExceeded):
        services.oprf_evaluate(actor=actor, key_id=rfc_key.key_id, blinded_elements=_blinded(3))
    assert not AuditEvent.objects.filter(action="oprf.evaluated").exists()


def test_the_default_quota_comes_from_settings(world, settings) -> None:
    settings.VIGIL_OPRF_DAILY_QUOTA = 42
    assert services.daily_quota(world.org_a) == 42
    world.org_a.daily_evaluation_quota = 7
    assert services.daily_quota(world.org_a) == 7


@pytest.mark.parametrize("count", [0, services.MAX_BATCH + 1])
def test_batches_outside_the_limits_are_refused(rfc_key: OprfKey, world, count: int) -> None:
    with pytest.raises(ValidationFailed, match="between 1 and"):
        services.oprf_evaluate(
            actor=Actor(organisation=world.org_a), key_id=rfc_key.key_id, blinded_elements=[b"x" * 32] * count
        )
