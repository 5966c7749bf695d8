"""Key ceremony: split a hub key among trustees, or generate one jointly that no party ever holds;
import a share at a trustee, and re-share among a new set.

Share documents travel between parties as JSON files; each carries one secret scalar and is meant
to be read once by its trustee and destroyed. Every step writes an audit event where it runs.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from vigil_client import threshold, voprf
from vigil_client.contract import key_id_for

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import Conflict, NotFound, ValidationFailed
from apps.oprf.crypto import secret_decrypt, secret_encrypt, share_key_id
from apps.oprf.models import KeyShare, KeyStatus, OprfKey, Trustee
from apps.oprf.selectors import key_share_get, key_share_secret

SHARE_FORMAT = "vigil-oprf-share/1"
SUB_SHARE_FORMAT = "vigil-oprf-sub-share/1"
DEAL_FORMAT = "vigil-oprf-deal/1"


@dataclass(frozen=True)
class TrusteeSpec:
    name: str
    url: str
    index: int | None = None
    commitment: bytes | None = None


def _commitments_hex(commitments: dict[int, bytes]) -> dict[str, str]:
    return {str(index): element.hex() for index, element in sorted(commitments.items())}


def _trustee_rows(key: OprfKey, trustees: Sequence[TrusteeSpec], commitments: dict[int, bytes]) -> None:
    names = [trustee.name for trustee in trustees]
    if len(set(names)) != len(names):
        raise ValidationFailed("Trustee names must be distinct.")
    key.trustees.all().delete()
    Trustee.objects.bulk_create(
        Trustee(key=key, index=trustee.index or number, name=trustee.name, url=trustee.url, commitment=commitment)
        for number, (trustee, commitment) in enumerate(zip(trustees, commitments.values(), strict=True), start=1)
    )


@sensitive_variables()
@transaction.atomic
def oprf_key_split(
    *, actor: Actor, key_id: str, threshold_count: int, trustees: Sequence[TrusteeSpec]
) -> list[dict[str, Any]]:
    """Split a key the hub holds into one share document per trustee and erase the hub's copy.

    Call inside the transaction that also writes the documents out, so a failed write leaves the
    key whole rather than lost.
    """
    key = OprfKey.objects.select_for_update().filter(key_id=key_id).first()
    if key is None:
        raise NotFound(f"No OPRF key {key_id!r}.")
    if key.secret_ciphertext is None:
        raise Conflict(f"Key {key_id} is already split among trustees.")
    if key.status == KeyStatus.RETIRED:
        raise Conflict(f"Key {key_id} is retired.")
    try:
        shares = threshold.split(
            secret_decrypt(bytes(key.secret_ciphertext), key_id=key_id), threshold=threshold_count, count=len(trustees)
        )
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
    commitments = {share.index: share.commitment for share in shares}
    key.secret_ciphertext = None
    key.threshold = threshold_count
    key.save(update_fields=["secret_ciphertext", "threshold"])
    _trustee_rows(key, trustees, commitments)
    audit_log(
        actor=actor,
        action="oprf_key.split",
        target=key,
        data={
            "key_id": key_id,
            "threshold": threshold_count,
            "trustees": [
                {"index": share.index, "name": trustee.name, "url": trustee.url, "commitment": share.commitment.hex()}
                for share, trustee in zip(shares, trustees, strict=True)
            ],
        },
    )
    public_key = bytes(key.public_key)
    return [
        {
            "format": SHARE_FORMAT,
            "key_id": key_id,
            "public_key": public_key.hex(),
            "threshold": threshold_count,
            "index": share.index,
            "trustee": trustee.name,
            "secret": share.secret.hex(),
            "commitments": _commitments_hex(commitments),
        }
        for share, trustee in zip(shares, trustees, strict=True)
    ]


@transaction.atomic
def oprf_key_adopt(
    *, actor: Actor, public_key: bytes, threshold_count: int, trustees: Sequence[TrusteeSpec]
) -> OprfKey:
    """Take on a key the trustees generated jointly: the hub stores its public key and trustee set only.

    Refused unless the trustees' commitments interpolate to the public key; it stays pending until
    rotated in, like any new key.
    """
    try:
        voprf.deserialize_element(public_key)
    except voprf.VoprfError:
        raise ValidationFailed("The public key is not a valid ristretto255 element.") from None
    key_id = key_id_for(public_key)
    if OprfKey.objects.filter(key_id=key_id).exists():
        raise Conflict(f"Key {key_id} is already stored.")
    commitments = _spec_commitments(trustees)
    _verify(public_key, commitments, threshold_count)
    key = OprfKey.objects.create(
        key_id=key_id, public_key=public_key, secret_ciphertext=None, threshold=threshold_count
    )
    return _trustees_published(actor=actor, key=key, action="oprf_key.adopted", trustees=trustees)


def _spec_commitments(trustees: Sequence[TrusteeSpec]) -> dict[int, bytes]:
    if any(trustee.index is None or trustee.commitment is None for trustee in trustees):
        raise ValidationFailed("Each trustee needs its share index and commitment.")
    commitments = {trustee.index: trustee.commitment for trustee in trustees}
    if len(commitments) != len(trustees):
        raise ValidationFailed("Share indexes must be distinct.")
    return commitments  # type: ignore[return-value]


def _trustees_published(*, actor: Actor, key: OprfKey, action: str, trustees: Sequence[TrusteeSpec]) -> OprfKey:
    ordered = sorted(trustees, key=lambda t: t.index or 0)
    _trustee_rows(key, ordered, {t.index: t.commitment for t in ordered})  # type: ignore[misc]
    logged = [
        {"index": t.index, "name": t.name, "url": t.url, "commitment": (t.commitment or b"").hex()} for t in trustees
    ]
    audit_log(
        actor=actor,
        action=action,
        target=key,
        data={"key_id": key.key_id, "threshold": key.threshold, "trustees": logged},
    )
    return key


@transaction.atomic
def oprf_key_trustees_set(
    *, actor: Actor, key_id: str, threshold_count: int, trustees: Sequence[TrusteeSpec]
) -> OprfKey:
    """Publish a new trustee set for a split key (after re-sharing), refused unless it gives the same key."""
    key = OprfKey.objects.select_for_update().filter(key_id=key_id, secret_ciphertext__isnull=True).first()
    if key is None:
        raise NotFound(f"No split OPRF key {key_id!r}.")
    commitments = _spec_commitments(trustees)
    _verify(bytes(key.public_key), commitments, threshold_count)
    key.threshold = threshold_count
    key.save(update_fields=["threshold"])
    return _trustees_published(actor=actor, key=key, action="oprf_key.trustees_set", trustees=trustees)


def _verify(public_key: bytes, commitments: dict[int, bytes], threshold_count: int) -> None:
    try:
        threshold.verify_commitments(public_key, commitments, threshold=threshold_count)
    except (threshold.CommitmentError, ValueError) as error:
        raise ValidationFailed(f"The trustee set does not give key {key_id_for(public_key)}: {error}.") from None


def _field(document: dict[str, Any], name: str, kind: type) -> Any:
    value = document.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValidationFailed(f"The share document's {name!r} is missing or not a {kind.__name__}.")
    return value


def _hex(document: dict[str, Any], name: str, size: int) -> bytes:
    try:
        value = bytes.fromhex(_field(document, name, str))
    except ValueError:
        value = b""
    if len(value) != size:
        raise ValidationFailed(f"The share document's {name!r} must be {size} bytes of hex.")
    return value


def _parsed_commitments(document: dict[str, Any]) -> dict[int, bytes]:
    raw = _field(document, "commitments", dict)
    try:
        return {int(index): bytes.fromhex(value) for index, value in raw.items()}
    except (TypeError, ValueError):
        raise ValidationFailed("The share document's commitments must map indexes to hex elements.") from None


@sensitive_variables()
def _store_share(*, actor: Actor, key_id: str, public_key: bytes, threshold_count: int, share: threshold.Share,
                 commitments: dict[int, bytes], action: str) -> KeyShare:  # fmt: skip
    if key_id_for(public_key) != key_id:
        raise ValidationFailed(f"The share document's public key does not hash to key id {key_id}.")
    if commitments.get(share.index) != share.commitment:
        raise ValidationFailed(f"Share {share.index} does not match its published commitment.")
    _verify(public_key, commitments, threshold_count)
    replaced = KeyShare.objects.select_for_update().filter(key_id=key_id).first()
    if replaced is not None:
        if replaced.commitment == share.commitment:
            raise Conflict(f"This trustee already holds share {share.index} of {key_id}.")
        replaced.delete()
    stored = KeyShare.objects.create(
        key_id=key_id,
        public_key=public_key,
        threshold=threshold_count,
        index=share.index,
        commitment=share.commitment,
        commitments=_commitments_hex(commitments),
        secret_ciphertext=secret_encrypt(share.secret, key_id=share_key_id(key_id, share.index)),
    )
    audit_log(
        actor=actor,
        action=action,
        target=stored,
        data={
            "key_id": key_id,
            "index": share.index,
            "threshold": threshold_count,
            "commitment": share.commitment.hex(),
            "replaced_index": replaced.index if replaced is not None else None,
        },
    )
    return stored


@sensitive_variables()
@transaction.atomic
def key_share_import(*, actor: Actor, document: dict[str, Any]) -> KeyShare:
    """A trustee takes its share from the dealer's document, after checking it against every commitment."""
    if document.get("format") != SHARE_FORMAT:
        raise ValidationFailed(f"Not a share document ({SHARE_FORMAT}).")
    index = _field(document, "index", int)
    try:
        share = threshold.Share(index, _hex(document, "secret", voprf.SCALAR_SIZE))
        share.commitment  # noqa: B018  (refuses a non-canonical or zero scalar)
    except (voprf.VoprfError, RuntimeError):
        raise ValidationFailed("The share is not a canonical nonzero scalar.") from None
    return _store_share(
        actor=actor,
        key_id=_field(document, "key_id", str),
        public_key=_hex(document, "public_key", voprf.ELEMENT_SIZE),
        threshold_count=_field(document, "threshold", int),
        share=share,
        commitments=_parsed_commitments(document),
        action="oprf_share.imported",
    )


@sensitive_variables()
@transaction.atomic
def key_share_reshare(*, actor: Actor, key_id: str, holders: Sequence[int], threshold_count: int,
                      count: int) -> list[dict[str, Any]]:  # fmt: skip
    """This trustee's part in moving the key to a new set of `count` trustees, `threshold_count` of them needed.

    One document per new trustee, each to be sent to it alone; `holders` are the old trustees taking
    part (at least the old threshold of them). The old share stays until the new one replaces it.
    """
    stored = key_share_get(key_id=key_id)
    if len(set(holders)) < stored.threshold:
        raise ValidationFailed(f"Re-sharing needs at least {stored.threshold} distinct old trustees.")
    try:
        sub_shares, committed = threshold.reshare(
            key_share_secret(stored), holders=list(holders), threshold=threshold_count, count=count
        )
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
    audit_log(
        actor=actor,
        action="oprf_share.reshared",
        target=stored,
        data={"key_id": key_id, "index": stored.index, "holders": sorted(holders), "threshold": threshold_count,
              "count": count},
    )  # fmt: skip
    header = {
        "format": SUB_SHARE_FORMAT,
        "key_id": key_id,
        "public_key": bytes(stored.public_key).hex(),
        "from_index": stored.index,
        "holders": sorted(holders),
    }
    return _sub_share_documents(header, threshold_count, sub_shares, committed)


@sensitive_variables()
@transaction.atomic
def key_share_import_reshared(*, actor: Actor, documents: Sequence[dict[str, Any]]) -> KeyShare:
    """A new trustee's share: the sum of the sub-shares every holder sent it.

    Each sub-share is checked against its holder's coefficient commitments, which also give every new
    trustee's commitment; those must interpolate to the unchanged public key before the share is kept.
    """
    first = _one_batch(
        documents,
        SUB_SHARE_FORMAT,
        ("key_id", "public_key", "holders", "threshold", "count", "index"),
        missing=f"Give every holder's sub-share document ({SUB_SHARE_FORMAT}).",
        mixed="The sub-share documents are not from one re-sharing for one trustee.",
    )
    holders = _field(first, "holders", list)
    if sorted(document.get("from_index") for document in documents) != sorted(holders):
        raise ValidationFailed(f"Need exactly one sub-share from each holder {holders}.")
    index = _field(first, "index", int)
    subs, committed = _checked_sub_shares(documents, index)
    try:
        commitments = threshold.reshare_commitments(committed, count=_field(first, "count", int))
        share = threshold.reshare_combine(index, subs)
    except (voprf.VoprfError, RuntimeError, TypeError, ValueError) as error:
        raise ValidationFailed(f"The sub-shares do not combine: {error}") from None
    return _store_share(
        actor=actor,
        key_id=_field(first, "key_id", str),
        public_key=_hex(first, "public_key", voprf.ELEMENT_SIZE),
        threshold_count=_field(first, "threshold", int),
        share=share,
        commitments=commitments,
        action="oprf_share.reshare_imported",
    )


def key_share_deal(
    *, actor: Actor, ceremony: str, index: int, threshold_count: int, count: int
) -> list[dict[str, Any]]:
    """This trustee's part in generating a key jointly: one document per trustee (itself included), each
    to be sent to that trustee alone. The polynomial dealt is not kept; only the documents hold it."""
    if not ceremony.strip():
        raise ValidationFailed("Name the generation, so its documents are not mixed with another's.")
    if not 1 <= index <= count:
        raise ValidationFailed(f"This trustee's index must be between 1 and {count}.")
    try:
        sub_shares, committed = threshold.deal(threshold=threshold_count, count=count)
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
    audit_log(
        actor=actor,
        action="oprf_share.dealt",
        data={"ceremony": ceremony, "index": index, "threshold": threshold_count, "count": count,
              "coefficient_commitments": [element.hex() for element in committed]},
    )  # fmt: skip
    header = {"format": DEAL_FORMAT, "ceremony": ceremony, "from_index": index}
    return _sub_share_documents(header, threshold_count, sub_shares, committed)


def _sub_share_documents(
    header: dict[str, Any], threshold_count: int, sub_shares: list[threshold.Share], committed: list[bytes]
) -> list[dict[str, Any]]:
    """One document per receiving trustee: its sub-share and the dealer's coefficient commitments."""
    return [
        {
            **header,
            "threshold": threshold_count,
            "count": len(sub_shares),
            "index": sub.index,
            "secret": sub.secret.hex(),
            "coefficient_commitments": [element.hex() for element in committed],
        }
        for sub in sub_shares
    ]


def _one_batch(
    documents: Sequence[dict[str, Any]], kind: str, shape: tuple[str, ...], *, missing: str, mixed: str
) -> dict[str, Any]:
    """The first of documents that are all of `kind` and agree on every field of `shape`."""
    if not documents or any(document.get("format") != kind for document in documents):
        raise ValidationFailed(missing)
    first = documents[0]
    if any(any(document.get(field) != first.get(field) for field in shape) for document in documents):
        raise ValidationFailed(mixed)
    return first


def _checked_sub_shares(
    documents: Sequence[dict[str, Any]], index: int
) -> tuple[list[threshold.Share], list[list[bytes]]]:
    """The sub-shares sent to trustee `index`, each checked against its sender's coefficient commitments."""
    subs = [threshold.Share(index, _hex(document, "secret", voprf.SCALAR_SIZE)) for document in documents]
    try:
        committed = [
            [bytes.fromhex(element) for element in _field(document, "coefficient_commitments", list)]
            for document in documents
        ]
        for sub, coefficients, document in zip(subs, committed, documents, strict=True):
            if sub.commitment != threshold.feldman_commitment(coefficients, index):
                raise ValidationFailed(f"The sub-share from trustee {document['from_index']} fails its commitments.")
    except (voprf.VoprfError, RuntimeError, TypeError, ValueError) as error:
        raise ValidationFailed(f"The sub-shares do not combine: {error}") from None
    return subs, committed


@sensitive_variables()
@transaction.atomic
def key_share_import_generated(*, actor: Actor, documents: Sequence[dict[str, Any]]) -> KeyShare:
    """A trustee's share of a jointly generated key: the sum of the sub-shares every trustee dealt it.

    The key's public key and every trustee's commitment follow from the dealers' commitments; the hub
    adopts the key only if the commitments all trustees report lie on one polynomial through it.
    """
    first = _one_batch(
        documents,
        DEAL_FORMAT,
        ("ceremony", "threshold", "count", "index"),
        missing=f"Give every trustee's dealt document ({DEAL_FORMAT}).",
        mixed="The dealt documents are not from one generation for one trustee.",
    )
    count, threshold_count = _field(first, "count", int), _field(first, "threshold", int)
    if sorted(document.get("from_index") for document in documents) != list(range(1, count + 1)):
        raise ValidationFailed(f"Need exactly one dealt document from each of the {count} trustees.")
    if any(len(document.get("coefficient_commitments") or []) != threshold_count for document in documents):
        raise ValidationFailed(f"Each dealer must commit to a polynomial of degree {threshold_count - 1}.")
    index = _field(first, "index", int)
    subs, committed = _checked_sub_shares(documents, index)
    try:
        public_key = threshold.joint_public_key(committed)
        commitments = threshold.reshare_commitments(committed, count=count)
        share = threshold.reshare_combine(index, subs)
    except (voprf.VoprfError, RuntimeError, ValueError) as error:
        raise ValidationFailed(f"The dealt sub-shares do not combine: {error}") from None
    return _store_share(
        actor=actor,
        key_id=key_id_for(public_key),
        public_key=public_key,
        threshold_count=threshold_count,
        share=share,
        commitments=commitments,
        action="oprf_share.generated",
    )


@transaction.atomic
def key_share_retire(*, actor: Actor, key_id: str) -> KeyShare:
    """Stop evaluating with a share and erase it (a trustee leaving, or a key retired)."""
    stored = key_share_get(key_id=key_id)
    stored.retired_at = timezone.now()
    stored.secret_ciphertext = None
    stored.save(update_fields=["retired_at", "secret_ciphertext"])
    audit_log(actor=actor, action="oprf_share.retired", target=stored, data={"key_id": key_id, "index": stored.index})
    return stored
