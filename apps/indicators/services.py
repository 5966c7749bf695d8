"""Validating, storing and ending reports. Keeping matches in step with them is matching's work."""

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from vigil_client.contract import NAMESPACES, REPORT_BATCH_MAX

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import ValidationFailed
from apps.indicators.models import Category, Confidence, Report, ReportStatus
from apps.indicators.policy import HUB_DEFAULTS, POLICY_FIELDS, policy_clean, policy_merge, referenced_slugs
from apps.indicators.selectors import TokenPair, token_reporters
from apps.indicators.upsert import reports_insert, reports_upsert
from apps.oprf.selectors import usable_key_ids
from apps.organisations.models import Organisation, OrganisationStatus

MAX_BATCH = REPORT_BATCH_MAX
TOKEN_PATTERN = re.compile(r"[0-9a-f]{64}")
# Item fields stored as given, with the value used when an item leaves one out.
_ITEM_DEFAULTS: dict[str, Any] = {
    "namespace": None,
    "category": None,
    "confidence": Confidence.MEDIUM,
    "first_seen": None,
    "last_seen": None,
    "value_amount": None,
    "value_currency": "",
    "reference": "",
}
_ITEM_FIELDS = tuple(_ITEM_DEFAULTS)
_CHOICES = {"namespace": NAMESPACES, "category": tuple(Category.values), "confidence": tuple(Confidence.values)}


def reports_validate(
    *, organisation: Organisation, items: list[dict[str, Any]], batch_policy: dict[str, Any]
) -> list[dict[str, Any]]:
    """Check every item and return the rows to store, or raise listing every bad item by index."""
    keys = usable_key_ids()
    slugs = referenced_slugs(batch_policy, *(item.get("policy") for item in items))
    # Only active members can be named: a pending or suspended one answers as unknown, like a made-up slug.
    active = Organisation.objects.filter(slug__in=slugs, status=OrganisationStatus.ACTIVE)
    slugs_to_ids = dict(active.values_list("slug", "id"))
    now = timezone.now()
    # Most batches give one policy for every item: clean it once, not once per item.
    batch_clean = policy_clean(
        policy_merge(organisation.default_policy, batch_policy), slugs_to_ids=slugs_to_ids, now=now
    )
    policies = [
        policy_clean(
            policy_merge(organisation.default_policy, batch_policy, item["policy"]), slugs_to_ids=slugs_to_ids, now=now
        )
        if item.get("policy")
        else batch_clean
        for item in items
    ]
    # A valid batch passes each check as a whole; only a failing one is gone through item by item to say where.
    if not _items_valid(items, keys) or any(policy.errors for policy in policies):
        _raise_item_errors(items, keys, policies)
    # Items without a policy of their own share the batch's fields, read off it once.
    distinct = {id(policy): policy for policy in policies}
    fields_of = {key: {name: getattr(policy, name) for name in POLICY_FIELDS} for key, policy in distinct.items()}
    return [
        {
            "token": item["token"],
            "key_id": item["key_id"],
            **{name: item.get(name, default) for name, default in _ITEM_DEFAULTS.items()},
            **fields_of[id(policy)],
        }
        for item, policy in zip(items, policies, strict=True)
    ]


def _items_valid(items: list[dict[str, Any]], keys: set[str]) -> bool:
    pairs = [(item["key_id"], item["token"]) for item in items]
    return (
        all(map(TOKEN_PATTERN.fullmatch, (token for _, token in pairs)))
        and {key_id for key_id, _ in pairs} <= keys
        and all(item.get(name, _ITEM_DEFAULTS[name]) in choices for name, choices in _CHOICES.items() for item in items)
        and not any(item["first_seen"] > item["last_seen"] for item in items if _dated(item))
        and all((item.get("value_amount") is None) == (not item.get("value_currency")) for item in items)
        and len(set(pairs)) == len(pairs)
    )


def _dated(item: dict[str, Any]) -> bool:
    return bool(item.get("first_seen") and item.get("last_seen"))


def _raise_item_errors(items: list[dict[str, Any]], keys: set[str], policies: list[Any]) -> None:
    errors: list[dict[str, str]] = []
    seen: dict[TokenPair, int] = {}
    for index, (item, policy) in enumerate(zip(items, policies, strict=True)):
        pointer = f"/items/{index}"
        token, key_id = item["token"], item["key_id"]
        if not TOKEN_PATTERN.fullmatch(token):
            errors.append({"pointer": f"{pointer}/token", "detail": "must be 64 lowercase hex characters"})
        if key_id not in keys:
            errors.append({"pointer": f"{pointer}/key_id", "detail": f"unknown or retired key id {key_id!r}"})
        for name, choices in _CHOICES.items():
            if item.get(name, _ITEM_DEFAULTS[name]) not in choices:
                errors.append({"pointer": f"{pointer}/{name}", "detail": f"must be one of {', '.join(choices)}"})
        if _dated(item) and item["first_seen"] > item["last_seen"]:
            errors.append({"pointer": f"{pointer}/last_seen", "detail": "must not be before first_seen"})
        if (item.get("value_amount") is None) != (not item.get("value_currency")):
            errors.append(
                {"pointer": f"{pointer}/value_currency", "detail": "give value_amount and value_currency together"}
            )
        if (key_id, token) in seen:
            errors.append({"pointer": f"{pointer}/token", "detail": f"repeats item {seen[(key_id, token)]}"})
        seen.setdefault((key_id, token), index)
        errors += [{"pointer": f"{pointer}/policy/{name}", "detail": message} for name, message in policy.errors]
    bad_items = {error["pointer"].split("/")[2] for error in errors}
    raise ValidationFailed(f"{len(bad_items)} item(s) are invalid; nothing was stored.", errors=errors)


@dataclass(frozen=True)
class Stored:
    ids: dict[TokenPair, int]  # each token's report id
    existing: set[TokenPair]  # tokens the organisation had already reported
    elsewhere: set[TokenPair]  # tokens other organisations have reported too, in any status


def reports_store(*, organisation: Organisation, rows: list[dict[str, Any]]) -> Stored:
    """Upsert validated rows as the organisation's active reports.

    Call with the tokens' locks held. One read of everyone's reports of these tokens, before writing,
    tells the organisation's own earlier reports apart and which tokens can have a match, so matching
    need not probe the token index for the whole batch again.
    """
    pairs = [(row["key_id"], row["token"]) for row in rows]
    now = timezone.now()
    reporters = token_reporters(pairs)
    before = {pair: by_org[organisation.pk] for pair, by_org in reporters.items() if organisation.pk in by_org}
    existing = set(before)
    elsewhere = {pair for pair, by_org in reporters.items() if by_org.keys() - {organisation.pk}}
    update_fields = [*_ITEM_FIELDS, *POLICY_FIELDS, "status", "updated_at", "ended_at"]
    if connection.vendor == "postgresql":
        fresh = [row for row in rows if (row["key_id"], row["token"]) not in existing]
        again = [row for row in rows if (row["key_id"], row["token"]) in existing]
        ids = reports_insert(organisation_id=organisation.pk, rows=fresh, now=now) if fresh else {}
        if again:
            ids |= reports_upsert(organisation_id=organisation.pk, rows=again, update_fields=update_fields, now=now)
        return Stored(ids, existing, elsewhere)
    Report.objects.bulk_create(
        [
            Report(
                organisation=organisation,
                **row,
                status=ReportStatus.ACTIVE,
                created_at=now,
                updated_at=now,
                active_since=now,
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["organisation", "key_id", "token"],
        update_fields=update_fields,
    )
    mine = Report.objects.filter(
        organisation=organisation, key_id__in={k for k, _ in pairs}, token__any={t for _, t in pairs}
    )
    ids = {(key_id, token): pk for pk, key_id, token in mine.values_list("id", "key_id", "token")}
    revived = [ids[pair] for pair in pairs if before.get(pair, ReportStatus.ACTIVE) != ReportStatus.ACTIVE]
    Report.objects.filter(pk__in=revived).update(active_since=now)
    return Stored(ids, existing, elsewhere)


def reports_end(*, reports: list[Report], status: str) -> list[int]:
    """Mark the still-active ones of these reports withdrawn or expired; returns the ids that ended."""
    now = timezone.now()
    ended = Report.objects.filter(pk__in=[report.pk for report in reports], status=ReportStatus.ACTIVE)
    ended_ids = list(ended.values_list("id", flat=True))
    ended.update(status=status, ended_at=now, updated_at=now)
    return ended_ids


def reports_due_for_expiry(*, limit: int = MAX_BATCH) -> list[Report]:
    """Active reports past their expiry, oldest first, locked for this transaction (others skip them)."""
    return list(
        Report.objects.select_for_update(skip_locked=True)
        .filter(status=ReportStatus.ACTIVE, expires_at__lte=timezone.now())
        .order_by("expires_at")[:limit]
    )


DEFAULT_POLICY_FIELDS = ("visibility", "tlp", "audience_sectors", "sighting_alerts")


@transaction.atomic
def organisation_default_policy_set(
    *, actor: Actor, organisation: Organisation, policy: dict[str, Any]
) -> dict[str, Any]:
    """Set the sharing-policy defaults the organisation's new reports start from; audited with old and new."""
    unknown = set(policy) - set(DEFAULT_POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Cannot set {', '.join(sorted(unknown))} as a default.")
    clean = policy_clean(policy_merge(policy), slugs_to_ids={})
    if clean.errors:
        raise ValidationFailed(
            "The default policy is invalid.",
            errors=[{"pointer": f"/{name}", "detail": message} for name, message in clean.errors],
        )
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    new = {name: getattr(clean, name) for name in DEFAULT_POLICY_FIELDS}
    previous = {name: current.default_policy.get(name, HUB_DEFAULTS[name]) for name in DEFAULT_POLICY_FIELDS}
    if new != current.default_policy:
        current.default_policy = new
        current.save(update_fields=["default_policy"])
        audit_log(
            actor=actor,
            action="organisation.default_policy_set",
            organisation_id=current.pk,
            data={"from": previous, "to": new},
        )
    organisation.default_policy = new
    return new
