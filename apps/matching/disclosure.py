"""Disclosure requests: asking an anonymous counterpart who it is, and its answer.

Asking reveals the requester to the counterpart (a legal basis is weighed knowing who asks).
Approval reveals each side's contacts and the optional case note to the two of them alone.
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
from apps.common.ratelimit import rate_consume
from apps.indicators.models import ReportStatus, Visibility
from apps.matching.models import DisclosureRequest, DisclosureStatus, LegalBasis, MatchParticipant
from apps.matching.visibility import may_see, participant_handle
from apps.organisations.models import Organisation
from apps.routing.models import Event, Notification
from apps.routing.services import deliver_notifications


def _identity(organisation: Organisation) -> dict[str, Any]:
    return {"name": organisation.name, "slug": organisation.slug, "sector": organisation.sector,
            "jurisdiction": organisation.jurisdiction}  # fmt: skip


def _contacts(organisation: Organisation) -> dict[str, Any]:
    return {
        **_identity(organisation),
        "contact_name": organisation.contact_name,
        "contact_email": organisation.contact_email,
        "contact_phone": organisation.contact_phone,
    }


def disclosure_view(request: DisclosureRequest, viewer: Organisation) -> dict[str, Any]:
    """The request as one of its two parties sees it; contacts only once approved."""
    incoming = request.target_id == viewer.pk
    view: dict[str, Any] = {
        "id": public_id("disclosure", request.pk),
        "direction": "incoming" if incoming else "outgoing",
        "match": public_id("match", request.match_id),
        # The requester names the counterpart by its own handle; the one asked sees its own report.
        "participant": participant_handle(request.target_report_id, request.requester_id) if not incoming else None,
        "report": public_id("report", request.target_report_id) if incoming else None,
        "legal_basis": request.legal_basis,
        "message": request.message,
        "status": request.status,
        "answer_reason": request.answer_reason,
        "created_at": request.created_at,
        "expires_at": request.expires_at,
        "answered_at": request.answered_at,
    }
    if incoming:
        view["requester"] = _identity(request.requester)
    if request.status == DisclosureStatus.APPROVED:
        view["requester"] = _contacts(request.requester)
        view["counterpart"] = _contacts(request.target)
        view["case_note"] = request.case_note
    return view


def _notify(organisation: Organisation, event: str, request: DisclosureRequest) -> None:
    notification = Notification.objects.create(
        organisation=organisation,
        event=event,
        match_id=request.match_id,
        token=request.token,
        payload=disclosure_view(request, organisation),
    )
    deliver_notifications([notification])


@transaction.atomic
def disclosure_request(
    *, actor: Actor, match_id: str, participant: str, legal_basis: str, message: str
) -> DisclosureRequest:
    """Ask the anonymous counterpart the requester knows as `participant` in match `match_id` (public ids)."""
    requester = actor.organisation
    if legal_basis not in LegalBasis.values:
        raise ValidationFailed(f"legal_basis must be one of {', '.join(LegalBasis.values)}.")
    if not message.strip():
        raise ValidationFailed("Say why you ask: message must not be empty.")
    match_pk = internal_id("match", match_id)
    own = MatchParticipant.objects.filter(match_id=match_pk, organisation=requester, active=True).exists()
    target = next(
        (
            candidate
            for candidate in MatchParticipant.objects.filter(match_id=match_pk, active=True).select_related(
                "report__organisation"
            )
            if participant_handle(candidate.report_id, requester.pk) == participant
        ),
        None,
    )
    # Only an anonymous counterpart the requester can actually see may be asked; anything else
    # is answered as if it did not exist.
    if (
        not own
        or target is None
        or target.organisation_id == requester.pk
        or target.report.visibility != Visibility.ANONYMOUS
        or target.report.status != ReportStatus.ACTIVE
        or not may_see(target.report, requester)
    ):
        raise NotFound("No anonymous counterpart with that participant id in a match of yours.")
    if DisclosureRequest.objects.filter(
        requester=requester, target_report=target.report, status=DisclosureStatus.PENDING
    ).exists():
        raise Conflict("You already have a pending request to this counterpart.")
    # Metered here, not in one front end: the API and the portal draw on one count per organisation.
    rate_consume(key=f"disclosure:org-{requester.pk}", rate=settings.VIGIL_DISCLOSURE_RATE, what="disclosure requests")
    request = DisclosureRequest.objects.create(
        match_id=match_pk,
        token=target.token,
        requester=requester,
        target_report=target.report,
        target=target.report.organisation,
        legal_basis=legal_basis,
        message=message.strip(),
        expires_at=timezone.now() + timedelta(days=settings.VIGIL_DISCLOSURE_EXPIRY_DAYS),
    )
    audit_log(actor=actor, action="disclosure.requested", target=request,
              data={"match": match_id, "legal_basis": legal_basis})  # fmt: skip
    audit_log(actor=actor, action="disclosure.received", organisation_id=request.target_id, target=request)
    _notify(request.target, Event.DISCLOSURE_REQUESTED, request)
    return request


@transaction.atomic
def disclosure_answer(
    *, actor: Actor, request: DisclosureRequest, approve: bool, reason: str = "", case_note: str = ""
) -> DisclosureRequest:
    request = DisclosureRequest.objects.select_for_update().select_related("requester", "target").get(pk=request.pk)
    if request.target_id != actor.organisation.pk:
        raise PermissionRefused("Only the organisation asked can answer.")
    if request.status != DisclosureStatus.PENDING:
        raise Conflict(f"This request is {request.status}.")
    if request.expires_at <= timezone.now():
        raise Conflict("This request has expired.")
    if not approve and not reason.strip():
        raise ValidationFailed("Give a reason for refusing.")
    request.status = DisclosureStatus.APPROVED if approve else DisclosureStatus.REFUSED
    request.answer_reason = reason.strip()
    request.case_note = case_note.strip() if approve else ""
    request.answered_at = timezone.now()
    request.save(update_fields=["status", "answer_reason", "case_note", "answered_at"])
    for organisation_id in (request.target_id, request.requester_id):
        audit_log(actor=actor, action=f"disclosure.{request.status}", organisation_id=organisation_id, target=request)
    _notify(request.requester, Event.DISCLOSURE_ANSWERED, request)
    return request


@transaction.atomic
def disclosures_expire() -> int:
    due = list(
        DisclosureRequest.objects.select_for_update(skip_locked=True)
        .select_related("requester", "target")
        .filter(status=DisclosureStatus.PENDING, expires_at__lte=timezone.now())
    )
    for request in due:
        request.status = DisclosureStatus.EXPIRED
        request.save(update_fields=["status"])
        audit_log(actor=SYSTEM, action="disclosure.expired", organisation_id=request.requester_id, target=request)
        _notify(request.requester, Event.DISCLOSURE_ANSWERED, request)
    return len(due)
