"""Submitting, withdrawing and expiring reports; each change re-syncs the matches of its tokens."""

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from vigil_client.addresses import NAMESPACES

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import ValidationFailed
from apps.indicators.models import Category, Confidence, Report, ReportStatus
from apps.indicators.policy import POLICY_FIELDS, policy_clean, policy_merge, referenced_slugs
from apps.matching.locks import TokenPair, tokens_lock
from apps.matching.services import MatchChanges, matches_sync
from apps.oprf.selectors import usable_key_ids
from apps.organisations.models import Organisation
from apps.routing.services import notify_match_changes, notify_reports_corrected, notify_reports_ended

MAX_BATCH = 10_000
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


@dataclass(frozen=True)
class SubmitResult:
    reports: list[dict[str, Any]]
    created: int
    updated: int
    matches: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "matches": self.matches, "reports": self.reports}


def _validate(
    *, organisation: Organisation, items: list[dict[str, Any]], batch_policy: dict[str, Any]
) -> list[dict[str, Any]]:
    """Check every item and return the rows to store, or raise listing every bad item by index."""
    errors: list[dict[str, str]] = []
    keys = usable_key_ids()
    slugs = referenced_slugs(batch_policy, *(item.get("policy") for item in items))
    slugs_to_ids = dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "id"))
    seen: dict[TokenPair, int] = {}
    rows = []
    for index, item in enumerate(items):
        pointer = f"/items/{index}"
        token, key_id = item["token"], item["key_id"]
        if not TOKEN_PATTERN.fullmatch(token):
            errors.append({"pointer": f"{pointer}/token", "detail": "must be 64 lowercase hex characters"})
        if key_id not in keys:
            errors.append({"pointer": f"{pointer}/key_id", "detail": f"unknown or retired key id {key_id!r}"})
        for name, choices in (
            ("namespace", NAMESPACES),
            ("category", Category.values),
            ("confidence", Confidence.values),
        ):
            if item.get(name, _ITEM_DEFAULTS[name]) not in choices:
                errors.append({"pointer": f"{pointer}/{name}", "detail": f"must be one of {', '.join(choices)}"})
        if item.get("first_seen") and item.get("last_seen") and item["first_seen"] > item["last_seen"]:
            errors.append({"pointer": f"{pointer}/last_seen", "detail": "must not be before first_seen"})
        if (item.get("value_amount") is None) != (not item.get("value_currency")):
            errors.append(
                {"pointer": f"{pointer}/value_currency", "detail": "give value_amount and value_currency together"}
            )
        if (key_id, token) in seen:
            errors.append({"pointer": f"{pointer}/token", "detail": f"repeats item {seen[(key_id, token)]}"})
        seen.setdefault((key_id, token), index)
        policy = policy_clean(
            policy_merge(organisation.default_policy, batch_policy, item.get("policy")), slugs_to_ids=slugs_to_ids
        )
        errors += [{"pointer": f"{pointer}/policy/{name}", "detail": message} for name, message in policy.errors]
        rows.append(
            {
                "token": token,
                "key_id": key_id,
                **{name: item.get(name, default) for name, default in _ITEM_DEFAULTS.items()},
                **{name: getattr(policy, name) for name in POLICY_FIELDS},
            }
        )
    if errors:
        bad_items = {error["pointer"].split("/")[2] for error in errors}
        raise ValidationFailed(f"{len(bad_items)} item(s) are invalid; nothing was stored.", errors=errors)
    return rows


@transaction.atomic
def report_submit(*, actor: Actor, items: list[dict[str, Any]], policy: dict[str, Any] | None = None) -> SubmitResult:
    """Store a batch all-or-nothing; re-reporting a token updates the organisation's own report."""
    organisation = actor.organisation
    if organisation is None:
        raise ValidationFailed("Reports are made by an organisation.")
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValidationFailed(f"Send between 1 and {MAX_BATCH} items; got {len(items)}.")
    rows = _validate(organisation=organisation, items=items, batch_policy=policy or {})
    pairs = [(row["key_id"], row["token"]) for row in rows]
    tokens_lock(pairs)
    now = timezone.now()
    existing = set(
        Report.objects.filter(
            organisation=organisation, key_id__in={k for k, _ in pairs}, token__in={t for _, t in pairs}
        ).values_list("key_id", "token")
    )
    Report.objects.bulk_create(
        [
            Report(organisation=organisation, **row, status=ReportStatus.ACTIVE, created_at=now, updated_at=now)
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["organisation", "key_id", "token"],
        update_fields=[*_ITEM_FIELDS, *POLICY_FIELDS, "status", "updated_at", "ended_at"],
    )
    stored = Report.objects.filter(
        organisation=organisation, key_id__in={k for k, _ in pairs}, token__in={t for _, t in pairs}
    )
    ids = {(key_id, token): pk for pk, key_id, token in stored.values_list("id", "key_id", "token")}
    changes = matches_sync(actor=actor, pairs=pairs)
    notify_match_changes(changes=changes)
    notify_reports_corrected(report_ids=[ids[pair] for pair in pairs if pair in existing])
    updated = sum(1 for pair in pairs if pair in existing)
    audit_log(
        actor=actor,
        action="report.submitted",
        data={"created": len(pairs) - updated, "updated": updated, "matches": changes.summary()},
    )
    return SubmitResult(
        reports=[
            {"index": index, "id": ids[pair], "token": pair[1], "result": "updated" if pair in existing else "created"}
            for index, pair in enumerate(pairs)
        ],
        created=len(pairs) - updated,
        updated=updated,
        matches=changes.summary(),
    )


def _end(*, actor: Actor, reports: list[Report], status: str, action: str) -> MatchChanges:
    pairs = [(report.key_id, report.token) for report in reports]
    tokens_lock(pairs)
    now = timezone.now()
    ended = Report.objects.filter(pk__in=[report.pk for report in reports], status=ReportStatus.ACTIVE)
    ended_ids = list(ended.values_list("id", flat=True))
    ended.update(status=status, ended_at=now, updated_at=now)
    changes = matches_sync(actor=actor, pairs=pairs)
    notify_reports_ended(report_ids=ended_ids, reason=status)
    if ended_ids:
        audit_log(
            actor=actor,
            action=action,
            organisation_id=reports[0].organisation_id,
            data={"reports": ended_ids[:1000], "count": len(ended_ids), "matches": changes.summary()},
        )
    return changes


@transaction.atomic
def report_withdraw(*, actor: Actor, reports: list[Report]) -> int:
    """Withdraw the caller's own reports; withdrawing a withdrawn report changes nothing."""
    active = [report for report in reports if report.status == ReportStatus.ACTIVE]
    if active:
        _end(actor=actor, reports=active, status=ReportStatus.WITHDRAWN, action="report.withdrawn")
    return len(active)


@transaction.atomic
def reports_expire(*, actor: Actor, limit: int = MAX_BATCH) -> int:
    """Expire reports past their expiry (daily beat job); one batch per call, oldest first."""
    due = list(
        Report.objects.select_for_update(skip_locked=True)
        .filter(status=ReportStatus.ACTIVE, expires_at__lte=timezone.now())
        .order_by("expires_at")[:limit]
    )
    by_organisation: dict[int, list[Report]] = {}
    for report in due:
        by_organisation.setdefault(report.organisation_id, []).append(report)
    for reports in by_organisation.values():
        _end(actor=actor, reports=reports, status=ReportStatus.EXPIRED, action="report.expired")
    return len(due)
