"""An independent recomputation of every statistic from the raw rows, one query (or a few) per figure.

It shares no code with apps/statistics: each figure is written out again from the definitions in the
README, as an outside auditor holding the database would compute it.
"""

import statistics
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Min, OuterRef, QuerySet, Subquery

from apps.indicators.models import Report
from apps.matching.models import MatchParticipant
from apps.organisations.models import Organisation

Figure = tuple[object, int | None, int | None]  # value, wallets behind it, organisations behind it
SECTORS = ["bank", "exchange", "payment_provider", "ngo", "law_enforcement", "regulator", "other"]
CATEGORIES = ["osec_payment", "csam_marketplace", "sextortion", "trafficking", "grooming", "other"]
NAMESPACES = ["btc", "evm", "trx", "ltc", "bch", "doge", "xmr", "sol"]


def _figure(reports: QuerySet, value: object = None) -> Figure:
    wallets = reports.values("token").distinct().count()
    organisations = reports.values("organisation").distinct().count()
    return (wallets if value is None else value), wallets, organisations


def recompute(period, k: int) -> dict[tuple[str, str, str], Figure]:
    start, end = period.start_at, period.end_at
    counted = Report.objects.filter(organisation__status="active", created_at__lt=end).exclude(status="withdrawn")
    visible = counted.exclude(visibility="silent")
    in_period = visible.filter(created_at__gte=start)
    flagged = visible.filter(token__in=in_period.values("token"))
    out: dict[tuple[str, str, str], Figure] = {}

    everyone = _figure(flagged)
    out["overview", "all", "wallets"] = everyone
    out["overview", "all", "organisations"] = (everyone[2], everyone[1], everyone[2])
    out["overview", "all", "reports"] = _figure(in_period, in_period.count())
    shared = flagged.values("token").annotate(n=Count("organisation", distinct=True)).filter(n__gte=2)
    out["overview", "all", "shared_wallets"] = _figure(flagged.filter(token__in=shared.values("token")))

    def one_way(table: str, groups: dict[str, QuerySet]) -> None:
        for key, reports in groups.items():
            value, wallets, organisations = _figure(reports)
            out[table, key, "wallets"] = (value, wallets, organisations)
            out[table, key, "organisations"] = (organisations, wallets, organisations)
        out[table, "total", "wallets"] = everyone
        out[table, "total", "organisations"] = (everyone[2], everyone[1], everyone[2])

    one_way("wallets-by-category", {c: flagged.filter(category=c) for c in CATEGORIES})
    first_namespace = flagged.filter(token=OuterRef("token")).order_by("created_at", "id").values("namespace")[:1]
    with_first = flagged.annotate(first_namespace=Subquery(first_namespace))
    one_way("wallets-by-namespace", {n: with_first.filter(namespace=n, first_namespace=n) for n in NAMESPACES})
    one_way("wallets-by-sector", {s: flagged.filter(organisation__sector=s) for s in SECTORS})
    members = Organisation.objects.filter(status="active")
    per_jurisdiction = dict(members.values_list("jurisdiction").annotate(n=Count("id")))
    big = [j for j, n in per_jurisdiction.items() if n >= k]
    groups = {j: flagged.filter(organisation__jurisdiction=j) for j in big}
    groups["other"] = flagged.exclude(organisation__jurisdiction__in=big)
    one_way("wallets-by-jurisdiction", groups)

    for a in SECTORS:
        for b in SECTORS:
            if a == b:
                continue
            both = (
                flagged.filter(organisation__sector=a)
                .values("token")
                .intersection(flagged.filter(organisation__sector=b).values("token"))
            )
            tokens = {row["token"] for row in both}
            side_a = flagged.filter(organisation__sector=a, token__in=tokens).values("organisation").distinct().count()
            side_b = flagged.filter(organisation__sector=b, token__in=tokens).values("organisation").distinct().count()
            out["sector-overlap", a, b] = (len(tokens), len(tokens), min(side_a, side_b))

    first_at = dict(flagged.values_list("token").annotate(first=Min("created_at")))
    for month in period.months():
        key = f"{month:%Y-%m}"
        month_reports = in_period.filter(created_at__year=month.year, created_at__month=month.month)
        tokens = set(month_reports.values_list("token", flat=True))
        new = {t for t in tokens if f"{first_at[t]:%Y-%m}" == key}
        out["wallets-by-month", key, "wallets"] = _figure(month_reports)
        out["wallets-by-month", key, "new"] = _figure(month_reports.filter(token__in=new))
        out["wallets-by-month", key, "recurring"] = _figure(month_reports.exclude(token__in=new))
        for category in CATEGORIES:
            out["categories-by-month", key, category] = _figure(month_reports.filter(category=category))
    new_total = [t for t, at in first_at.items() if start <= at]
    before = [t for t, at in first_at.items() if at < start]
    out["wallets-by-month", "total", "wallets"] = everyone
    out["wallets-by-month", "total", "new"] = (len(new_total), len(new_total), everyone[2])
    out["wallets-by-month", "total", "recurring"] = (len(before), len(before), everyone[2])

    values: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    givers: dict[str, set[int]] = defaultdict(set)
    for token, organisation, amount, currency in flagged.exclude(value_amount=None).values_list(
        "token", "organisation", "value_amount", "value_currency"
    ):
        values[currency.upper()][token].append(amount)
        givers[currency.upper()].add(organisation)
    for currency, per_wallet in values.items():
        n, o = len(per_wallet), len(givers[currency])
        out["values-received", currency, "wallets"] = (n, n, o)
        out["values-received", currency, "organisations"] = (o, n, o)
        for column, pick in (("low", min), ("median", statistics.median), ("high", max)):
            total = sum((Decimal(pick(amounts)) for amounts in per_wallet.values()), Decimal(0))
            out["values-received", currency, column] = (float(round(total, 8)), n, o)

    joined: dict[str, list] = defaultdict(list)
    for token, organisation, at in (
        MatchParticipant.objects.filter(report__in=visible)
        .exclude(match__status="dismissed")
        .values_list("match__token", "organisation", "joined_at")
    ):
        joined[token].append((at, organisation))
    matched = {}
    for token, entries in joined.items():
        entries.sort()
        orgs: list[int] = []
        for at, organisation in entries:
            if organisation not in orgs:
                orgs.append(organisation)
            if len(orgs) == 2:
                if token in first_at and start <= at < end:
                    matched[token] = (at - first_at[token]).total_seconds() / 3600
                break
    behind = flagged.filter(token__in=matched).values("organisation").distinct().count()
    out["time-to-match", "all", "wallets"] = (len(matched), len(matched), behind)
    median = round(statistics.median(matched.values()), 1) if matched else None
    out["time-to-match", "all", "median_hours"] = (median, len(matched), behind)

    silent = counted.filter(visibility="silent", created_at__gte=start)
    silent_figure = _figure(silent)
    out["silent-watch", "all", "wallets"] = silent_figure
    out["silent-watch", "all", "organisations"] = (silent_figure[2], silent_figure[1], silent_figure[2])

    by_sector = dict(members.values_list("sector").annotate(n=Count("id")))
    for sector in SECTORS:
        n = by_sector.get(sector, 0)
        out["members-by-sector", sector, "organisations"] = (n, None, n)
    out["members-by-sector", "total", "organisations"] = (members.count(), None, members.count())
    for jurisdiction in big:
        n = per_jurisdiction[jurisdiction]
        out["members-by-jurisdiction", jurisdiction, "organisations"] = (n, None, n)
    rest = sum(n for j, n in per_jurisdiction.items() if j not in big)
    out["members-by-jurisdiction", "other", "organisations"] = (rest, None, rest)
    out["members-by-jurisdiction", "total", "organisations"] = (members.count(), None, members.count())
    out["reports", "all", "received"] = _figure(in_period, in_period.count())
    withdrawn = Report.objects.filter(
        organisation__status="active", status="withdrawn", ended_at__gte=start, ended_at__lt=end
    ).exclude(visibility="silent")
    out["reports", "all", "withdrawn"] = _figure(withdrawn, withdrawn.count())
    return out
