"""The raw rows a release is computed from, read once: counted reports, organisations, first matches."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from apps.indicators.models import Report, ReportStatus, Visibility
from apps.matching.models import MatchParticipant, MatchStatus
from apps.organisations.models import Organisation, OrganisationStatus
from apps.statistics.periods import Period

OTHER_JURISDICTIONS = "other"


@dataclass(frozen=True)
class ReportFact:
    token: str
    organisation: int
    category: str
    namespace: str
    created_at: datetime
    value_amount: Decimal | None
    value_currency: str


@dataclass
class Facts:
    period: Period
    k: int
    sector_of: dict[int, str]
    jurisdiction_of: dict[int, str]  # grouped: jurisdictions with fewer than k members pool as "other"
    # Every counted, visible report (not silent, not withdrawn, of an active member) of a wallet flagged in the
    # period, from any time before the period's end, oldest first.
    reports: dict[str, list[ReportFact]]
    silent: list[tuple[str, int]]  # (token, organisation) of silent reports received in the period
    first_match_at: dict[str, datetime]  # when each wallet first had two visible reporters in a match
    window_reports: list[ReportFact] = field(default_factory=list)

    @property
    def wallets(self) -> set[str]:
        return set(self.reports)

    def first_report_at(self, token: str) -> datetime:
        return self.reports[token][0].created_at

    def in_period(self, moment: datetime) -> bool:
        return self.period.start_at <= moment < self.period.end_at


def counted_reports(period: Period) -> QuerySet[Report]:
    """Reports that count: not withdrawn (a withdrawal is usually a mistake undone), of active members, received
    before the period's end. Silent reports are counted apart, as one aggregate (see `silent`)."""
    return Report.objects.filter(created_at__lt=period.end_at, organisation__status=OrganisationStatus.ACTIVE).exclude(
        status=ReportStatus.WITHDRAWN
    )


def _jurisdictions(members: list[tuple[int, str, str]], k: int) -> dict[int, str]:
    per_jurisdiction: dict[str, int] = defaultdict(int)
    for _, _, jurisdiction in members:
        per_jurisdiction[jurisdiction] += 1
    return {
        pk: jurisdiction if per_jurisdiction[jurisdiction] >= k else OTHER_JURISDICTIONS
        for pk, _, jurisdiction in members
    }


def _first_matches(tokens: set[str], reports: QuerySet[Report]) -> dict[str, datetime]:
    joined: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    participants = MatchParticipant.objects.filter(report__in=reports).exclude(match__status=MatchStatus.DISMISSED)
    for token, organisation, joined_at in participants.values_list("match__token", "organisation_id", "joined_at"):
        if token in tokens:
            joined[token].append((joined_at, organisation))
    first = {}
    for token, entries in joined.items():
        entries.sort()
        seen: set[int] = set()
        for joined_at, organisation in entries:
            seen.add(organisation)
            if len(seen) == 2:
                first[token] = joined_at
                break
    return first


def facts_gather(*, period: Period, k: int) -> Facts:
    members = list(
        Organisation.objects.filter(status=OrganisationStatus.ACTIVE).values_list("id", "sector", "jurisdiction")
    )
    counted = counted_reports(period)
    visible = counted.exclude(visibility=Visibility.SILENT)
    flagged = visible.filter(created_at__gte=period.start_at).values("token")
    reports: dict[str, list[ReportFact]] = defaultdict(list)
    fields = ("token", "organisation_id", "category", "namespace", "created_at", "value_amount", "value_currency")
    for row in visible.filter(token__in=flagged).order_by("created_at", "id").values_list(*fields):
        reports[row[0]].append(ReportFact(*row))
    silent = list(
        counted.filter(visibility=Visibility.SILENT, created_at__gte=period.start_at).values_list(
            "token", "organisation_id"
        )
    )
    facts = Facts(
        period=period,
        k=k,
        sector_of={pk: sector for pk, sector, _ in members},
        jurisdiction_of=_jurisdictions(members, k),
        reports=dict(reports),
        silent=silent,
        first_match_at=_first_matches(set(reports), visible),
    )
    facts.window_reports = [r for items in facts.reports.values() for r in items if facts.in_period(r.created_at)]
    return facts
