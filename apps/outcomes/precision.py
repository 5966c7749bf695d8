"""Per-source precision and time-to-action, from reviews.

A source's matched reports are those of its matches it was told of (it has a review of each); one
is marked a false positive when a counterpart it may see recorded `false_positive` for that match,
so a silent reviewer never moves a source's figure. Precision is the share not so marked. A sector's
precision pools its organisations' figures and is published only from VIGIL_STATISTICS_K organisations
or more (the statistics' small-cell rule).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef

from apps.common.memo import Memo
from apps.indicators.models import Visibility
from apps.matching.models import MatchParticipant
from apps.matching.visibility import may_see
from apps.organisations.models import Organisation, OrganisationStatus
from apps.outcomes.models import OutcomeKind, Review


@dataclass(frozen=True)
class SourceFigures:
    matched_reports: int
    false_positives: int

    @property
    def precision(self) -> float | None:
        if not self.matched_reports:
            return None
        return round(1 - self.false_positives / self.matched_reports, 4)


def source_figures(*, organisations: list[Organisation], silent_too: bool = True) -> dict[int, SourceFigures]:
    """Each source's matched reports and false positives; without `silent_too`, only its visible reports'."""
    by_pk = {organisation.pk: organisation for organisation in organisations}
    reviews = Review.objects.filter(organisation__in=by_pk)
    if not silent_too:
        silent = MatchParticipant.objects.filter(
            match=OuterRef("match"), organisation=OuterRef("organisation"), report__visibility=Visibility.SILENT
        )
        reviews = reviews.exclude(Exists(silent))
    matched = list(reviews.values_list("organisation_id", "match_id"))
    match_ids = {match_id for _, match_id in matched}
    flagged: dict[int, set[int]] = defaultdict(set)  # match -> organisations that said false positive
    for organisation_id, match_id in Review.objects.filter(
        match_id__in=match_ids, outcome=OutcomeKind.FALSE_POSITIVE
    ).values_list("organisation_id", "match_id"):
        flagged[match_id].add(organisation_id)
    reports = {
        (participant.match_id, participant.organisation_id): participant.report
        for participant in MatchParticipant.objects.filter(match_id__in=set(flagged)).select_related(
            "report__organisation"
        )
    }
    counts: dict[int, list[int]] = {pk: [0, 0] for pk in by_pk}
    for organisation_id, match_id in matched:
        source = by_pk[organisation_id]
        counts[organisation_id][0] += 1
        if any(
            reviewer != organisation_id
            and (match_id, reviewer) in reports
            and may_see(reports[(match_id, reviewer)], source)
            for reviewer in flagged[match_id]
        ):
            counts[organisation_id][1] += 1
    return {pk: SourceFigures(*figures) for pk, figures in counts.items()}


def _hours_median(reviews: list[Review]) -> float | None:
    spans = [(review.recorded_at - review.opened_at).total_seconds() / 3600 for review in reviews]
    return round(statistics.median(spans), 2) if spans else None


def precision_for(*, organisation: Organisation) -> dict[str, Any]:
    """What the organisation's outcomes say of its own reports and of how fast it acts."""
    figures = source_figures(organisations=[organisation])[organisation.pk]
    reviews = list(Review.objects.filter(organisation=organisation))
    recorded = [review for review in reviews if not review.is_open]
    return {
        "matched_reports": figures.matched_reports,
        "false_positives": figures.false_positives,
        "precision": figures.precision,
        "reviews_open": len(reviews) - len(recorded),
        "reviews_recorded": len(recorded),
        "time_to_action_hours_median": _hours_median(recorded),
        "sector": organisation.sector,
        "sector_precision": sector_precision(sectors={organisation.sector})[organisation.sector],
    }


# Screening shows it beside every visible counterpart: it is the same for every viewer, so it is
# computed once for all sectors, again when a review is recorded, and at least every five minutes.
SECTOR_PRECISION = Memo("outcomes-sector-precision", timeout=300)


def sector_precision(*, sectors: set[str]) -> dict[str, float | None]:
    """Each sector's pooled precision, or None from fewer than the minimum of organisations with figures."""
    every = SECTOR_PRECISION.get(_sector_precision_all)
    return {sector: every.get(sector) for sector in sectors}


def _sector_precision_all() -> dict[str, float | None]:
    members = list(Organisation.objects.filter(status=OrganisationStatus.ACTIVE))
    # Everyone sees the pooled figure: a silent report must not move it, nor count its reporter.
    figures = source_figures(organisations=members, silent_too=False)
    pooled: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # organisations, matched, flagged
    for member in members:
        if figures[member.pk].matched_reports:
            cell = pooled[member.sector]
            cell[0] += 1
            cell[1] += figures[member.pk].matched_reports
            cell[2] += figures[member.pk].false_positives
    return {
        sector: round(1 - flagged / matched, 4) if count >= settings.VIGIL_STATISTICS_K else None
        for sector, (count, matched, flagged) in pooled.items()
    }
