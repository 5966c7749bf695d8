"""The transparency report of a release: sections in order, rendered as HTML and (WeasyPrint) PDF.

Every figure is the members' view of the release, so each cell is under the same suppression rules.
WeasyPrint needs Pango from the system; it is imported only when a PDF is asked for, so the hub starts
without it.
"""

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from apps.common.public_ids import public_id
from apps.statistics import selectors
from apps.statistics.charts import release_charts
from apps.statistics.models import Release
from apps.statistics.presentation import table_grid


@dataclass(frozen=True)
class Section:
    title: str
    tables: tuple[str, ...]
    chart: str = ""
    text: str = ""


SECTIONS = (
    Section("Members", ("members-by-sector", "members-by-jurisdiction")),
    Section("Reports", ("reports",), text="Reports received in the period, and withdrawn in it."),
    Section(
        "Distinct wallets",
        ("overview", "wallets-by-month", "wallets-by-category", "wallets-by-namespace", "wallets-by-jurisdiction"),
        chart="months",
        text="Tokens de-duplicate across members: a wallet reported by several members counts once.",
    ),
    Section("Categories over time", ("categories-by-month",), chart="categories"),
    Section("Sectors and their overlap", ("wallets-by-sector", "sector-overlap"), chart="overlap"),
    Section("Values received", ("values-received",)),
    Section("Matches", ("time-to-match",)),
    Section(
        "Outcomes and disputes",
        ("outcomes", "disputes", "frozen-amounts"),
        text="What participants recorded that their matches led to, and disputes of reports in a match.",
    ),
    Section("Silent watch", ("silent-watch",)),
    Section("Screenings and sightings", ("screenings", "sightings")),
    Section("Disclosure requests", ("disclosures",)),
    Section("The key service", ("evaluations", "key-rotations")),
    Section("Government and court requests", ("government-requests",)),
)


def report_context(release: Release) -> dict[str, Any]:
    view = selectors.release_view(release)
    tables = {t["name"]: table_grid(t, unsuppressed=False) for t in view["tables"]}
    charts = release_charts(view)
    sections = [
        {"title": s.title, "text": s.text, "chart": charts.get(s.chart), "tables": [tables[n] for n in s.tables]}
        for s in SECTIONS
    ]
    return {"release": view, "sections": sections}


def report_html(release: Release) -> str:
    return render_to_string("statistics/transparency_report.html", report_context(release))


def report_pdf(release: Release) -> bytes:
    import weasyprint  # needs Pango from the system: imported only when a PDF is made

    return weasyprint.HTML(string=report_html(release)).write_pdf()


def report_filename(release: Release, fmt: str) -> str:
    return f"vigil-transparency-{release.period_label}-{public_id('release', release.pk)}.{fmt}"
