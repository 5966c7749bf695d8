"""Reading reports: a member only ever reads its own; the hub's matching reads across members."""

from collections import defaultdict
from collections.abc import Collection, Mapping

from django.db import connection
from django.db.models import QuerySet

from apps.common.errors import NotFound
from apps.indicators.models import Report, ReportStatus
from apps.organisations.models import Organisation, OrganisationStatus

_FILTERS = ("status", "category", "namespace", "key_id", "token")
TokenPair = tuple[str, str]  # (key id, token)

# Joined to the tokens row by row, so PostgreSQL probes the token index for each: given
# `token = ANY(<10,000 tokens>)` instead, it scanned the whole table from about a million rows.
_REPORTERS_SQL = f"""
SELECT r.key_id, r.token, r.organisation_id, r.status
FROM unnest(%s::text[], %s::text[]) AS p(key_id, token)
JOIN {Report._meta.db_table} r ON r.key_id = p.key_id AND r.token = p.token
"""  # noqa: S608 - the table name comes from the model


def standing_reports() -> QuerySet[Report]:
    """Reports that count for matching, screening and alerts: active, by an active organisation.

    A suspended organisation's reports stand again, unchanged, once it is reinstated.
    """
    return Report.objects.filter(status=ReportStatus.ACTIVE, organisation__status=OrganisationStatus.ACTIVE)


def token_reporters(pairs: Collection[TokenPair]) -> dict[TokenPair, dict[int, str]]:
    """Every organisation that has reported each of these tokens, in any status: organisation id -> status.

    The hub's own bookkeeping (storing and matching); what a member may see of it is matching's to decide.
    """
    reporters: dict[TokenPair, dict[int, str]] = defaultdict(dict)
    if not pairs:
        return reporters
    if connection.vendor == "postgresql":
        key_ids, tokens = zip(*sorted(pairs), strict=True)  # in index order: each probe lands near the last
        with connection.cursor() as cursor:
            cursor.execute(_REPORTERS_SQL, [list(key_ids), list(tokens)])
            rows = cursor.fetchall()
    else:
        rows = Report.objects.filter(key_id__in={k for k, _ in pairs}, token__any={t for _, t in pairs}).values_list(
            "key_id", "token", "organisation_id", "status"
        )
    wanted = set(pairs)
    for key_id, token, organisation_id, status in rows:
        if (key_id, token) in wanted:
            reporters[(key_id, token)][organisation_id] = status
    return reporters


def report_list_visible_to(*, organisation: Organisation, filters: Mapping[str, str] | None = None) -> QuerySet[Report]:
    queryset = Report.objects.filter(organisation=organisation)
    for name in _FILTERS:
        value = (filters or {}).get(name)
        if value:
            queryset = queryset.filter(**{name: value})
    return queryset.order_by("-id")


def report_get_visible_to(*, organisation: Organisation, report_id: int) -> Report:
    try:
        return Report.objects.get(organisation=organisation, pk=report_id)
    except Report.DoesNotExist:
        raise NotFound("No such report.") from None


def report_list_by_token(*, organisation: Organisation, token: str, key_id: str | None = None) -> list[Report]:
    queryset = Report.objects.filter(organisation=organisation, token=token)
    if key_id:
        queryset = queryset.filter(key_id=key_id)
    reports = list(queryset)
    if not reports:
        raise NotFound("You have no report of this token.")
    return reports
