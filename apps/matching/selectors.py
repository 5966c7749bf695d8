"""Matches and screening answers, as the calling organisation may see them."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from apps.common.errors import NotFound
from apps.indicators.models import Report, ReportStatus
from apps.matching.locks import TokenPair
from apps.matching.models import DisclosureRequest, Match, MatchParticipant, MatchStatus
from apps.matching.visibility import counterpart_view, may_see
from apps.organisations.models import Organisation


def match_with_participants() -> QuerySet[Match]:
    return Match.objects.prefetch_related(
        Prefetch(
            "participants",
            queryset=MatchParticipant.objects.select_related("report__organisation").order_by("joined_at"),
        )
    )


def match_candidates_for(*, organisation: Organisation) -> QuerySet[Match]:
    """Matches the organisation actively takes part in; `match_view` decides if it may know of each."""
    return (
        match_with_participants()
        .filter(participants__organisation=organisation, participants__active=True)
        .exclude(status=MatchStatus.DISMISSED)
        .order_by("-id")
    )


def match_view(match: Match, viewer: Organisation) -> dict[str, Any] | None:
    """The match as `viewer` may see it, or None when no other participant is visible to it."""
    own = None
    counterparts = []
    for participant in match.participants.all():
        if not participant.active:
            continue
        if participant.organisation_id == viewer.pk:
            own = participant.report
            continue
        view = counterpart_view(participant.report, viewer)
        if view is not None:
            counterparts.append(view.as_dict())
    if own is None or not counterparts:
        return None
    return {
        "id": match.pk,
        "key_id": match.key_id,
        "token": match.token,
        "status": match.status,
        "quarantined": match.status == MatchStatus.QUARANTINED,
        "created_at": match.created_at,
        "updated_at": match.updated_at,
        "own_report": {"id": own.pk, "category": own.category, "visibility": own.visibility},
        "counterparts": counterparts,
    }


def match_get_visible_to(*, organisation: Organisation, match_id: int) -> dict[str, Any]:
    match = match_candidates_for(organisation=organisation).filter(pk=match_id).first()
    view = match_view(match, organisation) if match is not None else None
    if view is None:
        raise NotFound("No such match.")
    return view


def match_page_visible_to(*, organisation: Organisation, before_id: int | None, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` visible matches with ids below `before_id`, newest first.

    Visibility depends on each counterpart's policy, so candidates are read in chunks and
    filtered here; the cursor is a match id, stable while matches are added.
    """
    views: list[dict[str, Any]] = []
    candidates = match_candidates_for(organisation=organisation).distinct()
    while len(views) < limit:
        chunk_query = candidates if before_id is None else candidates.filter(pk__lt=before_id)
        chunk = list(chunk_query[: max(limit * 2, 50)])
        if not chunk:
            break
        for match in chunk:
            view = match_view(match, organisation)
            if view is not None:
                views.append(view)
                if len(views) == limit:
                    break
        before_id = chunk[-1].pk if len(views) < limit else views[-1]["id"]
    return views


@dataclass
class ScreenResult:
    key_id: str
    token: str
    reported: bool = False
    reported_by_you: bool = False
    categories: list[str] = field(default_factory=list)
    organisations: int = 0
    first_seen: Any = None
    match_status: str | None = None
    counterparts: list[dict[str, Any]] = field(default_factory=list)


def screen_lookup(*, organisation: Organisation, pairs: Iterable[TokenPair]) -> list[ScreenResult]:
    """What the screener may know of each token: nothing at all of silent or out-of-audience reports."""
    pairs = list(pairs)
    wanted = set(pairs)
    reports: dict[TokenPair, list[Report]] = defaultdict(list)
    query = Report.objects.filter(
        key_id__in={key for key, _ in pairs}, token__in={token for _, token in pairs}, status=ReportStatus.ACTIVE
    )
    for report in query.select_related("organisation"):
        if (report.key_id, report.token) in wanted:
            reports[(report.key_id, report.token)].append(report)
    statuses = {
        (match.key_id, match.token): match.status
        for match in Match.objects.filter(key_id__in={key for key, _ in pairs}, token__in={token for _, token in pairs})
    }
    results = []
    for key_id, token in pairs:
        result = ScreenResult(key_id=key_id, token=token)
        visible = []
        for report in reports[(key_id, token)]:
            if report.organisation_id == organisation.pk:
                result.reported_by_you = True
            elif may_see(report, organisation):
                visible.append(report)
        if visible:
            result.reported = True
            result.categories = sorted({report.category for report in visible})
            result.organisations = len({report.organisation_id for report in visible})
            seen = [report.first_seen or report.created_at for report in visible]
            result.first_seen = min(seen)
            result.counterparts = [counterpart_view(report, organisation).as_dict() for report in visible]
            result.match_status = statuses.get((key_id, token))
        results.append(result)
    return results


def screen_reported_pairs(pairs: Iterable[TokenPair]) -> list[TokenPair]:
    """Screened tokens that any organisation has actively reported (sightings are kept only for those)."""
    pairs = list(pairs)
    reported = set(
        Report.objects.filter(
            key_id__in={key for key, _ in pairs}, token__in={token for _, token in pairs}, status=ReportStatus.ACTIVE
        ).values_list("key_id", "token")
    )
    return [pair for pair in dict.fromkeys(pairs) if pair in reported]


def matched_pairs_visible_to(*, organisation: Organisation, pairs: Iterable[TokenPair]) -> set[TokenPair]:
    """The tokens among `pairs` that are in a match the organisation may see."""
    pairs = set(pairs)
    matches = match_candidates_for(organisation=organisation).filter(
        key_id__in={key for key, _ in pairs}, token__in={token for _, token in pairs}
    )
    return {
        (match.key_id, match.token)
        for match in matches
        if (match.key_id, match.token) in pairs and match_view(match, organisation) is not None
    }


def disclosure_list_for(*, organisation: Organisation) -> QuerySet[DisclosureRequest]:
    """Requests the organisation made or was asked."""
    return (
        DisclosureRequest.objects.filter(Q(requester=organisation) | Q(target=organisation))
        .select_related("requester", "target")
        .order_by("-id")
    )


def disclosure_get_for(*, organisation: Organisation, request_id: int) -> DisclosureRequest:
    request = disclosure_list_for(organisation=organisation).filter(pk=request_id).first()
    if request is None:
        raise NotFound("No such disclosure request.")
    return request
