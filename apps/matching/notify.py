"""Who is told what: the notifications each party may receive about matches, reports and sightings.

Every payload is computed from what the visibility rules let its recipient see; the outbox in
`apps.routing` only stores and delivers them.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from apps.common.public_ids import public_id
from apps.common.rows import rows_insert
from apps.indicators.selectors import standing_reports
from apps.matching.hooks import matches_seen
from apps.matching.locks import TokenPair
from apps.matching.models import Match, MatchStatus, ToldAbout
from apps.matching.selectors import match_view, match_with_participants, visible_counterparts
from apps.matching.sync import MatchChanges
from apps.matching.visibility import counterpart_view, participant_handle
from apps.organisations.models import Organisation
from apps.routing.models import Event, Notification
from apps.routing.services import Written, deliver_notifications


def _notify(
    organisation_id: int, event: str, payload: dict[str, Any], *, match_id: int | None = None, token: str = ""
) -> Notification:
    return Notification(organisation_id=organisation_id, event=event, match_id=match_id, token=token, payload=payload)


def notify_match_changes(*, changes: MatchChanges) -> int:
    """Tell each participant what it may now see that it had not been told; returns notifications written."""
    match_ids = set(changes.created) | set(changes.joined)
    if not match_ids:
        return 0
    return _notify_matches(match_with_participants().filter(pk__in=match_ids).exclude(status=MatchStatus.DISMISSED))


def notify_match_released(*, match: Match) -> int:
    """After a quarantine is released, the notifications it held back go out."""
    return _notify_matches(match_with_participants().filter(pk=match.pk))


def _notify_matches(matches: QuerySet[Match]) -> int:
    """For each participant, the counterparts it may see and was not yet told of.

    Whether that is a new match or a joined one is the recipient's own history: a match it had
    heard nothing of is new to it, however long hidden reporters had made it exist. A match the
    recipient sees as quarantined waits for release.
    """
    matches = list(matches)  # participants prefetched
    told: dict[tuple[int, int], set[int]] = defaultdict(set)  # (recipient, match) -> report ids
    for recipient_id, match_id, report_id in ToldAbout.objects.filter(match__in=matches).values_list(
        "recipient_id", "match_id", "report_id"
    ):
        told[(recipient_id, match_id)].add(report_id)
    notifications: list[tuple[int, str, int, str, dict[str, Any]]] = []  # recipient, event, match, token, payload
    told_rows: list[tuple[int, int, int, str]] = []  # recipient, report, match, token
    seen: list[tuple[int, int, str]] = []
    for match in matches:
        for participant in match.participants.all():
            if not participant.active:
                continue
            viewer = participant.report.organisation
            view = match_view(match, viewer)
            if view is None or view["quarantined"]:
                continue
            heard = told[(viewer.pk, match.pk)]
            # The view lists the visible counterparts in this order, one each.
            visible = zip(visible_counterparts(match, viewer), view["counterparts"], strict=True)
            news = [(p.report_id, counterpart) for p, counterpart in visible if p.report_id not in heard]
            if not news:
                continue
            new_ids = [report_id for report_id, _ in news]
            new = [counterpart for _, counterpart in news]
            event = Event.MATCH_JOINED if heard else Event.MATCH_CREATED
            if not heard:
                seen.append((viewer.pk, match.pk, match.token))
            notifications.append((viewer.pk, event, match.pk, match.token, {**view, "new_counterparts": new}))
            told_rows += [(viewer.pk, report_id, match.pk, match.token) for report_id in new_ids]
            heard.update(new_ids)
    ids = rows_insert(Notification, ["organisation", "event", "match", "token", "payload"], notifications)
    rows_insert(ToldAbout, ["recipient", "report", "match", "token"], told_rows, ignore_conflicts=True)
    matches_seen.send(sender=Match, seen=seen)
    deliver_notifications([Written(pk, *row[:2]) for pk, row in zip(ids, notifications, strict=True)])
    return len(notifications)


def _retraction(row: ToldAbout, reason: str) -> Notification:
    # Nothing of the report as it stands now: hidden by a new policy, its new category is not theirs to see.
    payload = {
        "match": public_id("match", row.match_id),
        "participant": participant_handle(row.report_id, row.recipient_id),
        "reason": reason,
    }
    return _notify(row.recipient_id, Event.MATCH_RETRACTED, payload, match_id=row.match_id, token=row.token)


def notify_reports_ended(*, report_ids: Iterable[int], reason: str) -> int:
    """Every party told of these reports hears that they no longer stand."""
    rows = list(ToldAbout.objects.filter(report_id__in=list(report_ids)))
    notifications = [_retraction(row, reason) for row in rows]
    Notification.objects.bulk_create(notifications)
    # A later re-report is news again.
    ToldAbout.objects.filter(pk__in=[row.pk for row in rows]).delete()
    deliver_notifications(notifications)
    return len(notifications)


def notify_reports_corrected(*, report_ids: Iterable[int]) -> int:
    """Parties told of a report hear when its reporter changes it (category, dates, policy)."""
    rows = list(
        ToldAbout.objects.filter(report_id__in=list(report_ids)).select_related("report__organisation", "recipient")
    )
    notifications = []
    hidden = []
    for row in rows:
        view = counterpart_view(row.report, row.recipient)
        if view is None:
            # The new policy hides the report from this party. It hears exactly what a withdrawal would
            # say: "policy changed" would tell it the wallet is still reported, now out of its sight.
            notifications.append(_retraction(row, "withdrawn"))
            hidden.append(row.pk)
            continue
        payload = {"match": public_id("match", row.match_id), "counterpart": view.as_dict()}
        notifications.append(
            _notify(row.recipient_id, Event.MATCH_CORRECTED, payload, match_id=row.match_id, token=row.token)
        )
    ToldAbout.objects.filter(pk__in=hidden).delete()
    Notification.objects.bulk_create(notifications)
    deliver_notifications(notifications)
    return len(notifications)


def notify_sightings(*, screener: Organisation, pairs: Iterable[TokenPair], visibility: str) -> int:
    """Alert the reporters of screened tokens who asked for it; the screener shows itself only as it chose."""
    pairs = set(pairs)
    reports = (
        standing_reports()
        .filter(key_id__in={key for key, _ in pairs}, token__any={token for _, token in pairs}, sighting_alerts=True)
        .exclude(organisation=screener)
    )
    screener_view: dict[str, Any] = {"sector": screener.sector, "jurisdiction": screener.jurisdiction}
    if visibility == "named":
        screener_view["organisation"] = {"name": screener.name, "slug": screener.slug}
    now = timezone.now().isoformat()
    notifications = [
        _notify(
            report.organisation_id,
            Event.SIGHTING,
            {
                "report": public_id("report", report.pk),
                "key_id": report.key_id,
                "token": report.token,
                "screened_by": screener_view,
                "at": now,
            },
        )
        for report in reports
        if (report.key_id, report.token) in pairs
    ]
    Notification.objects.bulk_create(notifications)
    deliver_notifications(notifications)
    return len(notifications)
