"""manage.py transparency_report --period 2026Q4 [--out DIR] [--new]: the report as HTML and PDF files."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.common.actors import SYSTEM
from apps.common.errors import ValidationFailed
from apps.statistics import report, selectors
from apps.statistics.periods import period_parse
from apps.statistics.services import release_create


class Command(BaseCommand):
    help = "Write the transparency report of a period as HTML and PDF, from its newest release (made if none)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--period", required=True, help="2026Q4, 2026-11 or 2026")
        parser.add_argument("--out", default=".", help="directory to write into (default: the current one)")
        parser.add_argument("--new", action="store_true", help="compute a new release even if one covers the period")

    def handle(self, *args: Any, period: str, out: str, new: bool, **options: Any) -> None:
        try:
            named = period_parse(period)
        except ValidationFailed as exc:
            raise CommandError(f"{exc.detail} {exc.errors[0]['detail']}") from None
        release = None if new else selectors.release_latest_for(period=named)
        release = release or release_create(actor=SYSTEM, period=named)
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        html = directory / report.report_filename(release, "html")
        html.write_text(report.report_html(release), encoding="utf-8")
        pdf = directory / report.report_filename(release, "pdf")
        pdf.write_bytes(report.report_pdf(release))
        self.stdout.write(f"{html}\n{pdf}")
