"""Reading OPRF keys; evaluators are built only for keys that may still be used."""

from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from vigil_client import voprf

from apps.common.errors import NotFound, ValidationFailed
from apps.oprf.crypto import secret_decrypt
from apps.oprf.models import EvaluationUsage, KeyStatus, OprfKey
from apps.organisations.models import Organisation

USABLE_STATUSES = (KeyStatus.CURRENT, KeyStatus.PREVIOUS)


def oprf_key_list_published() -> QuerySet[OprfKey]:
    """Keys members may see: everything but keys still pending activation."""
    return OprfKey.objects.exclude(status=KeyStatus.PENDING).order_by("-created_at")


def oprf_key_list_all() -> QuerySet[OprfKey]:
    """Every key, pending ones included, for hub administrators; secrets are never read here."""
    return OprfKey.objects.defer("secret_ciphertext").order_by("-created_at")


def evaluations_used_today(*, organisation: Organisation) -> int:
    """OPRF evaluations charged to the organisation this UTC day."""
    usage = EvaluationUsage.objects.filter(organisation=organisation, day=timezone.now().date()).first()
    return usage.count if usage is not None else 0


def oprf_key_get(*, key_id: str) -> OprfKey:
    try:
        return OprfKey.objects.get(key_id=key_id)
    except OprfKey.DoesNotExist:
        raise NotFound(f"No OPRF key {key_id!r}.") from None


@sensitive_variables()
def oprf_key_evaluator(*, key_id: str) -> voprf.Evaluator:
    key = OprfKey.objects.filter(key_id=key_id, status__in=USABLE_STATUSES).first()
    if key is None:
        raise ValidationFailed(
            f"Unknown or retired key id {key_id!r}; GET /api/v1/oprf/keys lists the usable ones.",
            errors=[{"pointer": "/key_id", "detail": "unknown or retired key id"}],
        )
    return voprf.SingleKeyEvaluator(secret_decrypt(bytes(key.secret_ciphertext), key_id=key.key_id))


def usable_key_ids() -> set[str]:
    return set(OprfKey.objects.filter(status__in=USABLE_STATUSES).values_list("key_id", flat=True))
