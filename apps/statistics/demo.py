"""The demo consortium's year for a first run: its members' reports dated across the past months, what some
of their matches led to, a few disputes, and statistics releases, so that the statistics page has plots
and the transparency report has figures. Everything goes through the services members and the hub use."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.common.actors import SYSTEM, Actor
from apps.common.public_ids import public_id
from apps.indicators.models import Category, Visibility
from apps.matching.demo import DEMO_CONSORTIUM_WALLETS, demo_consortium_reports_load, demo_history_backdate
from apps.matching.models import Match, MatchParticipant
from apps.matching.visibility import participant_handle
from apps.organisations.demo import demo_consortium_members_load
from apps.outcomes.disputes import dispute_open, dispute_resolve
from apps.outcomes.models import DisputeState, OutcomeKind, Review
from apps.outcomes.reviews import review_record
from apps.statistics.models import Release
from apps.statistics.periods import period_current_quarter
from apps.statistics.services import release_create

REVIEWED = 0.35  # the share of reviews the demo members have recorded
OUTCOME_WEIGHTS = {
    OutcomeKind.INVESTIGATION_OPENED: 3,
    OutcomeKind.SAR_FILED: 3,
    OutcomeKind.ACCOUNT_RESTRICTED: 2,
    OutcomeKind.ACCOUNT_CLOSED: 2,
    OutcomeKind.FUNDS_FROZEN: 2,
    OutcomeKind.REFERRED: 2,
    OutcomeKind.NO_ACTION: 1,
    OutcomeKind.FALSE_POSITIVE: 1,
}
# How the demo's disputes end: the reporter confirms, corrects or withdraws its report, or has not answered yet.
DISPUTE_ENDINGS = [DisputeState.CONFIRMED] * 6 + [DisputeState.CORRECTED] * 2 + [DisputeState.WITHDRAWN] * 2
DISPUTES_LEFT_OPEN = 3


@dataclass(frozen=True)
class DemoConsortium:
    members: int
    reports: int
    matches: int
    reviews: int
    disputes: int
    releases: list[Release]


def _reviews_record(rng: random.Random, match_ids: list[int], now: datetime) -> int:
    """Record outcomes of some reviews through the members' service, then date each review from when its
    member was told of the match to a few days later (why: see `demo_history_backdate`)."""
    told = {
        (match_id, organisation_id): max(joined_at, formed)
        for match_id, organisation_id, joined_at, formed in MatchParticipant.objects.filter(
            match_id__in=match_ids
        ).values_list("match_id", "organisation_id", "joined_at", "match__created_at")
    }
    reviews = list(Review.objects.filter(match_id__in=match_ids).select_related("organisation").order_by("pk"))
    kinds, weights = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    recorded = 0
    for review in reviews:
        if rng.random() >= REVIEWED:
            continue
        outcome = rng.choices(kinds, weights)[0]
        frozen = outcome == OutcomeKind.FUNDS_FROZEN
        review_record(
            actor=Actor(organisation=review.organisation), review=review, outcome=outcome,
            amount=Decimal(rng.randrange(5, 5_000)) / 1000 if frozen else None, currency="BTC" if frozen else "",
            reason="The wallet belongs to a payment processor's pooled account." if outcome == "false_positive" else "",
        )  # fmt: skip
        recorded += 1
    for pk, match_id, organisation_id, recorded_at in Review.objects.filter(match_id__in=match_ids).values_list(
        "pk", "match_id", "organisation_id", "recorded_at"
    ):
        opened = told[(match_id, organisation_id)]
        dates = {"opened_at": opened}
        if recorded_at is not None:
            dates["recorded_at"] = dates["updated_at"] = min(opened + timedelta(hours=rng.randrange(2, 500)), now)
        Review.objects.filter(pk=pk).update(**dates)
    return recorded


def _disputes(rng: random.Random, match_ids: list[int]) -> int:
    """A few disputes between members who see each other's report, most answered by the reporter."""
    visible = (
        MatchParticipant.objects.filter(match_id__in=match_ids, active=True)
        .exclude(report__visibility=Visibility.SILENT)
        .select_related("report__organisation", "organisation")
        .order_by("match_id", "pk")
    )
    pairs: dict[int, list[MatchParticipant]] = {}
    for participant in visible:
        pairs.setdefault(participant.match_id, []).append(participant)
    candidates = [parts[:2] for parts in pairs.values() if len(parts) >= 2]
    endings = DISPUTE_ENDINGS + [DisputeState.OPEN] * DISPUTES_LEFT_OPEN
    categories = list(Category.values)
    chosen = rng.sample(candidates, k=min(len(endings), len(candidates)))
    for (disputer, target), ending in zip(chosen, endings[: len(chosen)], strict=True):
        dispute = dispute_open(
            actor=Actor(organisation=disputer.organisation), match_id=public_id("match", disputer.match_id),
            participant=participant_handle(target.report_id, disputer.organisation_id),
            reason="Our investigation found the wallet is a custodial deposit address, not the subject's.",
        )  # fmt: skip
        if ending == DisputeState.OPEN:
            continue
        current = target.report.category
        dispute_resolve(
            actor=Actor(organisation=target.organisation), dispute=dispute, resolution=ending,
            response="Checked against our case file.",
            category=next(c for c in categories if c != current) if ending == DisputeState.CORRECTED else "",
        )  # fmt: skip
    return len(chosen)


@transaction.atomic
def demo_consortium_load(*, wallets: int = DEMO_CONSORTIUM_WALLETS) -> DemoConsortium | None:
    """Seed the consortium's year and release its statistics; None when it was seeded already."""
    members = demo_consortium_members_load()
    if not members:
        return None
    rng = random.Random(7)
    now = timezone.now()
    made = demo_consortium_reports_load(members=members, wallets=wallets, now=now)
    match_ids = demo_history_backdate(made=made)
    reviews = _reviews_record(rng, match_ids, now)
    disputes = _disputes(rng, match_ids)
    # The transparency page opens on the current quarter; the statistics page shows the newest release,
    # the twelve months to date (what `manage.py statistics_release` makes without --period).
    releases = [
        release_create(actor=SYSTEM, period=period_current_quarter(now.date())),
        release_create(actor=SYSTEM),
    ]
    return DemoConsortium(
        members=len(members),
        reports=len(made),
        matches=Match.objects.filter(pk__in=match_ids).count(),
        reviews=reviews,
        disputes=disputes,
        releases=releases,
    )
