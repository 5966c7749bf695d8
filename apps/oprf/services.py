"""OPRF key lifecycle and metered blind evaluation."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from vigil_client import voprf
from vigil_client.contract import EVALUATE_BATCH_MAX, key_id_for

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import Conflict, LimitExceeded, ValidationFailed
from apps.oprf.crypto import secret_encrypt
from apps.oprf.models import EvaluationUsage, KeyStatus, OprfKey
from apps.oprf.selectors import USABLE_KEY_IDS, oprf_key_evaluator, oprf_key_get
from apps.organisations.models import Organisation

MAX_BATCH = EVALUATE_BATCH_MAX


@sensitive_variables()
@transaction.atomic
def oprf_key_add(*, actor: Actor, secret_key: bytes | None = None, activate: bool = False) -> OprfKey:
    """Store a new key (generated from the CSPRNG unless given), pending unless activated."""
    if secret_key is None:
        secret_key, public_key = voprf.generate_key_pair()
    else:
        try:
            public_key = voprf.SingleKeyEvaluator(secret_key).public_key
        except voprf.VoprfError:
            raise ValidationFailed("The secret key must be a canonical, nonzero ristretto255 scalar.") from None
    key_id = key_id_for(public_key)
    if OprfKey.objects.filter(key_id=key_id).exists():
        raise Conflict(f"Key {key_id} is already stored.")
    key = OprfKey.objects.create(
        key_id=key_id, public_key=public_key, secret_ciphertext=secret_encrypt(secret_key, key_id=key_id)
    )
    audit_log(actor=actor, action="oprf_key.added", target=key, data={"key_id": key_id})
    if activate or not OprfKey.objects.filter(status=KeyStatus.CURRENT).exists():
        key = oprf_key_activate(actor=actor, key=key)
    return key


@transaction.atomic
def oprf_key_activate(*, actor: Actor, key: OprfKey) -> OprfKey:
    """Make a pending key current; the old current key stays usable for the overlap window."""
    key = OprfKey.objects.select_for_update().get(pk=key.pk)
    if key.status != KeyStatus.PENDING:
        raise Conflict(f"Only a pending key can become current; {key.key_id} is {key.status}.")
    now = timezone.now()
    overlap = timedelta(days=settings.VIGIL_OPRF_OVERLAP_DAYS)
    previous = OprfKey.objects.select_for_update().filter(status=KeyStatus.CURRENT).first()
    if previous is not None:
        previous.status = KeyStatus.PREVIOUS
        previous.retire_after = now + overlap
        previous.save(update_fields=["status", "retire_after"])
    key.status = KeyStatus.CURRENT
    key.activated_at = now
    key.save(update_fields=["status", "activated_at"])
    USABLE_KEY_IDS.forget()
    audit_log(
        actor=actor,
        action="oprf_key.activated",
        target=key,
        data={"key_id": key.key_id, "previous": previous.key_id if previous else None},
    )
    return key


def oprf_key_rotate(*, actor: Actor) -> OprfKey:
    """Open a new epoch: the newest pending key (or a fresh one) becomes current."""
    pending = OprfKey.objects.filter(status=KeyStatus.PENDING).order_by("-created_at").first()
    if pending is None:
        return oprf_key_add(actor=actor, activate=True)
    return oprf_key_activate(actor=actor, key=pending)


def oprf_key_ensure(*, actor: Actor) -> OprfKey:
    """Idempotent first-run helper: the current key, created if there is none."""
    current = OprfKey.objects.filter(status=KeyStatus.CURRENT).first()
    return current or oprf_key_add(actor=actor, activate=True)


@transaction.atomic
def oprf_key_retire(*, actor: Actor, key_id: str) -> OprfKey:
    key = OprfKey.objects.select_for_update().get(pk=oprf_key_get(key_id=key_id).pk)
    if key.status == KeyStatus.CURRENT:
        raise Conflict("The current key cannot be retired; rotate first.")
    if key.status == KeyStatus.RETIRED:
        return key
    key.status = KeyStatus.RETIRED
    key.retired_at = timezone.now()
    key.save(update_fields=["status", "retired_at"])
    USABLE_KEY_IDS.forget()
    audit_log(actor=actor, action="oprf_key.retired", target=key, data={"key_id": key.key_id})
    return key


def oprf_keys_retire_expired(*, actor: Actor) -> list[str]:
    """Retire previous keys whose overlap window has closed (daily beat job)."""
    due = OprfKey.objects.filter(status=KeyStatus.PREVIOUS, retire_after__lte=timezone.now())
    return [oprf_key_retire(actor=actor, key_id=key_id).key_id for key_id in due.values_list("key_id", flat=True)]


def _seconds_until_utc_midnight() -> int:
    now = timezone.now()
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))


def daily_quota(organisation: Organisation) -> int:
    if organisation.daily_evaluation_quota is not None:
        return organisation.daily_evaluation_quota
    return settings.VIGIL_OPRF_DAILY_QUOTA


def _quota_reached(organisation: Organisation, quota: int) -> LimitExceeded:
    return LimitExceeded(
        f"Daily evaluation quota of {quota} reached for {organisation.slug}; it resets at 00:00 UTC.",
        retry_after=_seconds_until_utc_midnight(),
    )


def _check_quota(organisation: Organisation, count: int) -> None:
    """Refuse before any work a batch that cannot fit today; `_charge` settles races afterwards."""
    quota = daily_quota(organisation)
    used = EvaluationUsage.objects.filter(organisation=organisation, day=timezone.now().date()).values_list(
        "count", flat=True
    )
    if count > quota - next(iter(used), 0):
        raise _quota_reached(organisation, quota)


@transaction.atomic
def _charge(*, actor: Actor, organisation: Organisation, key_id: str, count: int) -> None:
    """Count the evaluations against today's quota and audit the call, or refuse it whole."""
    quota = daily_quota(organisation)
    today = timezone.now().date()
    # ON CONFLICT DO NOTHING: the first call of the day may race another; neither must fail.
    EvaluationUsage.objects.bulk_create([EvaluationUsage(organisation=organisation, day=today)], ignore_conflicts=True)
    # A conditional UPDATE: two concurrent calls can never both squeeze under the quota.
    charged = EvaluationUsage.objects.filter(organisation=organisation, day=today, count__lte=quota - count).update(
        count=F("count") + count
    )
    if not charged:
        raise _quota_reached(organisation, quota)
    audit_log(actor=actor, action="oprf.evaluated", data={"key_id": key_id, "count": count})


@dataclass(frozen=True)
class Evaluation:
    key_id: str
    evaluated_elements: list[bytes]
    proof: bytes
    share_index: int | None  # set when a trustee evaluated with its share: the proof is against its commitment


def _invalid_elements(blinded_elements: Sequence[bytes]) -> ValidationFailed:
    invalid = []
    for index, element in enumerate(blinded_elements):
        try:
            voprf.deserialize_element(element, index=index)
        except voprf.InvalidElementError:
            invalid.append(index)
    shown = ", ".join(str(index) for index in invalid[:10]) + (", ..." if len(invalid) > 10 else "")
    return ValidationFailed(
        f"{len(invalid)} blinded element(s) are not canonical non-identity ristretto255 encodings "
        f"(RFC 9496 4.3.1): index {shown}.",
        errors=[
            {"pointer": f"/blinded_elements/{index}", "detail": "not a canonical non-identity ristretto255 element"}
            for index in invalid
        ],
    )


# The frames below hold the secret key and the proof nonce (which together with the proof gives the key).
@sensitive_variables()
def oprf_evaluate(*, actor: Actor, key_id: str, blinded_elements: Sequence[bytes]) -> Evaluation:
    """Blind-evaluate a batch with one proof; a batch with any invalid element is refused and not charged."""
    if actor.organisation is None:
        raise ValidationFailed("Evaluations are made for an organisation.")
    if not 1 <= len(blinded_elements) <= MAX_BATCH:
        raise ValidationFailed(f"Send between 1 and {MAX_BATCH} blinded elements; got {len(blinded_elements)}.")
    evaluator, share_index = oprf_key_evaluator(key_id=key_id)
    _check_quota(actor.organisation, len(blinded_elements))
    # Evaluating validates each element on the way (libsodium decodes it to multiply), so valid batches,
    # nearly all of them, are decoded once; only a refused one is walked again to name every bad index.
    try:
        evaluated, proof = evaluator.blind_evaluate_batch(blinded_elements)
    except voprf.InvalidElementError:
        raise _invalid_elements(blinded_elements) from None
    _charge(actor=actor, organisation=actor.organisation, key_id=key_id, count=len(blinded_elements))
    return Evaluation(key_id=key_id, evaluated_elements=evaluated, proof=proof, share_index=share_index)
