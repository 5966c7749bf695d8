"""The statistics tables of a release, each computed by its own function from the gathered facts.

A wallet is a token. A wallet flagged in the period is one that a visible report (not silent, not
withdrawn, of an active member) reached the hub in the period; what is said of it (categories, sectors,
jurisdictions, values) comes from all its counted reports up to the period's end.
"""

import statistics as stats
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from vigil_client.contract import NAMESPACES

from apps.indicators.models import Category
from apps.organisations.models import Sector
from apps.statistics.cells import Cell, Column, Line, Row, Table
from apps.statistics.facts import OTHER_JURISDICTIONS, Facts

SECTION = "statistics"
WALLETS = Column("wallets", "Wallets")
ORGANISATIONS = Column("organisations", "Organisations")


@dataclass
class Shared:
    """Figures that several tables print (the same cell object), and margins that cross tables."""

    wallets: Cell
    organisations: Cell
    by_month: dict[str, Cell]
    by_category: dict[str, Cell]
    lines: list[Line]


def _everyone(facts: Facts) -> set[int]:
    return {r.organisation for items in facts.reports.values() for r in items}


def shared_figures(facts: Facts) -> Shared:
    return Shared(
        wallets=Cell.of(facts.wallets, _everyone(facts)),
        organisations=Cell.of(facts.wallets, _everyone(facts), value=len(_everyone(facts))),
        by_month={},
        by_category={},
        lines=[],
    )


def _one_way(facts: Facts, shared: Shared, *, name: str, title: str, dimension: str,
             groups: list[tuple[str, str]], members: Callable[[str], dict[str, set[int]]],
             sensitivity: int, note: str = "") -> Table:  # fmt: skip
    """Wallets and organisations per group; `members(group)` maps each wallet in the group to its organisations."""
    rows = []
    for key, label in groups:
        behind = members(key)
        organisations = set().union(*behind.values()) if behind else set()
        wallets = Cell.of(behind, organisations)
        rows.append(
            Row(
                key,
                label,
                {"wallets": wallets, "organisations": Cell.of(behind, organisations, value=len(organisations))},
            )
        )
    total = Row("total", "All wallets", {"wallets": shared.wallets, "organisations": shared.organisations})
    table = Table(name, title, SECTION, dimension, [WALLETS, ORGANISATIONS], rows, total, note=note,
                  sensitivity=sensitivity)  # fmt: skip
    table.lines.append(Line(tuple(row.cells["wallets"] for row in rows), shared.wallets))
    table.lines.append(Line(tuple(row.cells["organisations"] for row in rows), shared.organisations))
    return table


def _grouped(facts: Facts, group_of: Callable[[object], str | None]) -> Callable[[str], dict[str, set[int]]]:
    index: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for token, items in facts.reports.items():
        for report in items:
            group = group_of(report)
            if group is not None:
                index[group][token].add(report.organisation)
    return lambda key: index.get(key, {})


def overview(facts: Facts, shared: Shared) -> Table:
    window_tokens = {r.token for r in facts.window_reports}
    window_organisations = {r.organisation for r in facts.window_reports}
    shared_wallets = {t: {r.organisation for r in items} for t, items in facts.reports.items()}
    shared_wallets = {t: orgs for t, orgs in shared_wallets.items() if len(orgs) >= 2}
    row = Row(
        "all",
        "All",
        {
            "wallets": shared.wallets,
            "organisations": shared.organisations,
            "reports": Cell.of(window_tokens, window_organisations, value=len(facts.window_reports)),
            "shared_wallets": Cell.of(shared_wallets, set().union(*shared_wallets.values()) if shared_wallets else ()),
        },
    )
    columns = [
        Column("wallets", "Distinct wallets flagged"),
        Column("organisations", "Reporting organisations"),
        Column("reports", "Reports received"),
        Column("shared_wallets", "Wallets reported by two or more organisations"),
    ]
    # One report moves each of the four counts by at most one.
    return Table("overview", "Overview", SECTION, "", columns, [row], sensitivity=4)


def by_category(facts: Facts, shared: Shared) -> Table:
    table = _one_way(
        facts, shared, name="wallets-by-category", title="Distinct wallets by category", dimension="category",
        groups=list(Category.choices), members=_grouped(facts, lambda r: r.category),
        sensitivity=4,
        note="A wallet reported under several categories counts once in each, once in the total.",
    )  # fmt: skip
    shared.by_category = {row.key: row.cells["wallets"] for row in table.rows}
    return table


def by_namespace(facts: Facts, shared: Shared) -> Table:
    # The namespace is part of the token's input: a wallet has one, the one its first report gave.
    first = {token: items[0].namespace for token, items in facts.reports.items()}
    return _one_way(
        facts, shared, name="wallets-by-namespace", title="Distinct wallets by address space",
        dimension="namespace", groups=[(ns, ns) for ns in NAMESPACES],
        members=_grouped(facts, lambda r: r.namespace if first[r.token] == r.namespace else None),
        sensitivity=6,
    )  # fmt: skip


def by_sector(facts: Facts, shared: Shared) -> Table:
    return _one_way(
        facts, shared, name="wallets-by-sector", title="Distinct wallets by reporting sector", dimension="sector",
        groups=list(Sector.choices), members=_grouped(facts, lambda r: facts.sector_of.get(r.organisation)),
        sensitivity=4,
        note="A wallet reported from several sectors counts once in each, once in the total.",
    )  # fmt: skip


def by_jurisdiction(facts: Facts, shared: Shared) -> Table:
    named = sorted({j for j in facts.jurisdiction_of.values() if j != OTHER_JURISDICTIONS})
    groups = [(j, j) for j in named]
    if OTHER_JURISDICTIONS in facts.jurisdiction_of.values():
        groups.append((OTHER_JURISDICTIONS, f"Jurisdictions with fewer than {facts.k} members"))
    return _one_way(
        facts, shared, name="wallets-by-jurisdiction", title="Distinct wallets by reporter's jurisdiction",
        dimension="jurisdiction", groups=groups,
        members=_grouped(facts, lambda r: facts.jurisdiction_of.get(r.organisation)),
        sensitivity=4,
        note="A jurisdiction with fewer than k member organisations is pooled, so its name alone says nothing.",
    )  # fmt: skip


def sector_overlap(facts: Facts, shared: Shared) -> Table:
    sectors = list(Sector.choices)
    per_wallet: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for token, items in facts.reports.items():
        for report in items:
            per_wallet[token][facts.sector_of[report.organisation]].add(report.organisation)
    cells: dict[tuple[str, str], Cell] = {}
    for i, (a, _) in enumerate(sectors):
        for b, _ in sectors[i + 1 :]:
            both = [t for t, by in per_wallet.items() if a in by and b in by]
            side_a = set().union(*(per_wallet[t][a] for t in both)) if both else set()
            side_b = set().union(*(per_wallet[t][b] for t in both)) if both else set()
            # Each side needs k organisations: otherwise a lone bank would learn the other side's count of its own.
            cells[(a, b)] = cells[(b, a)] = Cell(
                value=len(both), wallets=len(both), organisations=min(len(side_a), len(side_b))
            )
    columns = [Column(key, label) for key, label in sectors]
    rows = [Row(a, label, {b: cells.get((a, b)) for b, _ in sectors}) for a, label in sectors]
    # One report joins its wallet to at most one sector, so to at most six pairs.
    return Table(
        "sector-overlap", "Wallets reported from both sectors", SECTION, "sector", columns, rows, sensitivity=6,
        note="Each cell needs k organisations on each side.",
    )  # fmt: skip


def by_month(facts: Facts, shared: Shared) -> Table:
    reported: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for report in facts.window_reports:
        reported[f"{report.created_at:%Y-%m}"][report.token].add(report.organisation)
    rows, new_cells, firsts = [], [], {t: f"{facts.first_report_at(t):%Y-%m}" for t in facts.reports}
    for month in facts.period.months():
        key = f"{month:%Y-%m}"
        wallets = reported.get(key, {})
        new = {t: o for t, o in wallets.items() if firsts[t] == key}
        recurring = {t: o for t, o in wallets.items() if firsts[t] != key}
        cells = {name: Cell.of(group, set().union(*group.values()) if group else ())
                 for name, group in (("wallets", wallets), ("new", new), ("recurring", recurring))}  # fmt: skip
        shared.by_month[key] = cells["wallets"]
        new_cells.append(cells["new"])
        rows.append(Row(key, key, cells))
    everyone = _everyone(facts)
    new_total = [t for t in facts.reports if facts.in_period(facts.first_report_at(t))]
    before = [t for t in facts.reports if not facts.in_period(facts.first_report_at(t))]
    total = Row("total", "Period", {"wallets": shared.wallets, "new": Cell.of(new_total, everyone),
                                    "recurring": Cell.of(before, everyone)})  # fmt: skip
    columns = [Column("wallets", "Wallets reported"), Column("new", "New"), Column("recurring", "Recurring")]
    table = Table(
        "wallets-by-month", "Wallets reported each month, new and recurring", SECTION, "month", columns, rows,
        total, sensitivity=11,
        note="New: first reported to the hub that month. Recurring: reported again that month by anyone.",
    )  # fmt: skip
    table.lines.append(Line(tuple(new_cells), total.cells["new"]))
    table.lines.append(Line(tuple(row.cells["wallets"] for row in rows), shared.wallets))
    for row in [*rows, total]:  # new + recurring = all, in each month and in the period
        table.lines.append(Line((row.cells["new"], row.cells["recurring"]), row.cells["wallets"]))
    return table


def categories_by_month(facts: Facts, shared: Shared) -> Table:
    index: dict[tuple[str, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for report in facts.window_reports:
        index[(f"{report.created_at:%Y-%m}", report.category)][report.token].add(report.organisation)
    categories = list(Category.choices)
    rows = []
    for month in facts.period.months():
        key = f"{month:%Y-%m}"
        cells = {}
        for category, _ in categories:
            group = index.get((key, category), {})
            cells[category] = Cell.of(group, set().union(*group.values()) if group else ())
        rows.append(Row(key, key, cells))
        # Its margin is the month's wallets, printed in the table of months.
        shared.lines.append(Line(tuple(cells.values()), shared.by_month[key]))
    for category, _ in categories:
        shared.lines.append(Line(tuple(row.cells[category] for row in rows), shared.by_category[category]))
    return Table(
        "categories-by-month", "Wallets reported each month by category", SECTION, "month",
        [Column(key, label) for key, label in categories], rows, sensitivity=1,
    )  # fmt: skip


def _sum(values: list[Decimal]) -> float:
    return float(round(sum(values, Decimal(0)), 8))


def values_received(facts: Facts, shared: Shared) -> Table:
    per_currency: dict[str, dict[str, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for token, items in facts.reports.items():
        for report in items:
            if report.value_amount is not None and report.value_currency:
                per_currency[report.value_currency.upper()][token][report.organisation] = report.value_amount
    rows = []
    for currency in sorted(per_currency):
        wallets = per_currency[currency]
        organisations = {o for by in wallets.values() for o in by}
        amounts = [sorted(by.values()) for by in wallets.values()]

        def cell(value: float) -> Cell:
            return Cell.of(wallets, organisations, value=value, count=False)  # noqa: B023

        rows.append(Row(currency, currency, {
            "wallets": Cell.of(wallets, organisations),
            "organisations": Cell.of(wallets, organisations, value=len(organisations)),
            "low": cell(_sum([a[0] for a in amounts])),
            "median": cell(_sum([Decimal(stats.median(a)) for a in amounts])),
            "high": cell(_sum([a[-1] for a in amounts])),
        }))  # fmt: skip
    columns = [
        WALLETS,
        ORGANISATIONS,
        Column("low", "Sum of each wallet's lowest reported value"),
        Column("median", "Sum of each wallet's median reported value"),
        Column("high", "Sum of each wallet's highest reported value"),
    ]
    return Table(
        "values-received", "Reported values received, once per wallet", SECTION, "currency", columns, rows,
        open_rows=True, sensitivity=4,
        note="Each wallet counts once: its reporters' values give the lowest, median and highest estimate. "
        "Currencies with a suppressed row are left out of members' view, since the name alone would say something. "
        "Sums are never noised.",
    )  # fmt: skip


def time_to_match(facts: Facts, shared: Shared) -> Table:
    matched = {t: at for t, at in facts.first_match_at.items() if facts.in_period(at)}
    hours = [(at - facts.first_report_at(t)).total_seconds() / 3600 for t, at in matched.items()]
    organisations = {r.organisation for t in matched for r in facts.reports[t]}
    median = round(stats.median(hours), 1) if hours else None
    row = Row("all", "All", {
        "wallets": Cell.of(matched, organisations),
        "median_hours": Cell(value=median, wallets=len(matched), organisations=len(organisations), count=False),
    })  # fmt: skip
    columns = [Column("wallets", "Wallets first matched in the period"),
               Column("median_hours", "Median hours from first report to first match")]  # fmt: skip
    return Table("time-to-match", "Time from first report to first match", SECTION, "", columns, [row],
                 sensitivity=1)  # fmt: skip


def silent_watch(facts: Facts, shared: Shared) -> Table:
    row = Row("all", "All", {
        "wallets": Cell.of({t for t, _ in facts.silent}, {o for _, o in facts.silent}),
        "organisations": Cell.of({t for t, _ in facts.silent}, {o for _, o in facts.silent},
                                 value=len({o for _, o in facts.silent})),
    })  # fmt: skip
    return Table(
        "silent-watch", "Wallets watched silently", SECTION, "", [WALLETS, ORGANISATIONS], [row],
        sensitivity=2,
        note="Silent reports count only here, as one aggregate published from k wallets and k organisations.",
    )  # fmt: skip


# In order of the release; by_month comes before categories_by_month, whose margins it prints.
TABLES: list[Callable[[Facts, Shared], Table]] = [
    overview,
    by_month,
    by_category,
    categories_by_month,
    by_namespace,
    by_sector,
    sector_overlap,
    by_jurisdiction,
    values_received,
    time_to_match,
    silent_watch,
]
