"""What outcomes add to a screening answer: a report left undefended against a dispute the screener may
know of, and the reporting sector's precision (suppressed below the minimum of organisations)."""

from typing import Any

from apps.indicators.models import Report
from apps.organisations.models import Organisation
from apps.outcomes.precision import sector_precision
from apps.outcomes.selectors import undefended_report_ids_visible_to


def screen_annotate(*, organisation: Organisation, answers: list[tuple[Any, list[Report]]]) -> None:
    reports = [report for _, visible in answers for report in visible]
    if not reports:
        return
    undefended = undefended_report_ids_visible_to(organisation=organisation, report_ids=[r.pk for r in reports])
    precision = sector_precision(sectors={report.organisation.sector for report in reports})
    for result, visible in answers:
        # Counterparts are listed in the order of the visible reports they show.
        for counterpart, report in zip(result.counterparts, visible, strict=True):
            counterpart["disputed"] = report.pk in undefended
            counterpart["sector_precision"] = precision[report.organisation.sector]
        result.disputed = any(report.pk in undefended for report in visible)
