"""The demo consortium's statistics in chromium: its release publishes figures in all three plots, which render
under the content security policy, and its transparency report downloads as a PDF (the README's pictures)."""

import io
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from apps.statistics.models import Release
from apps.statistics.periods import period_current_quarter
from apps.statistics.selectors import release_view
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def signed_in(username: str) -> Client:
    """A demo person's session (they have an authenticator already)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def use_session(page: Page, live_server, client: Client) -> None:
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def published(table: dict) -> list[float]:
    return [c["value"] for row in table["rows"] for c in row["cells"].values() if c and not c["suppressed"]]


def test_the_demo_consortium_plots_unsuppressed_figures_with_no_console_or_csp_error_and_its_report_downloads(
    live_server,
    page: Page,
    console_errors: list[str],
) -> None:
    call_command("load_demo", stdout=StringIO())
    tables = {table["name"]: table for table in release_view(Release.objects.first())["tables"]}  # newest
    assert all(published(tables[name]) for name in ("wallets-by-month", "categories-by-month", "sector-overlap"))
    months = [row["cells"]["wallets"]["value"] for row in tables["wallets-by-month"]["rows"]]
    assert len([value for value in months if value]) >= 6  # a series, not a point

    use_session(page, live_server, signed_in("bank-analyst"))
    page.goto(f"{live_server.url}/statistics/")
    for plot in ("months", "categories", "overlap"):
        svg = page.locator(f"#plot-{plot} svg")
        expect(svg).to_be_visible()
        assert svg.bounding_box()["width"] > 300
    expect(page.locator("#plot-months svg polyline").first).to_be_visible()
    assert page.locator("#plot-categories svg rect[fill^='#']").count() > 20
    assert page.locator("#plot-overlap svg rect[fill-opacity]").count() >= 6
    expect(page.locator("#table-overview")).to_contain_text("Distinct wallets flagged")
    assert console_errors == []
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot(page, "statistics"), DOCS / "statistics.png")

    hub_admin = signed_in("hub-admin")
    use_session(page, live_server, hub_admin)
    page.goto(f"{live_server.url}/hub/transparency/")  # the current quarter's release
    expect(page.locator(".report svg")).to_have_count(3)
    assert console_errors == []
    shutil.copyfile(screenshot(page, "transparency"), DOCS / "transparency.png")
    pdf_url = page.get_by_role("link", name="Download PDF").get_attribute("href")
    response = hub_admin.get(pdf_url)
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    quarter = Release.objects.get(period_label=period_current_quarter(timezone.now().date()).label)
    overview = {t["name"]: t for t in release_view(quarter)["tables"]}["overview"]["rows"][0]["cells"]
    assert f"{overview['wallets']['value']:,}" in text and "What matches led to" in text
