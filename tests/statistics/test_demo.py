"""The demo consortium: its release publishes figures in every plot, and the transparency report of it downloads."""

import io
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from apps.statistics.models import Release
from apps.statistics.periods import period_current_quarter
from apps.statistics.selectors import release_view

pytestmark = pytest.mark.django_db
PLOTTED = ("wallets-by-month", "categories-by-month", "sector-overlap")


def published(table: dict) -> list[float]:
    return [c["value"] for row in table["rows"] for c in row["cells"].values() if c and not c["suppressed"]]


def test_the_demo_release_plots_unsuppressed_figures_and_its_transparency_report_downloads_as_pdf(client) -> None:
    call_command("load_demo", stdout=StringIO())
    newest = Release.objects.first()  # the twelve months to date
    tables = {table["name"]: table for table in release_view(newest)["tables"]}
    assert all(published(tables[name]) for name in PLOTTED)
    months = [row["cells"]["wallets"]["value"] for row in tables["wallets-by-month"]["rows"]]
    assert len([value for value in months if value]) >= 6  # a series, not a point

    client.force_login(get_user_model().objects.get(username="bank-analyst"))
    html = client.get(reverse("portal:statistics")).content.decode()
    months_plot, categories_plot, overlap_plot = re.findall(r"<svg.*?</svg>", html, re.S)
    assert "<polyline" in months_plot
    assert re.search(r'<rect [^>]*fill="#[0-9a-f]{6}"><title>', categories_plot)
    assert re.search(r"fill-opacity=", overlap_plot)

    client.force_login(get_user_model().objects.get(username="hub-admin"))
    page = client.get(reverse("portal:hub-transparency")).content.decode()  # the current quarter's release
    pdf_url = re.search(r'href="([^"]+/report\.pdf)"', page).group(1)
    response = client.get(pdf_url)
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    quarter = Release.objects.get(period_label=period_current_quarter(timezone.now().date()).label)
    overview = {t["name"]: t for t in release_view(quarter)["tables"]}["overview"]["rows"][0]["cells"]
    assert f"{overview['wallets']['value']:,}" in text and "What matches led to" in text
