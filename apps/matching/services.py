"""Reviewing quarantined matches, screening, and recorded sightings."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import Conflict, ValidationFailed
from apps.matching.locks import TokenPair
from apps.matching.models import Match, MatchStatus, Sighting
from apps.matching.notify import notify_match_released, notify_sightings
from apps.matching.screen_tallies import screen_tally_add
from apps.matching.selectors import ScreenResult, screen_lookup, screen_reported_pairs
from apps.oprf.selectors import usable_key_ids


@transaction.atomic
def match_review(*, actor: Actor, match: Match, decision: str) -> Match:
    """A hub administrator releases a quarantined match or dismisses it as a false positive."""
    match = Match.objects.select_for_update().get(pk=match.pk)
    if match.status != MatchStatus.QUARANTINED:
        raise Conflict(f"Match {match.pk} is {match.status}, not quarantined.")
    actions = {"release": "match.released", "dismiss": "match.dismissed"}
    if decision not in actions:
        raise Conflict(f"Unknown decision {decision!r}: release or dismiss.")
    if decision == "release":
        active = match.participants.filter(active=True).count()
        match.status = MatchStatus.ACTIVE if active >= 2 else MatchStatus.INACTIVE
        match.flood_released_at = timezone.now()
    else:
        match.status = MatchStatus.DISMISSED
    match.updated_at = timezone.now()
    match.save(update_fields=["status", "flood_released_at", "updated_at"])
    audit_log(actor=actor, action=actions[decision], target=match)
    if match.status == MatchStatus.ACTIVE:
        notify_match_released(match=match)
    return match


def sightings_record(*, actor: Actor, pairs: Iterable[TokenPair], visibility: str) -> int:
    """Keep a sighting for each screened token that some organisation has reported."""
    if actor.organisation is None:
        return 0
    sightings = [
        Sighting(organisation=actor.organisation, key_id=key_id, token=token, visibility=visibility)
        for key_id, token in pairs
    ]
    Sighting.objects.bulk_create(sightings)
    return len(sightings)


def screen(
    *, actor: Actor, key_id: str, tokens: list[str], record_sighting: bool, sighting_visibility: str = "anonymous"
) -> list[ScreenResult]:
    """Answer a screening; with `record_sighting`, keep a sighting of each reported token.

    The screening is counted in the actor's tally for the minute, sealed into the audit chain after it.
    """
    if key_id not in usable_key_ids():
        raise ValidationFailed(
            f"Unknown or retired key id {key_id!r}.", errors=[{"pointer": "/key_id", "detail": "unknown or retired"}]
        )
    pairs = [(key_id, token) for token in tokens]
    results = screen_lookup(organisation=actor.organisation, pairs=pairs)
    if record_sighting:
        # Kept for every reported token, silent ones included (a watch-list hears of its wallets),
        # but the screener's own record counts only what its answer showed.
        with transaction.atomic():
            sighted = screen_reported_pairs(pairs)
            sightings_record(actor=actor, pairs=sighted, visibility=sighting_visibility)
            notify_sightings(screener=actor.organisation, pairs=sighted, visibility=sighting_visibility)
    screen_tally_add(
        actor=actor,
        tokens=len(tokens),
        reported=sum(result.reported for result in results),
        record_sighting=record_sighting,
    )
    return results
