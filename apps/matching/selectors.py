"""Matches and screening answers, as the calling organisation may see them."""

import itertools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from apps.common.errors import NotFound
from apps.common.public_ids import internal_id, public_id
from apps.indicators.models import Report, ReportStatus
from apps.indicators.selectors import standing_reports
from apps.matching.hooks import screen_answered
from apps.matching.locks import TokenPair
from apps.matching.models import DisclosureRequest, Match, MatchParticipant, MatchStatus
from apps.matching.visibility import counterpart_view, counterpart_views, may_see
from apps.organisations.models import Organisation, OrganisationStatus


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


def visible_counterparts(match: Match, viewer: Organisation) -> list[MatchParticipant]:
    """The match's other active participants whose reports `viewer` may see (participants prefetched)."""
    return [
        participant
        for participant in match.participants.all()
        if participant.active and participant.organisation_id != viewer.pk and may_see(participant.report, viewer)
    ]


def match_view(match: Match, viewer: Organisation) -> dict[str, Any] | None:
    """The match as `viewer` may see it, or None when no other participant is visible to it.

    Everything here comes from the viewer's own participation and the counterparts it may see: the
    dates are those of their reports' arrivals and changes, and flood control shows as quarantine
    only when the visible reporters alone are enough to trigger it.
    """
    own = next((p for p in match.participants.all() if p.active and p.organisation_id == viewer.pk), None)
    visible = visible_counterparts(match, viewer)
    if own is None or not visible:
        return None
    # Quarantine shows only if the reporters this viewer sees would have tripped flood control
    # themselves; otherwise it would count the reporters it may not see.
    quarantined = match.status == MatchStatus.QUARANTINED and 1 + len(visible) >= settings.VIGIL_FLOOD_THRESHOLD
    arrivals = [participant.joined_at for participant in visible]
    return {
        "id": public_id("match", match.pk),
        "key_id": match.key_id,
        "token": match.token,
        "status": MatchStatus.QUARANTINED if quarantined else MatchStatus.ACTIVE,
        "quarantined": quarantined,
        "created_at": max(own.joined_at, min(arrivals)),
        "updated_at": max(participant.report.updated_at for participant in [own, *visible]),
        "own_report": {
            "id": public_id("report", own.report_id),
            "category": own.report.category,
            "visibility": own.report.visibility,
        },
        "counterparts": [counterpart_view(participant.report, viewer).as_dict() for participant in visible],
    }


def match_get_visible_to(*, organisation: Organisation, match_id: str) -> dict[str, Any]:
    match = match_candidates_for(organisation=organisation).filter(pk=internal_id("match", match_id)).first()
    view = match_view(match, organisation) if match is not None else None
    if view is None:
        raise NotFound("No such match.")
    return view


def match_page_visible_to(*, organisation: Organisation, before: str | None, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` visible matches after the match `before` (a public id), most recently reported first.

    The order is that of the organisation's own reports' arrival (then token), which no other
    member's report can move. Visibility depends on each counterpart's policy, so candidates are
    read in chunks and filtered here.
    """
    mine = MatchParticipant.objects.filter(organisation=organisation, active=True).exclude(
        match__status=MatchStatus.DISMISSED
    )
    if before is not None:
        last = mine.filter(match_id=internal_id("match", before)).select_related("match").first()
        if last is None:
            raise NotFound("No such match to page after.")
        mine = mine.filter(
            Q(joined_at__lt=last.joined_at)
            | Q(joined_at=last.joined_at, match__key_id__gt=last.match.key_id)
            | Q(joined_at=last.joined_at, match__key_id=last.match.key_id, match__token__gt=last.match.token)
        )
    ordered = mine.order_by("-joined_at", "match__key_id", "match__token").values_list("match_id", flat=True)
    views: list[dict[str, Any]] = []
    # Nearly every candidate is usually visible: a page's worth at a time, each prefetched whole.
    chunk_size = max(limit, 50)
    for start in itertools.count(0, chunk_size):
        ids = list(ordered[start : start + chunk_size])
        if not ids:
            break
        matches = {match.pk: match for match in match_with_participants().filter(pk__in=ids)}
        for match_id in ids:
            view = match_view(matches[match_id], organisation)
            if view is not None:
                views.append(view)
                if len(views) == limit:
                    return views
    return views


def match_list_visible_to(*, organisation: Organisation) -> list[dict[str, Any]]:
    """Every match the organisation may see, as it may see it (for counts and summaries; unordered)."""
    views = (match_view(match, organisation) for match in match_candidates_for(organisation=organisation))
    return [view for view in views if view is not None]


def match_quarantine_queue() -> QuerySet[Match]:
    """Quarantined matches awaiting a hub administrator's review, oldest first (hub administrators only)."""
    return match_with_participants().filter(status=MatchStatus.QUARANTINED).order_by("created_at", "id")


def match_get_quarantined(*, match_id: str) -> Match:
    match = match_quarantine_queue().filter(pk=internal_id("match", match_id)).first()
    if match is None:
        raise NotFound("No such quarantined match.")
    return match


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
    disputed: bool = False  # set by outcomes: a visible report was left undefended against a dispute
    counterparts: list[dict[str, Any]] = field(default_factory=list)


class ScreenedReporter(NamedTuple):
    sector: str
    jurisdiction: str
    name: str
    slug: str
    is_active: bool


class ScreenedReport(NamedTuple):
    """A report as screening reads it: the visibility rules' inputs and what an answer shows, no more.

    A 1,000-token screening reads a row per report; building a model for each was most of its cost,
    and a tuple made straight from the row is cheaper still than a dataclass.
    """

    pk: int
    organisation_id: int
    key_id: str
    token: str
    category: str
    first_seen: Any
    created_at: Any
    tlp: str
    visibility: str
    audience_sectors: list[str]
    audience_include: list[int]
    audience_exclude: list[int]
    match_status: str | None
    organisation: ScreenedReporter


_SCREENED_FIELDS = list(ScreenedReport._fields[:-1])
_REPORTER_FIELDS = ["organisation__sector", "organisation__jurisdiction", "organisation__name", "organisation__slug"]


def _screened_reports(pairs: list[TokenPair]) -> list[ScreenedReport]:
    rows = _screened_rows_postgresql(pairs) if connection.vendor == "postgresql" else _screened_rows(pairs)
    reporters: dict[int, ScreenedReporter] = {}
    width = len(_SCREENED_FIELDS)
    screened = []
    for row in rows:
        reporter = reporters.get(row[1])
        if reporter is None:
            # Standing reports are by active organisations only.
            reporter = reporters[row[1]] = ScreenedReporter(*row[width:], is_active=True)
        screened.append(ScreenedReport._make((*row[:width], reporter)))
    return screened


def _screened_rows(pairs: list[TokenPair]) -> Iterable[tuple[Any, ...]]:
    # The token's match status rides along with each report: one round trip for the whole answer.
    match_status = Match.objects.filter(key_id=OuterRef("key_id"), token=OuterRef("token")).values("status")[:1]
    return (
        standing_reports()
        .filter(key_id__in={key for key, _ in pairs}, token__any={token for _, token in pairs})
        .annotate(match_status=Subquery(match_status))
        .values_list(*_SCREENED_FIELDS, *_REPORTER_FIELDS)
    )


# The same query as `_screened_rows`, written out: compiling it took longer than running it, on the
# path an exchange's withdrawal waits on. tests/matching/test_screening.py holds the two to each other.
_SCREEN_SQL = f"""
SELECT r.id, r.organisation_id, r.key_id, r.token, r.category, r.first_seen, r.created_at, r.tlp, r.visibility,
       r.audience_sectors, r.audience_include, r.audience_exclude,
       (SELECT m.status FROM {Match._meta.db_table} m WHERE m.key_id = r.key_id AND m.token = r.token LIMIT 1),
       o.sector, o.jurisdiction, o.name, o.slug
FROM {Report._meta.db_table} r JOIN {Organisation._meta.db_table} o ON o.id = r.organisation_id
WHERE r.key_id = ANY(%s) AND r.token = ANY(%s) AND r.status = %s AND o.status = %s
"""  # noqa: S608 - names from the models, values as parameters
_JSON_COLUMNS = slice(9, 12)


def _screened_rows_postgresql(pairs: list[TokenPair]) -> list[tuple[Any, ...]]:
    params = [
        sorted({key for key, _ in pairs}),
        sorted({token for _, token in pairs}),
        ReportStatus.ACTIVE.value,
        OrganisationStatus.ACTIVE.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_SCREEN_SQL, params)
        rows = cursor.fetchall()
    # Django has psycopg2 hand JSON over as text; most rows carry the same few audiences, decoded once.
    decoded: dict[str, Any] = {}

    def loads(text: str) -> Any:
        if text not in decoded:
            decoded[text] = json.loads(text)
        return decoded[text]

    start, stop = _JSON_COLUMNS.start, _JSON_COLUMNS.stop
    return [(*row[:start], *map(loads, row[start:stop]), *row[stop:]) for row in rows]


def screen_lookup(*, organisation: Organisation, pairs: Iterable[TokenPair]) -> list[ScreenResult]:
    """What the screener may know of each token: nothing at all of silent or out-of-audience reports.

    Even the match status is the screener's: a match shows only when the reports it may see (its own
    included) make one, never because a hidden reporter completes it.
    """
    pairs = list(pairs)
    wanted = set(pairs)
    reports: dict[TokenPair, list[ScreenedReport]] = defaultdict(list)
    for report in _screened_reports(pairs):
        if (report.key_id, report.token) in wanted:
            reports[(report.key_id, report.token)].append(report)
    me = organisation.pk
    results = []
    answers: list[tuple[ScreenResult, list[ScreenedReport]]] = []
    for key_id, token in pairs:
        result = ScreenResult(key_id=key_id, token=token)
        results.append(result)
        found = reports.get((key_id, token))
        if not found:
            continue
        result.reported_by_you = any(report.organisation_id == me for report in found)
        visible = [report for report in found if report.organisation_id != me and may_see(report, organisation)]
        if visible:
            result.reported = True
            result.categories = sorted({report.category for report in visible})
            result.organisations = len({report.organisation_id for report in visible})
            result.first_seen = min(report.first_seen or report.created_at for report in visible)
            # Every row of a token carries the token's match status.
            result.match_status = _seen_match_status(
                found[0].match_status, result.organisations + result.reported_by_you
            )
            answers.append((result, visible))
    # The counterparts of the whole answer at once, handed back in order to each token's result.
    views = iter(counterpart_views([report for _, visible in answers for report in visible], organisation))
    for result, visible in answers:
        result.counterparts = list(itertools.islice(views, len(visible)))
    # Outcomes (disputes, the reporting sectors' precision) annotate the counterparts shown, no others.
    screen_answered.send(sender=ScreenResult, organisation=organisation, answers=answers)
    return results


def _seen_match_status(status: str | None, reporters_seen: int) -> str | None:
    if status not in (MatchStatus.ACTIVE, MatchStatus.QUARANTINED) or reporters_seen < 2:
        return None
    if status == MatchStatus.QUARANTINED and reporters_seen >= settings.VIGIL_FLOOD_THRESHOLD:
        return MatchStatus.QUARANTINED
    return MatchStatus.ACTIVE


def screen_reported_pairs(pairs: Iterable[TokenPair]) -> list[TokenPair]:
    """Screened tokens that any organisation has actively reported (sightings are kept only for those)."""
    pairs = list(pairs)
    reported = set(
        standing_reports()
        .filter(key_id__in={key for key, _ in pairs}, token__any={token for _, token in pairs})
        .values_list("key_id", "token")
    )
    return [pair for pair in dict.fromkeys(pairs) if pair in reported]


class _Reporter(NamedTuple):
    is_active: bool


class _CounterpartReport(NamedTuple):
    """Another participant's report, as `may_see` reads it: all `matched_pairs_visible_to` needs of it."""

    match_id: int
    organisation_id: int
    visibility: str
    audience_sectors: list[str]
    audience_include: list[int]
    audience_exclude: list[int]
    organisation: _Reporter


def matched_pairs_visible_to(*, organisation: Organisation, pairs: Iterable[TokenPair]) -> set[TokenPair]:
    """The tokens among `pairs` that are in a match the organisation may see: one `match_view` would show.

    A batch can make thousands of matches; their views are not needed here, only whether the caller
    takes part and may see another participant's report, so plain rows are read instead of models.
    """
    pairs = set(pairs)
    mine = {
        match_id: (key_id, token)
        for match_id, key_id, token in MatchParticipant.objects.filter(
            organisation=organisation,
            active=True,
            match__key_id__in={key for key, _ in pairs},
            match__token__any={token for _, token in pairs},
        )
        .exclude(match__status=MatchStatus.DISMISSED)
        .values_list("match_id", "match__key_id", "match__token")
        if (key_id, token) in pairs
    }
    others = (
        MatchParticipant.objects.filter(match_id__in=list(mine), active=True)
        .exclude(organisation=organisation)
        .values_list(
            "match_id",
            *(f"report__{name}" for name in _CounterpartReport._fields[1:-1]),
            "report__organisation__status",
        )
    )
    active = OrganisationStatus.ACTIVE.value
    return {
        mine[row[0]]
        for row in others
        if may_see(_CounterpartReport._make((*row[:-1], _Reporter(row[-1] == active))), organisation)
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
