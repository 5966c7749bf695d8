"""Who may see what of a report: the one place the visibility rules live.

A participant sees a counterpart's report only if that report is not silent, its organisation is
active, and the participant is in its audience; `named` then shows name, sector and jurisdiction,
`anonymous` only sector and jurisdiction. A reporter always sees its own report in full.

The rule behind every channel: whatever a member is shown (a view, a count, a status, a timestamp,
an id, a notification, an audit event) is computed only from reports these rules let it see, so a
silent or out-of-audience report by someone else changes nothing the member can observe.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from apps.common.public_ids import public_id, public_ids
from apps.indicators.models import Visibility


class ViewerLike(Protocol):
    pk: int
    sector: str


class OrganisationLike(Protocol):
    is_active: bool


class ReportLike(Protocol):
    organisation_id: int
    organisation: OrganisationLike
    visibility: str
    audience_sectors: list[str]
    audience_include: list[int]
    audience_exclude: list[int]


def in_audience(report: ReportLike, viewer: ViewerLike) -> bool:
    if viewer.pk in report.audience_exclude:
        return False
    if not report.audience_sectors and not report.audience_include:
        return True
    return viewer.sector in report.audience_sectors or viewer.pk in report.audience_include


def may_see(report: ReportLike, viewer: ViewerLike) -> bool:
    """Whether the viewer may learn that this report exists at all."""
    if report.organisation_id == viewer.pk:
        return True
    # A suspended member's reports show nowhere until it is reinstated.
    return report.organisation.is_active and report.visibility != Visibility.SILENT and in_audience(report, viewer)


def participant_handle(report_id: int, viewer_id: int) -> str:
    """The viewer's own handle for another member's report: stable for the viewer, different for every
    viewer, and unlinkable to the same member's other reports (which a shared id would allow)."""
    return public_id("participant", report_id, scope=viewer_id)


@dataclass(frozen=True)
class CounterpartView:
    participant: str  # the viewer's handle for the report, for disclosure requests; not an identity
    visibility: str
    sector: str
    jurisdiction: str
    name: str | None
    slug: str | None
    category: str
    tlp: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "visibility": self.visibility,
            "organisation": {"name": self.name, "slug": self.slug} if self.name else None,
            "sector": self.sector,
            "jurisdiction": self.jurisdiction,
            "category": self.category,
            "tlp": self.tlp,
        }


def _counterpart(report: Any, handle: str) -> CounterpartView:
    organisation = report.organisation
    named = report.visibility == Visibility.NAMED
    return CounterpartView(
        participant=handle,
        visibility=report.visibility,
        sector=organisation.sector,
        jurisdiction=organisation.jurisdiction,
        name=organisation.name if named else None,
        slug=organisation.slug if named else None,
        category=report.category,
        tlp=report.tlp,
    )


def counterpart_view(report: Any, viewer: ViewerLike) -> CounterpartView | None:
    """What `viewer` may see of another organisation's `report` (its organisation prefetched)."""
    if report.organisation_id == viewer.pk or not may_see(report, viewer):
        return None
    return _counterpart(report, participant_handle(report.pk, viewer.pk))


def counterpart_views(reports: Sequence[Any], viewer: ViewerLike) -> list[dict[str, Any]]:
    """`counterpart_view(report, viewer).as_dict()` of each report the viewer may see, in order, the others
    left out. A screening shows hundreds: their handles come from one cipher call."""
    seen = [report for report in reports if report.organisation_id != viewer.pk and may_see(report, viewer)]
    handles = public_ids("participant", [report.pk for report in seen], scope=viewer.pk)
    return [_counterpart(report, handle).as_dict() for report, handle in zip(seen, handles, strict=True)]
