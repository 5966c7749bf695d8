"""A seeded consortium: 21 organisations across sectors and jurisdictions, thousands of wallets with known overlaps
and values, reported around 2026Q3 (some before it, some after), with the matches the hub would have made."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.indicators.models import Report, ReportStatus
from apps.matching.models import Match, MatchParticipant
from apps.organisations.models import Organisation, OrganisationStatus
from apps.statistics.periods import period_parse
from tests.factories import OrganisationFactory, token_for

PERIOD = period_parse("2026Q3")
MEMBERS = [
    ("bank", "GB"), ("bank", "GB"), ("bank", "GB"), ("bank", "DE"), ("bank", "DE"), ("bank", "US"),
    ("exchange", "MT"), ("exchange", "MT"), ("exchange", "GB"), ("exchange", "GB"), ("exchange", "US"),
    ("law_enforcement", "GB"), ("law_enforcement", "US"), ("law_enforcement", "US"), ("law_enforcement", "NL"),
    ("ngo", "US"), ("ngo", "NL"), ("ngo", "GB"),
    ("payment_provider", "SG"), ("regulator", "GB"), ("bank", "FR"),
]  # fmt: skip
CATEGORIES = ["osec_payment"] * 5 + ["csam_marketplace"] * 3 + ["sextortion"] * 3 + ["trafficking", "grooming"]
NAMESPACES = ["btc"] * 6 + ["evm"] * 5 + ["trx"] * 3 + ["ltc", "xmr"]
START = datetime(2026, 6, 1, tzinfo=UTC)
SPAN_DAYS = 150  # June to October


@dataclass
class Consortium:
    members: list[Organisation]
    suspended: Organisation
    key_id: str = "0123456789abcdef"

    def report(self, organisation: Organisation, token: str, at: datetime, **fields: object) -> Report:
        defaults = {"namespace": "btc", "category": "osec_payment", "visibility": "anonymous"}
        return Report.objects.create(
            organisation=organisation, key_id=self.key_id, token=token, created_at=at, active_since=at,
            updated_at=at, expires_at=at + timedelta(days=365), **{**defaults, **fields},
        )  # fmt: skip


def _matches(reports: list[Report]) -> None:
    """Match and participant rows as matching writes them: the match when a second organisation reports."""
    by_token: dict[str, list[Report]] = {}
    for report in sorted(reports, key=lambda r: (r.created_at, r.pk)):
        by_token.setdefault(report.token, []).append(report)
    participants = []
    for token, items in by_token.items():
        if len({r.organisation_id for r in items}) < 2:
            continue
        formed = items[1].created_at
        match = Match.objects.create(key_id=items[0].key_id, token=token, created_at=formed, updated_at=formed)
        for r in items:
            joined = max(formed, r.created_at)
            participants.append(
                MatchParticipant(
                    match=match, token=token, report=r, organisation_id=r.organisation_id, joined_at=joined
                )
            )
    MatchParticipant.objects.bulk_create(participants)


def consortium_seed() -> Consortium:
    rng = random.Random(11)
    members = [
        OrganisationFactory(name=f"{sector} {n}", sector=sector, jurisdiction=jurisdiction)
        for n, (sector, jurisdiction) in enumerate(MEMBERS)
    ]
    suspended = OrganisationFactory(name="Suspended bank", sector="bank", status=OrganisationStatus.SUSPENDED)
    world = Consortium(members, suspended)
    reports = []
    for n in range(2400):
        token = token_for(f"consortium-{n}")
        reporters = rng.sample(members, k=rng.choice([1, 1, 1, 2, 2, 3, 4]))
        namespace = rng.choice(NAMESPACES)
        first = START + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
        for i, organisation in enumerate(reporters):
            at = first + timedelta(hours=i * rng.randrange(1, 400))
            value = Decimal(rng.randrange(1, 50_000)) / 100 if rng.random() < 0.3 else None
            reports.append(Report(
                organisation=organisation, key_id=world.key_id, token=token, namespace=namespace,
                category=rng.choice(CATEGORIES), visibility=rng.choice(["named", "anonymous", "anonymous", "silent"]),
                created_at=at, active_since=at, updated_at=at, expires_at=at + timedelta(days=365),
                value_amount=value, value_currency=rng.choice(["BTC", "usd"]) if value else "",
                status=ReportStatus.WITHDRAWN if rng.random() < 0.03 else ReportStatus.ACTIVE,
            ))  # fmt: skip
        if rng.random() < 0.05:
            reports.append(Report(
                organisation=suspended, key_id=world.key_id, token=token, namespace=namespace, category="other",
                visibility="named", created_at=first, active_since=first, updated_at=first,
                expires_at=first + timedelta(days=365),
            ))  # fmt: skip
    created = Report.objects.bulk_create(reports)
    _matches(created)
    return world


@pytest.fixture
def consortium(db) -> Consortium:
    return consortium_seed()
