"""Reading OPRF keys and trustee shares; evaluators are built only for keys that may still be used."""

from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from vigil_client import voprf
from vigil_client.threshold import Share

from apps.common.errors import Conflict, NotFound, ValidationFailed
from apps.common.memo import Memo
from apps.oprf.crypto import secret_decrypt, share_key_id
from apps.oprf.models import EvaluationUsage, KeyShare, KeyStatus, OprfKey, Trustee
from apps.organisations.models import Organisation

USABLE_STATUSES = (KeyStatus.CURRENT, KeyStatus.PREVIOUS)
# Every screening and report checks its key id; keys change state only by activation and retirement.
USABLE_KEY_IDS = Memo("oprf-usable-key-ids", timeout=300)


def oprf_key_list_published() -> QuerySet[OprfKey]:
    """Keys members may see: everything but keys still pending activation."""
    return OprfKey.objects.exclude(status=KeyStatus.PENDING).prefetch_related("trustees").order_by("-created_at")


def trustee_origins_in_use() -> list[str]:
    """The origins (scheme://host[:port]) of the trustees of every key the hub still evaluates under,
    so a page tokenising in the browser may reach them and nothing else."""
    urls = Trustee.objects.filter(key__status__in=USABLE_STATUSES).values_list("url", flat=True).distinct()
    return sorted({f"{parts.scheme}://{parts.netloc}".lower() for parts in map(urlsplit, urls)})


def split_key_current() -> OprfKey | None:
    """The current key when it is split among trustees (its trustees prefetched), else None."""
    return (
        OprfKey.objects.filter(status=KeyStatus.CURRENT, threshold__isnull=False)
        .defer("secret_ciphertext")
        .prefetch_related("trustees")
        .first()
    )


def trustee_list_in_use() -> list[Trustee]:
    """One entry per trustee name among the keys the hub still evaluates under, the current key's first."""
    named: dict[str, Trustee] = {}
    for trustee in Trustee.objects.filter(key__status__in=USABLE_STATUSES).order_by("key__status", "index"):
        named.setdefault(trustee.name, trustee)
    return list(named.values())


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


def key_share_get(*, key_id: str) -> KeyShare:
    share = KeyShare.objects.filter(key_id=key_id, retired_at__isnull=True).first()
    if share is None:
        raise NotFound(f"This trustee holds no share of key {key_id!r}.")
    return share


def key_share_list() -> QuerySet[KeyShare]:
    """The shares this trustee evaluates with; secrets are never read here."""
    return KeyShare.objects.filter(retired_at__isnull=True).defer("secret_ciphertext").order_by("-created_at")


@sensitive_variables()
def key_share_secret(share: KeyShare) -> Share:
    ciphertext = bytes(share.secret_ciphertext)
    return Share(share.index, secret_decrypt(ciphertext, key_id=share_key_id(share.key_id, share.index)))


@sensitive_variables()
def oprf_key_evaluator(*, key_id: str) -> tuple[voprf.Evaluator, int | None]:
    """The evaluator for a key id and, when this process holds only a trustee's share of it, the share's index.

    A share evaluates like a whole key whose public key is the share's commitment, so its proof is the
    RFC 9497 proof against that commitment.
    """
    key = OprfKey.objects.filter(key_id=key_id, status__in=USABLE_STATUSES).first()
    if key is not None and key.secret_ciphertext is not None:
        return voprf.SingleKeyEvaluator(secret_decrypt(bytes(key.secret_ciphertext), key_id=key.key_id)), None
    share = KeyShare.objects.filter(key_id=key_id, retired_at__isnull=True).first()
    if share is not None:
        return voprf.SingleKeyEvaluator(key_share_secret(share).secret), share.index
    if key is not None:
        raise Conflict(
            f"Key {key_id} is split among trustees; evaluate at {key.threshold} of those GET /api/v1/oprf/keys lists."
        )
    raise ValidationFailed(
        f"Unknown or retired key id {key_id!r}; GET /api/v1/oprf/keys lists the usable ones.",
        errors=[{"pointer": "/key_id", "detail": "unknown or retired key id"}],
    )


def usable_key_ids() -> set[str]:
    return USABLE_KEY_IDS.get(
        lambda: set(OprfKey.objects.filter(status__in=USABLE_STATUSES).values_list("key_id", flat=True))
    )
