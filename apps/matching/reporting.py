"""Reporting: store a batch, withdraw or expire reports, and keep matches and who-is-told in step,
all in one transaction so a report never stands without its matches."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import ValidationFailed
from apps.common.public_ids import public_id, public_ids
from apps.indicators.models import Report, ReportStatus
from apps.indicators.services import MAX_BATCH, reports_due_for_expiry, reports_end, reports_store, reports_validate
from apps.matching.locks import tokens_lock
from apps.matching.notify import notify_match_changes, notify_reports_corrected, notify_reports_ended
from apps.matching.selectors import matched_pairs_visible_to
from apps.matching.sync import matches_sync


@dataclass(frozen=True)
class SubmitResult:
    reports: list[dict[str, Any]]
    created: int
    updated: int
    matched: int  # tokens of the batch now in a match the caller can see; hidden reports never count

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "matched": self.matched, "reports": self.reports}


@transaction.atomic
def report_submit(*, actor: Actor, items: list[dict[str, Any]], policy: dict[str, Any] | None = None) -> SubmitResult:
    """Store a batch all-or-nothing; re-reporting a token updates the organisation's own report.

    What the caller hears back (and what its audit event says) is computed from the matches it may
    see: a token reported only by silent or out-of-audience members answers exactly as a fresh one.
    """
    organisation = actor.organisation
    if organisation is None:
        raise ValidationFailed("Reports are made by an organisation.")
    if not 1 <= len(items) <= MAX_BATCH:
        raise ValidationFailed(f"Send between 1 and {MAX_BATCH} items; got {len(items)}.")
    rows = reports_validate(organisation=organisation, items=items, batch_policy=policy or {})
    pairs = [(row["key_id"], row["token"]) for row in rows]
    tokens_lock(pairs)
    stored = reports_store(organisation=organisation, rows=rows)
    ids, existing = stored.ids, stored.existing
    # Every token now has the caller's report: those another organisation reported too have two.
    changes = matches_sync(actor=actor, pairs=pairs, reported_twice=stored.elsewhere)
    notify_match_changes(changes=changes)
    notify_reports_corrected(report_ids=[ids[pair] for pair in pairs if pair in existing])
    # Only tokens with a match can be in one the caller sees.
    matched = matched_pairs_visible_to(organisation=organisation, pairs=changes.matched)
    updated = sum(1 for pair in pairs if pair in existing)
    audit_log(
        actor=actor,
        action="report.submitted",
        data={"created": len(pairs) - updated, "updated": updated, "matched": len(matched)},
    )
    report_ids = public_ids("report", [ids[pair] for pair in pairs])
    return SubmitResult(
        reports=[
            {
                "index": index,
                "id": report_id,
                "token": pair[1],
                "result": "updated" if pair in existing else "created",
                "matched": pair in matched,
            }
            for index, (pair, report_id) in enumerate(zip(pairs, report_ids, strict=True))
        ],
        created=len(pairs) - updated,
        updated=updated,
        matched=len(matched),
    )


def _end(*, actor: Actor, reports: list[Report], status: str, action: str) -> None:
    pairs = [(report.key_id, report.token) for report in reports]
    tokens_lock(pairs)
    ended_ids = reports_end(reports=reports, status=status)
    matches_sync(actor=actor, pairs=pairs)
    notify_reports_ended(report_ids=ended_ids, reason=status)
    if ended_ids:
        audit_log(
            actor=actor,
            action=action,
            organisation_id=reports[0].organisation_id,
            data={"reports": [public_id("report", pk) for pk in ended_ids[:1000]], "count": len(ended_ids)},
        )


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
    due = reports_due_for_expiry(limit=limit)
    by_organisation: dict[int, list[Report]] = {}
    for report in due:
        by_organisation.setdefault(report.organisation_id, []).append(report)
    for reports in by_organisation.values():
        _end(actor=actor, reports=reports, status=ReportStatus.EXPIRED, action="report.expired")
    return len(due)
