"""Reading reports: an organisation only ever reads its own."""

from collections.abc import Mapping

from django.db.models import QuerySet

from apps.common.errors import NotFound
from apps.indicators.models import Report, ReportStatus
from apps.organisations.models import Organisation, OrganisationStatus

_FILTERS = ("status", "category", "namespace", "key_id", "token")


def standing_reports() -> QuerySet[Report]:
    """Reports that count for matching, screening and alerts: active, by an active organisation.

    A suspended organisation's reports stand again, unchanged, once it is reinstated.
    """
    return Report.objects.filter(status=ReportStatus.ACTIVE, organisation__status=OrganisationStatus.ACTIVE)


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
