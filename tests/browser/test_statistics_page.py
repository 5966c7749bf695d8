"""The statistics page and the transparency report of the demo consortium in chromium: their server-drawn SVG
plots render under the content security policy (and are the README's pictures)."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_the_statistics_page_draws_its_plots_with_no_console_or_csp_error(
    live_server,
    page: Page,
    console_errors: list[str],
) -> None:
    call_command("load_demo", stdout=StringIO())
    sign_in_as(page, live_server, "bank-analyst")
    page.goto(f"{live_server.url}/statistics/")
    for plot in ("months", "categories", "overlap"):
        svg = page.locator(f"#plot-{plot} svg")
        expect(svg).to_be_visible()
        assert svg.bounding_box()["width"] > 300
    expect(page.locator("#plot-months svg polyline").first).to_be_visible()
    assert page.locator("#plot-categories svg rect").count() > 10
    expect(page.locator("#table-overview")).to_contain_text("Distinct wallets flagged")
    assert console_errors == []
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot(page, "statistics"), DOCS / "statistics.png")

    sign_in_as(page, live_server, "hub-admin")
    page.goto(f"{live_server.url}/hub/transparency/")
    expect(page.locator(".report svg")).to_have_count(3)
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    assert console_errors == []
    shutil.copyfile(screenshot(page, "transparency"), DOCS / "transparency.png")


def sign_in_as(page: Page, live_server, username: str) -> None:
    """A demo person's session (they have an authenticator already), handed to the browser."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
