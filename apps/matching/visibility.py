"""Who may see what of a report: the one place the visibility rules live.

A participant sees a counterpart's report only if that report is not silent and the participant
is in its audience; `named` then shows name, sector and jurisdiction, `anonymous` only sector and
jurisdiction. A reporter always sees its own report in full. These rules are used for match views
and screening alike (and, later, notifications).
"""

from dataclasses import dataclass
from typing import Any, Protocol

from apps.indicators.models import Visibility


class ViewerLike(Protocol):
    pk: int
    sector: str


class ReportLike(Protocol):
    organisation_id: int
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
    return report.visibility != Visibility.SILENT and in_audience(report, viewer)


@dataclass(frozen=True)
class CounterpartView:
    participant: int  # the report's id: a handle for later disclosure requests, not an identity
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


def counterpart_view(report: Any, viewer: ViewerLike) -> CounterpartView | None:
    """What `viewer` may see of another organisation's `report` (its organisation prefetched)."""
    if report.organisation_id == viewer.pk or not may_see(report, viewer):
        return None
    organisation = report.organisation
    named = report.visibility == Visibility.NAMED
    return CounterpartView(
        participant=report.pk,
        visibility=report.visibility,
        sector=organisation.sector,
        jurisdiction=organisation.jurisdiction,
        name=organisation.name if named else None,
        slug=organisation.slug if named else None,
        category=report.category,
        tlp=report.tlp,
    )
