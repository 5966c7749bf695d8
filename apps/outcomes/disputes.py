"""Disputes: a participant says a counterpart's report is wrong; the reporter confirms, corrects or
withdraws it before the deadline, or the dispute closes undefended and screening marks the report.

A dispute is made in the open: only a participant the reporter can see may dispute, so a silent
watch-list never shows itself by disputing. Who else hears the result follows `dispute_visible_to`.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import SYSTEM, Actor
from apps.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from apps.common.public_ids import internal_id, public_id
from apps.indicators.models import Report, ReportStatus
from apps.matching.models import MatchParticipant, ToldAbout
from apps.matching.reporting import report_submit, report_withdraw
from apps.matching.visibility import may_see, participant_handle
from apps.organisations.models import Organisation
from apps.outcomes.models import Dispute, DisputeState
from apps.outcomes.selectors import UNDEFENDED_REPORT_IDS, dispute_view, dispute_visible_to
from apps.routing.models import Event, Notification
from apps.routing.services import deliver_notifications

RESOLUTIONS = (DisputeState.CONFIRMED, DisputeState.CORRECTED, DisputeState.WITHDRAWN)


def _notify(recipients: list[Organisation], event: str, dispute: Dispute) -> None:
    notifications = [
        Notification(
            organisation=recipient,
            event=event,
            match_id=dispute.match_id,
            token=dispute.token,
            payload=dispute_view(dispute, recipient),
        )
        for recipient in recipients
    ]
    Notification.objects.bulk_create(notifications)
    deliver_notifications(notifications)


@transaction.atomic
def dispute_open(*, actor: Actor, match_id: str, participant: str, reason: str) -> Dispute:
    """Dispute the report the disputer knows as `participant` in match `match_id` (public ids)."""
    disputer = actor.organisation
    if not reason.strip():
        raise ValidationFailed("Say why the report is wrong.", errors=[{"pointer": "/reason", "detail": "required"}])
    match_pk = internal_id("match", match_id)
    rows = list(MatchParticipant.objects.filter(match_id=match_pk, active=True).select_related("report__organisation"))
    own = next((row for row in rows if row.organisation_id == disputer.pk), None)
    target = next((row for row in rows if participant_handle(row.report_id, disputer.pk) == participant), None)
    if own is None or target is None or target.organisation_id == disputer.pk or not may_see(target.report, disputer):
        raise NotFound("No counterpart with that participant id in a match of yours.")
    if not may_see(own.report, target.report.organisation):
        raise Conflict(
            "Your report is hidden from this reporter (silent, or outside its audience), so it could not answer; "
            "disputes are made in the open."
        )
    if Dispute.objects.filter(disputer=disputer, report=target.report, state=DisputeState.OPEN).exists():
        raise Conflict("You already have an open dispute of this report.")
    dispute = Dispute.objects.create(
        match_id=match_pk,
        token=target.token,
        disputer=disputer,
        disputer_report=own.report,
        report=target.report,
        reason=reason.strip(),
        deadline=timezone.now() + timedelta(days=settings.VIGIL_DISPUTE_DAYS),
    )
    audit_log(actor=actor, action="dispute.opened", target=dispute, data={"match": match_id})
    reporter = target.report.organisation
    audit_log(actor=actor, action="dispute.received", organisation_id=reporter.pk, target=dispute,
              data={"report": public_id("report", target.report_id)})  # fmt: skip
    _notify([reporter], Event.DISPUTE_OPENED, dispute)
    return dispute


def _correction(report: Report, category: str) -> dict[str, Any]:
    """The report again, as one item with its own policy, only the category changed: a re-report is how a
    report is corrected, so nothing else may silently reset."""
    slugs = dict(
        Organisation.objects.filter(pk__in=[*report.audience_include, *report.audience_exclude]).values_list(
            "id", "slug"
        )
    )
    return {
        "token": report.token,
        "key_id": report.key_id,
        "namespace": report.namespace,
        "category": category,
        "confidence": report.confidence,
        "first_seen": report.first_seen,
        "last_seen": report.last_seen,
        "value_amount": report.value_amount,
        "value_currency": report.value_currency,
        "reference": report.reference,
        "policy": {
            "visibility": report.visibility,
            "tlp": report.tlp,
            "audience_sectors": report.audience_sectors,
            "audience_include": [slugs[pk] for pk in report.audience_include if pk in slugs],
            "audience_exclude": [slugs[pk] for pk in report.audience_exclude if pk in slugs],
            "expires_at": report.expires_at,
            "sighting_alerts": report.sighting_alerts,
        },
    }


def _told_of_result(dispute: Dispute, *, reporter_too: bool) -> list[Organisation]:
    """The disputer (and the reporter, when it did not act itself), then everyone told of the report
    who may know of the dispute. Read before a withdrawal forgets who was told."""
    told = [row.recipient for row in ToldAbout.objects.filter(report=dispute.report).select_related("recipient")]
    parties = [dispute.disputer, *([dispute.report.organisation] if reporter_too else [])]
    skip = {dispute.disputer_id, dispute.report.organisation_id}
    return parties + [org for org in told if org.pk not in skip and dispute_visible_to(dispute, org)]


@transaction.atomic
def dispute_resolve(
    *, actor: Actor, dispute: Dispute, resolution: str, response: str = "", category: str = ""
) -> Dispute:
    """The reporter answers: confirms its report, corrects it (a new category) or withdraws it."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("report__organisation", "disputer", "disputer_report__organisation")
        .get(pk=dispute.pk)
    )
    if dispute.report.organisation_id != actor.organisation.pk:
        raise PermissionRefused("Only the disputed report's organisation answers a dispute.")
    if resolution not in RESOLUTIONS:
        known = ", ".join(RESOLUTIONS)
        raise ValidationFailed(
            f"resolution must be one of {known}.", errors=[{"pointer": "/resolution", "detail": known}]
        )
    if dispute.state != DisputeState.OPEN:
        raise Conflict(f"This dispute is {dispute.state}.")
    if dispute.deadline <= timezone.now():
        raise Conflict("The deadline has passed.")
    report = dispute.report
    recipients = _told_of_result(dispute, reporter_too=False)
    if resolution == DisputeState.CORRECTED and (not category or category == report.category):
        raise ValidationFailed(
            "A correction gives the report's new category.", errors=[{"pointer": "/category", "detail": "required"}]
        )
    if resolution != DisputeState.CORRECTED and category:
        raise ValidationFailed(
            "Only a correction changes the category.",
            errors=[{"pointer": "/category", "detail": "only with corrected"}],
        )
    if report.status != ReportStatus.ACTIVE:
        raise Conflict("The disputed report no longer stands.")
    if resolution == DisputeState.CORRECTED:
        report_submit(actor=actor, items=[_correction(report, category)])
    elif resolution == DisputeState.WITHDRAWN:
        report_withdraw(actor=actor, reports=[report])
    dispute.state, dispute.response, dispute.resolved_at = resolution, response.strip(), timezone.now()
    dispute.save(update_fields=["state", "response", "resolved_at"])
    dispute.report.refresh_from_db()
    for organisation_id in (dispute.report.organisation_id, dispute.disputer_id):
        audit_log(actor=actor, action=f"dispute.{resolution}", organisation_id=organisation_id, target=dispute)
    _notify(recipients, Event.DISPUTE_RESOLVED, dispute)
    return dispute


@transaction.atomic
def disputes_close_undefended() -> int:
    """Close every open dispute past its deadline as undefended: screening marks its report from now on."""
    due = list(
        Dispute.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("report__organisation", "disputer", "disputer_report__organisation")
        .filter(state=DisputeState.OPEN, deadline__lte=timezone.now())
    )
    for dispute in due:
        # A report its reporter withdrew meanwhile (or that expired) was not left standing undefended.
        standing = dispute.report.status == ReportStatus.ACTIVE
        dispute.state = DisputeState.UNDEFENDED if standing else DisputeState.WITHDRAWN
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["state", "resolved_at"])
        UNDEFENDED_REPORT_IDS.forget()
        for organisation_id in (dispute.report.organisation_id, dispute.disputer_id):
            audit_log(actor=SYSTEM, action=f"dispute.{dispute.state}", organisation_id=organisation_id, target=dispute)
        _notify(_told_of_result(dispute, reporter_too=True), Event.DISPUTE_RESOLVED, dispute)
    return len(due)
