"""Reviews and disputes as the calling organisation may see them.

A counterpart's outcome shows only where its report is visible to the viewer (so never a silent
reporter's), as that report's policy allows: an anonymous counterpart by sector and jurisdiction.
A dispute exists for a viewer only if it is one of its two parties, or may see both the disputed
report and the disputer's: otherwise its mere existence would tell of a reporter the viewer cannot see.
"""

from typing import Any

from django.db.models import QuerySet

from apps.common.errors import NotFound
from apps.common.memo import Memo
from apps.common.public_ids import internal_id, public_id
from apps.matching.selectors import match_with_participants, visible_counterparts
from apps.matching.visibility import counterpart_view, may_see, participant_handle
from apps.organisations.models import Organisation
from apps.outcomes.models import Dispute, DisputeState, Review


def review_list_for(*, organisation: Organisation) -> QuerySet[Review]:
    return Review.objects.filter(organisation=organisation).order_by("-id")


def review_get_for(*, organisation: Organisation, match_id: str) -> Review:
    review = review_list_for(organisation=organisation).filter(match_id=internal_id("match", match_id)).first()
    if review is None:
        raise NotFound("No review of that match for your organisation.")
    return review


def review_find_for(*, organisation: Organisation, match_id: str) -> Review | None:
    """The organisation's review of a match, or None while it has not been told of it (a quarantine)."""
    return review_list_for(organisation=organisation).filter(match_id=internal_id("match", match_id)).first()


def _outcome(review: Review) -> dict[str, Any]:
    return {
        "outcome": review.outcome or None,
        # A decimal string, as exact as recorded.
        "amount": None if review.amount is None else format(review.amount, "f"),
        "currency": review.currency,
        "reason": review.reason,
        "recorded_at": review.recorded_at,
    }


def review_view(review: Review, viewer: Organisation) -> dict[str, Any]:
    """The organisation's own review in full, with the outcomes of the counterparts it may see."""
    match = match_with_participants().get(pk=review.match_id)
    visible = visible_counterparts(match, viewer)
    theirs = {
        other.organisation_id: other
        for other in Review.objects.filter(match=match, organisation__in=[p.organisation_id for p in visible])
        if not other.is_open
    }
    counterparts = [
        {**counterpart_view(participant.report, viewer).as_dict(), **_outcome(theirs[participant.organisation_id])}
        for participant in visible
        if participant.organisation_id in theirs
    ]
    return {
        "id": public_id("review", review.pk),
        "match": public_id("match", review.match_id),
        "status": "open" if review.is_open else "recorded",
        **_outcome(review),
        "note": review.note,
        "opened_at": review.opened_at,
        "updated_at": review.updated_at,
        "counterparts": counterparts,
        "disputes": [
            dispute_view(dispute, viewer)
            for dispute in dispute_candidates_for(organisation=viewer).filter(match_id=review.match_id)
            if dispute_visible_to(dispute, viewer)
        ],
    }


def dispute_visible_to(dispute: Dispute, viewer: Organisation) -> bool:
    if viewer.pk in (dispute.disputer_id, dispute.report.organisation_id):
        return True
    return may_see(dispute.report, viewer) and may_see(dispute.disputer_report, viewer)


def dispute_candidates_for(*, organisation: Organisation) -> QuerySet[Dispute]:
    """Disputes in matches the organisation takes part in; `dispute_visible_to` decides each."""
    return (
        Dispute.objects.filter(match__participants__organisation=organisation)
        .select_related("report__organisation", "disputer_report__organisation", "disputer")
        .distinct()
        .order_by("-id")
    )


def dispute_list_for(*, organisation: Organisation) -> list[Dispute]:
    """Disputes the organisation made or whose report was disputed."""
    return [
        dispute
        for dispute in dispute_candidates_for(organisation=organisation)
        if organisation.pk in (dispute.disputer_id, dispute.report.organisation_id)
    ]


def dispute_get_for(*, organisation: Organisation, dispute_id: str) -> Dispute:
    pk = internal_id("dispute", dispute_id)
    dispute = next((item for item in dispute_list_for(organisation=organisation) if item.pk == pk), None)
    if dispute is None:
        raise NotFound("No such dispute.")
    return dispute


def dispute_view(dispute: Dispute, viewer: Organisation) -> dict[str, Any]:
    """The dispute as `viewer` may see it: a party sees the exchange, anyone else the report and its result."""
    incoming = dispute.report.organisation_id == viewer.pk
    outgoing = dispute.disputer_id == viewer.pk
    view: dict[str, Any] = {
        "id": public_id("dispute", dispute.pk) if incoming or outgoing else None,
        "match": public_id("match", dispute.match_id),
        "direction": "incoming" if incoming else "outgoing" if outgoing else "other",
        "state": dispute.state,
        "deadline": dispute.deadline,
        "resolved_at": dispute.resolved_at,
    }
    if incoming:
        view["report"] = public_id("report", dispute.report_id)
        # None once the disputer's report is withdrawn from the reporter's sight.
        disputer = counterpart_view(dispute.disputer_report, viewer)
        view["disputer"] = disputer.as_dict() if disputer is not None else None
    else:
        view["participant"] = participant_handle(dispute.report_id, viewer.pk)
    if incoming or outgoing:
        view.update(reason=dispute.reason, response=dispute.response, created_at=dispute.created_at)
    return view


# Few reports are ever left undefended: screening reads the dispute rows only for those.
UNDEFENDED_REPORT_IDS = Memo("outcomes-undefended-report-ids", timeout=300)


def undefended_report_ids_visible_to(*, organisation: Organisation, report_ids: list[int]) -> set[int]:
    """The reports among these that a dispute the organisation may know of left undefended."""
    undefended = UNDEFENDED_REPORT_IDS.get(
        lambda: set(Dispute.objects.filter(state=DisputeState.UNDEFENDED).values_list("report_id", flat=True))
    )
    candidates = undefended.intersection(report_ids)
    if not candidates:
        return set()
    disputes = Dispute.objects.filter(report_id__in=candidates, state=DisputeState.UNDEFENDED).select_related(
        "report__organisation", "disputer_report__organisation"
    )
    return {dispute.report_id for dispute in disputes if dispute_visible_to(dispute, organisation)}


def review_summary(review: Review) -> dict[str, Any]:
    return {
        "id": public_id("review", review.pk),
        "match": public_id("match", review.match_id),
        "status": "open" if review.is_open else "recorded",
        **_outcome(review),
        "opened_at": review.opened_at,
    }
