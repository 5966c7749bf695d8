"""Keeping matches in step with reports, set-based, with flood control."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import SYSTEM, Actor
from apps.common.rows import rows_insert
from apps.indicators.models import Report, ReportStatus
from apps.indicators.selectors import standing_reports, token_reporters
from apps.matching.locks import TokenPair, tokens_lock
from apps.matching.models import Match, MatchParticipant, MatchStatus


@dataclass
class MatchChanges:
    created: list[int] = field(default_factory=list)  # match ids
    joined: dict[int, list[int]] = field(default_factory=dict)  # match id -> organisation ids that joined
    deactivated: list[int] = field(default_factory=list)
    quarantined: list[int] = field(default_factory=list)
    matched: set[TokenPair] = field(default_factory=set)  # the synced tokens that have a match, in any status

    def summary(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "joined": len(self.joined),
            "deactivated": len(self.deactivated),
            "quarantined": len(self.quarantined),
        }


def flooded(reports: list[dict], now: timezone.datetime) -> bool:
    window_start = now - timedelta(hours=settings.VIGIL_FLOOD_WINDOW_HOURS)
    recent = {report["organisation_id"] for report in reports if report["created_at"] >= window_start}
    return len(recent) >= settings.VIGIL_FLOOD_THRESHOLD


def _reported_twice(pairs: set[TokenPair]) -> set[TokenPair]:
    """The tokens among `pairs` with reports by two organisations or more, in any status."""
    return {pair for pair, by_org in token_reporters(pairs).items() if len(by_org) >= 2}


def _matches_of(pairs: set[TokenPair]) -> dict[TokenPair, Match]:
    if not pairs:
        return {}
    found = Match.objects.filter(key_id__in={k for k, _ in pairs}, token__any={t for _, t in pairs})
    return {(match.key_id, match.token): match for match in found if (match.key_id, match.token) in pairs}


def matches_sync(
    *, actor: Actor, pairs: Iterable[TokenPair], reported_twice: set[TokenPair] | None = None
) -> MatchChanges:
    """Bring the matches of these tokens in line with their active reports, set-based.

    Call inside the reporting transaction with `tokens_lock(pairs)` already held. `reported_twice`, the
    tokens with reports by two organisations or more, is read here unless the caller already knows it.
    """
    pairs = set(pairs)
    changes = MatchChanges()
    if not pairs:
        return changes
    now = timezone.now()
    # The token indexes lead with key_id: without it PostgreSQL scans the whole table.
    key_ids = {key_id for key_id, _ in pairs}
    # Most tokens of a batch have one report and no match: nothing to do. Only those with a second
    # report (an organisation reports a token once) and the matched ones have their standing reports read.
    if reported_twice is None:
        existing = _matches_of(pairs)
        candidates = _reported_twice(pairs) | set(existing)
    else:
        # Reports are never deleted: a token with a match still has the two reports that made it.
        candidates = reported_twice & pairs
        existing = _matches_of(candidates)
    active: dict[TokenPair, list[dict]] = defaultdict(list)
    if candidates:
        for report in (
            standing_reports()
            .filter(key_id__in={k for k, _ in candidates}, token__any={t for _, t in candidates})
            .values("id", "organisation_id", "key_id", "token", "created_at", "active_since")
        ):
            pair = (report["key_id"], report["token"])
            if pair in candidates:
                active[pair].append(report)

    to_create = [pair for pair in pairs if pair not in existing and len(active[pair]) >= 2]
    if to_create:
        Match.objects.bulk_create([Match(key_id=k, token=t, created_at=now, updated_at=now) for k, t in to_create])
        for match in Match.objects.filter(key_id__in=key_ids, token__any={t for _, t in to_create}):
            if (match.key_id, match.token) in pairs:
                if (match.key_id, match.token) not in existing:
                    changes.created.append(match.pk)
                existing[(match.key_id, match.token)] = match

    participants: dict[int, dict[int, MatchParticipant]] = defaultdict(dict)
    for participant in MatchParticipant.objects.filter(match__in=[match.pk for match in existing.values()]):
        participants[participant.match_id][participant.organisation_id] = participant

    new_participants: list[tuple[int, str, int, int, timezone.datetime]] = []  # match, token, report, org, joined
    rejoined: list[MatchParticipant] = []
    left: list[int] = []  # participant ids
    # bulk_update writes a CASE per row and field; most changes share their values, one UPDATE each.
    changed_matches: dict[str, list[int]] = defaultdict(list)  # new status -> match ids
    for pair, match in existing.items():
        reports = active[pair]
        by_org = {report["organisation_id"]: report for report in reports}
        current = participants[match.pk]
        joined = []
        for organisation_id, report in by_org.items():
            participant = current.get(organisation_id)
            if participant is None:
                new_participants.append((match.pk, match.token, report["id"], organisation_id, report["active_since"]))
                joined.append(organisation_id)
            elif not participant.active or participant.report_id != report["id"]:
                # A participant is dated by its report's arrival, whenever the match itself formed.
                participant.active, participant.report_id = True, report["id"]
                participant.joined_at = report["active_since"]
                rejoined.append(participant)
                joined.append(organisation_id)
        for organisation_id, participant in current.items():
            if participant.active and organisation_id not in by_org:
                participant.active = False
                left.append(participant.pk)
        if joined and match.pk not in changes.created:
            changes.joined[match.pk] = joined
        status = _next_status(match, by_org, reports, now)
        if status != match.status:
            if status == MatchStatus.INACTIVE:
                changes.deactivated.append(match.pk)
            if status == MatchStatus.QUARANTINED:
                changes.quarantined.append(match.pk)
            match.status, match.updated_at = status, now
            changed_matches[status].append(match.pk)
        elif joined:
            match.updated_at = now
            changed_matches[status].append(match.pk)

    rows_insert(MatchParticipant, ["match", "token", "report", "organisation", "joined_at"], new_participants)
    MatchParticipant.objects.bulk_update(rejoined, ["active", "report_id", "joined_at"])
    if left:
        MatchParticipant.objects.filter(pk__in=left).update(active=False)
    for status, match_ids in changed_matches.items():
        Match.objects.filter(pk__in=match_ids).update(status=status, updated_at=now)
    changes.matched = set(existing)
    for match_id in changes.quarantined:
        # The hub's log, not the reporter's: a quarantine may count reporters the reporter cannot see.
        audit_log(
            actor=SYSTEM,
            action="match.quarantined",
            data={"match": match_id, "reason": "flood threshold", "last_reporter": actor.label},
        )
    return changes


def _next_status(match: Match, by_org: dict[int, dict], reports: list[dict], now: timezone.datetime) -> str:
    if match.status == MatchStatus.DISMISSED:
        return match.status
    if len(by_org) < 2:
        return MatchStatus.INACTIVE
    if match.status == MatchStatus.QUARANTINED:
        return match.status
    if match.flood_released_at is None and flooded(reports, now):
        return MatchStatus.QUARANTINED
    return MatchStatus.ACTIVE


def matches_resync_for_organisation(*, actor: Actor, organisation_id: int) -> MatchChanges:
    """Re-sync every token the organisation actively reported (after it is suspended or reinstated)."""
    pairs = list(
        Report.objects.filter(organisation_id=organisation_id, status=ReportStatus.ACTIVE).values_list(
            "key_id", "token"
        )
    )
    tokens_lock(pairs)
    return matches_sync(actor=actor, pairs=pairs)
