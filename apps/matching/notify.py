"""Who is told what: the notifications each party may receive about matches, reports and sightings.

Every payload is computed from what the visibility rules let its recipient see; the outbox in
`apps.routing` only stores and delivers them.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from apps.indicators.models import Report, ReportStatus
from apps.matching.locks import TokenPair
from apps.matching.models import Match, MatchStatus, ToldAbout
from apps.matching.selectors import match_view, match_with_participants
from apps.matching.sync import MatchChanges
from apps.matching.visibility import counterpart_view
from apps.organisations.models import Organisation
from apps.routing.models import Event, Notification
from apps.routing.services import deliver_notifications

_SILENCED = (MatchStatus.QUARANTINED, MatchStatus.DISMISSED)


def _notify(organisation_id: int, event: str, match: Match | None, payload: dict[str, Any]) -> Notification:
    return Notification(organisation_id=organisation_id, event=event, match=match, payload=payload)


def notify_match_changes(*, changes: MatchChanges) -> int:
    """Tell each participant what it may now see that it had not been told; returns notifications written."""
    match_ids = set(changes.created) | set(changes.joined)
    if not match_ids:
        return 0
    matches = Match.objects.filter(pk__in=match_ids).exclude(status__in=_SILENCED)
    created = set(changes.created)
    return _notify_matches(
        matches, event_for=lambda match: Event.MATCH_CREATED if match.pk in created else Event.MATCH_JOINED
    )


def notify_match_released(*, match: Match) -> int:
    """After a quarantine is released, the notifications it held back go out."""
    return _notify_matches(Match.objects.filter(pk=match.pk), event_for=lambda _: Event.MATCH_CREATED)


def _notify_matches(matches: Iterable[Match], event_for: Callable[[Match], str]) -> int:
    matches = list(match_with_participants().filter(pk__in=[match.pk for match in matches]))
    told = defaultdict(set)
    for recipient_id, report_id in ToldAbout.objects.filter(match__in=matches).values_list("recipient_id", "report_id"):
        told[recipient_id].add(report_id)
    notifications: list[Notification] = []
    told_rows: list[ToldAbout] = []
    for match in matches:
        for participant in match.participants.all():
            if not participant.active:
                continue
            viewer = participant.report.organisation
            view = match_view(match, viewer)
            if view is None:
                continue
            new = [c for c in view["counterparts"] if c["participant"] not in told[viewer.pk]]
            if not new:
                continue
            notifications.append(_notify(viewer.pk, event_for(match), match, {**view, "new_counterparts": new}))
            told_rows += [ToldAbout(recipient_id=viewer.pk, report_id=c["participant"], match=match) for c in new]
            told[viewer.pk].update(c["participant"] for c in new)
    Notification.objects.bulk_create(notifications)
    ToldAbout.objects.bulk_create(told_rows, ignore_conflicts=True)
    deliver_notifications(notifications)
    return len(notifications)


def notify_reports_ended(*, report_ids: Iterable[int], reason: str) -> int:
    """Every party told of these reports hears that they no longer stand."""
    rows = list(ToldAbout.objects.filter(report_id__in=list(report_ids)).select_related("report"))
    notifications = [
        _notify(
            row.recipient_id,
            Event.MATCH_RETRACTED,
            row.match,
            {"match": row.match_id, "participant": row.report_id, "reason": reason, "category": row.report.category},
        )
        for row in rows
    ]
    Notification.objects.bulk_create(notifications)
    # A later re-report is news again.
    ToldAbout.objects.filter(pk__in=[row.pk for row in rows]).delete()
    deliver_notifications(notifications)
    return len(notifications)


def notify_reports_corrected(*, report_ids: Iterable[int]) -> int:
    """Parties told of a report hear when its reporter changes it (category, dates, policy)."""
    rows = list(
        ToldAbout.objects.filter(report_id__in=list(report_ids)).select_related(
            "report__organisation", "recipient", "match"
        )
    )
    notifications = []
    for row in rows:
        view = counterpart_view(row.report, row.recipient)
        if view is None:  # the new policy hides it from this party: for them it is withdrawn
            payload = {"match": row.match_id, "participant": row.report_id, "reason": "policy changed"}
            notifications.append(_notify(row.recipient_id, Event.MATCH_RETRACTED, row.match, payload))
            row.delete()
            continue
        payload = {"match": row.match_id, "counterpart": view.as_dict()}
        notifications.append(_notify(row.recipient_id, Event.MATCH_CORRECTED, row.match, payload))
    Notification.objects.bulk_create(notifications)
    deliver_notifications(notifications)
    return len(notifications)


def notify_sightings(*, screener: Organisation, pairs: Iterable[TokenPair], visibility: str) -> int:
    """Alert the reporters of screened tokens who asked for it; the screener shows itself only as it chose."""
    pairs = set(pairs)
    reports = Report.objects.filter(
        key_id__in={key for key, _ in pairs},
        token__in={token for _, token in pairs},
        status=ReportStatus.ACTIVE,
        sighting_alerts=True,
    ).exclude(organisation=screener)
    screener_view: dict[str, Any] = {"sector": screener.sector, "jurisdiction": screener.jurisdiction}
    if visibility == "named":
        screener_view["organisation"] = {"name": screener.name, "slug": screener.slug}
    now = timezone.now().isoformat()
    notifications = [
        _notify(
            report.organisation_id,
            Event.SIGHTING,
            None,
            {
                "report": report.pk,
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
