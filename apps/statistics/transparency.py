"""The transparency report's own sections, each computed by its own function for the release's period.

Every cell is under the release's suppression rules; key rotations are the hub's own acts and have no
contributing organisation. Outcomes count only reviews by participants whose report in the match is not
silent: a silent reporter's action is no more published than its report.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet, Sum

from apps.audit.models import AuditEvent
from apps.indicators.models import Report, ReportStatus, Visibility
from apps.matching.models import DisclosureRequest, DisclosureStatus, MatchParticipant, ScreenTally, Sighting
from apps.oprf.models import EvaluationUsage, OprfKey
from apps.organisations.models import OrganisationStatus, Sector
from apps.outcomes.models import Dispute, DisputeState, OutcomeKind, Review
from apps.statistics.cells import Cell, Column, Line, Row, Table
from apps.statistics.facts import OTHER_JURISDICTIONS, Facts, counted_reports
from apps.statistics.models import AuthorityKind, GovernmentRequest, RequestOutcome

SECTION = "transparency"


def _members_table(name: str, title: str, dimension: str, groups: list[tuple[str, str]],
                   count: dict[str, int]) -> Table:  # fmt: skip
    rows = [Row(key, label, {"organisations": Cell(value=count.get(key, 0), organisations=count.get(key, 0))})
            for key, label in groups]  # fmt: skip
    everyone = sum(count.values())
    total = Row("total", "All members", {"organisations": Cell(value=everyone, organisations=everyone)})
    table = Table(name, title, SECTION, dimension, [Column("organisations", "Member organisations")], rows, total)
    table.column_lines()
    return table


def members_by_sector(facts: Facts) -> Table:
    count: dict[str, int] = defaultdict(int)
    for sector in facts.sector_of.values():
        count[sector] += 1
    return _members_table("members-by-sector", "Members by sector", "sector", list(Sector.choices), count)


def members_by_jurisdiction(facts: Facts) -> Table:
    count: dict[str, int] = defaultdict(int)
    for jurisdiction in facts.jurisdiction_of.values():
        count[jurisdiction] += 1
    groups = [(j, j) for j in sorted(count) if j != OTHER_JURISDICTIONS]
    if OTHER_JURISDICTIONS in count:
        groups.append((OTHER_JURISDICTIONS, f"Jurisdictions with fewer than {facts.k} members"))
    return _members_table("members-by-jurisdiction", "Members by jurisdiction", "jurisdiction", groups, count)


def reports_received(facts: Facts) -> Table:
    window = facts.window_reports
    withdrawn = list(
        Report.objects.filter(
            status=ReportStatus.WITHDRAWN,
            ended_at__gte=facts.period.start_at,
            ended_at__lt=facts.period.end_at,
            organisation__status=OrganisationStatus.ACTIVE,
        )
        .exclude(visibility=Visibility.SILENT)
        .values_list("token", "organisation_id")
    )
    row = Row("all", "All", {
        "received": Cell.of({r.token for r in window}, {r.organisation for r in window}, value=len(window)),
        "withdrawn": Cell.of({t for t, _ in withdrawn}, {o for _, o in withdrawn}, value=len(withdrawn)),
    })  # fmt: skip
    columns = [Column("received", "Reports received"), Column("withdrawn", "Reports withdrawn")]
    return Table("reports", "Reports", SECTION, "", columns, [row], note="Silent reports are counted apart.")


def screenings(facts: Facts) -> Table:
    """Screenings are counted per actor and minute: tallies not yet sealed, and the `screen.checked` audit
    events they are sealed into (one per request, with `count`, before screenings were tallied)."""
    start, end = facts.period.start_at, facts.period.end_at
    counted: list[tuple[int | None, int, int]] = list(
        ScreenTally.objects.filter(minute__gte=start, minute__lt=end).values_list(
            "organisation_id", "requests", "tokens"
        )
    )
    # A minute is sealed a little after it ends: look that far past the period, and place it by its minute.
    events = AuditEvent.objects.filter(
        action="screen.checked", created_at__gte=start, created_at__lt=end + timedelta(hours=1)
    ).values_list("organisation_id", "created_at", "data")
    for organisation, created_at, data in events:
        minute = datetime.fromisoformat(data["minute"]) if "minute" in data else created_at
        if start <= minute < end:
            counted.append((organisation, int(data.get("requests", 1)), int(data.get("tokens", data.get("count", 0)))))
    organisations = {organisation for organisation, _, _ in counted}
    requests = sum(n for _, n, _ in counted)
    wallets = sum(n for _, _, n in counted)
    row = Row("all", "All", {
        "requests": Cell(value=requests, organisations=len(organisations)),
        "wallets": Cell(value=wallets, organisations=len(organisations)),
    })  # fmt: skip
    columns = [Column("requests", "Screening requests"), Column("wallets", "Wallets screened")]
    return Table("screenings", "Screenings", SECTION, "", columns, [row])


def sightings(facts: Facts) -> Table:
    # Only sightings of wallets someone reported visibly: a sighting of a silently watched wallet says it exists.
    visible = counted_reports(facts.period).exclude(visibility=Visibility.SILENT).values("token")
    rows = list(
        Sighting.objects.filter(
            created_at__gte=facts.period.start_at, created_at__lt=facts.period.end_at, token__in=visible
        ).values_list("token", "organisation_id")
    )
    row = Row("all", "All", {
        "sightings": Cell.of({t for t, _ in rows}, {o for _, o in rows}, value=len(rows)),
        "wallets": Cell.of({t for t, _ in rows}, {o for _, o in rows}),
    })  # fmt: skip
    columns = [Column("sightings", "Sightings recorded"), Column("wallets", "Wallets sighted")]
    return Table("sightings", "Sightings", SECTION, "", columns, [row])


def disclosures(facts: Facts) -> Table:
    start, end = facts.period.start_at, facts.period.end_at
    requests = DisclosureRequest.objects.values_list("match__token", "requester_id", "target_id")
    groups = {
        "requested": requests.filter(created_at__gte=start, created_at__lt=end),
        "approved": requests.filter(status=DisclosureStatus.APPROVED, answered_at__gte=start, answered_at__lt=end),
        "refused": requests.filter(status=DisclosureStatus.REFUSED, answered_at__gte=start, answered_at__lt=end),
        "expired": requests.filter(status=DisclosureStatus.EXPIRED, expires_at__gte=start, expires_at__lt=end),
    }
    rows = []
    for key, queryset in groups.items():
        items = list(queryset)
        behind = {o for _, requester, target in items for o in (requester, target)}
        rows.append(Row(key, key.capitalize(), {"requests": Cell.of({t for t, _, _ in items}, behind,
                                                                     value=len(items))}))  # fmt: skip
    return Table("disclosures", "Disclosure requests", SECTION, "status", [Column("requests", "Requests")], rows)


def evaluations(facts: Facts) -> Table:
    usage = EvaluationUsage.objects.filter(day__gte=facts.period.start, day__lt=facts.period.end)
    organisations = set(usage.values_list("organisation_id", flat=True))
    total = usage.aggregate(total=Sum("count"))["total"] or 0
    row = Row("all", "All", {"evaluations": Cell(value=total, organisations=len(organisations))})
    return Table("evaluations", "OPRF evaluations", SECTION, "", [Column("evaluations", "Evaluations")], [row])


def key_rotations(facts: Facts) -> Table:
    rotations = OprfKey.objects.filter(
        activated_at__gte=facts.period.start_at, activated_at__lt=facts.period.end_at
    ).count()
    row = Row("all", "All", {"rotations": Cell(value=rotations)})  # the hub's own act: nobody's report behind it
    return Table("key-rotations", "OPRF key rotations", SECTION, "", [Column("rotations", "Keys activated")], [row])


def government_requests(facts: Facts) -> Table:
    received = GovernmentRequest.objects.filter(received_on__gte=facts.period.start, received_on__lt=facts.period.end)
    count: dict[tuple[str, str], int] = defaultdict(int)
    for authority, outcome in received.values_list("authority", "outcome"):
        count[(authority, "received")] += 1
        count[(authority, outcome)] += 1
    columns = [Column("received", "Received"), *(Column(key, label) for key, label in RequestOutcome.choices)]

    def cell(value: int) -> Cell:
        # Each request counts as one contributor: fewer than k of a kind is published as "fewer than k".
        return Cell(value=value, organisations=value)

    rows = [Row(key, label, {c.name: cell(count[(key, c.name)]) for c in columns})
            for key, label in AuthorityKind.choices]  # fmt: skip
    total = Row("total", "All", {c.name: cell(sum(count[(key, c.name)] for key, _ in AuthorityKind.choices))
                                 for c in columns})  # fmt: skip
    table = Table("government-requests", "Government and court requests received", SECTION, "authority",
                  columns, rows, total)  # fmt: skip
    table.column_lines()
    # Outcomes of one authority's requests add up to what it sent.
    for row in [*rows, total]:
        outcomes = tuple(row.cells[key] for key, _ in RequestOutcome.choices)
        table.lines.append(Line(outcomes, row.cells["received"]))
    return table


def _reviews_recorded(facts: Facts) -> QuerySet[Review]:
    silent = MatchParticipant.objects.filter(
        match_id=OuterRef("match_id"), organisation_id=OuterRef("organisation_id"), report__visibility=Visibility.SILENT
    )
    return Review.objects.filter(recorded_at__gte=facts.period.start_at, recorded_at__lt=facts.period.end_at).exclude(
        Exists(silent)
    )


def outcomes(facts: Facts) -> Table:
    reviews = list(_reviews_recorded(facts).values_list("outcome", "match__token", "organisation_id"))
    rows = []
    for key, label in OutcomeKind.choices:
        kind = [(token, organisation) for outcome, token, organisation in reviews if outcome == key]
        rows.append(Row(key, label, {"reviews": Cell.of({t for t, _ in kind}, {o for _, o in kind},
                                                        value=len(kind))}))  # fmt: skip
    total = Row("total", "All outcomes recorded", {"reviews": Cell.of(
        {t for _, t, _ in reviews}, {o for _, _, o in reviews}, value=len(reviews))})  # fmt: skip
    note = "One review per organisation and match, as last recorded in the period."
    table = Table("outcomes", "What matches led to", SECTION, "outcome", [Column("reviews", "Reviews recorded")],
                  rows, total, note=note)  # fmt: skip
    table.column_lines()
    return table


def disputes(facts: Facts) -> Table:
    opened = Dispute.objects.filter(created_at__gte=facts.period.start_at, created_at__lt=facts.period.end_at)
    items = list(opened.values_list("state", "match__token", "disputer_id", "report__organisation_id"))
    rows = []
    for key, label in DisputeState.choices:
        kind = [(token, a, b) for state, token, a, b in items if state == key]
        rows.append(Row(key, label, {"disputes": Cell.of({t for t, _, _ in kind}, {o for _, *pair in kind
                                                                                    for o in pair},
                                                         value=len(kind))}))  # fmt: skip
    total = Row("total", "All disputes opened", {"disputes": Cell.of(
        {t for _, t, _, _ in items}, {o for _, _, *pair in items for o in pair}, value=len(items))})  # fmt: skip
    table = Table("disputes", "Disputes opened, by where they stand", SECTION, "state",
                  [Column("disputes", "Disputes")], rows, total)  # fmt: skip
    table.column_lines()
    return table


def frozen_amounts(facts: Facts) -> Table:
    frozen = _reviews_recorded(facts).filter(outcome=OutcomeKind.FUNDS_FROZEN).exclude(amount=None)
    by_currency: dict[str, list[tuple[object, str, int]]] = defaultdict(list)
    for amount, currency, token, organisation in frozen.values_list("amount", "currency", "match__token",
                                                                    "organisation_id"):  # fmt: skip
        by_currency[currency.upper()].append((amount, token, organisation))
    rows = [
        Row(currency, currency, {
            "amount": Cell.of({t for _, t, _ in entries}, {o for _, _, o in entries},
                              value=float(sum(a for a, _, _ in entries)), count=False),
            "reviews": Cell.of({t for _, t, _ in entries}, {o for _, _, o in entries}, value=len(entries)),
        })
        for currency, entries in sorted(by_currency.items())
    ]  # fmt: skip
    columns = [Column("amount", "Amount frozen"), Column("reviews", "Reviews reporting a freeze")]
    # A currency's name alone says something: a suppressed currency's row is left out of members' view.
    return Table("frozen-amounts", "Funds frozen, by currency", SECTION, "currency", columns, rows, open_rows=True,
                 note="Amounts as the freezing members recorded them; currencies are not converted.")  # fmt: skip


SECTIONS: list[Callable[[Facts], Table]] = [
    members_by_sector,
    members_by_jurisdiction,
    reports_received,
    screenings,
    sightings,
    disclosures,
    outcomes,
    disputes,
    frozen_amounts,
    evaluations,
    key_rotations,
    government_requests,
]
