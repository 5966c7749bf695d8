"""The statistics page in chromium: its server-drawn SVG plots render under the content security policy."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from apps.common.actors import SYSTEM
from apps.organisations.models import Role
from apps.statistics.services import release_create
from tests.browser.conftest import screenshot
from tests.factories import MembershipFactory
from tests.portal.conftest import give_second_factor
from tests.statistics.conftest import PERIOD, consortium_seed

pytestmark = pytest.mark.django_db(transaction=True)
DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def test_the_statistics_page_draws_its_plots_with_no_console_or_csp_error(
    live_server,
    page: Page,
    console_errors: list[str],
) -> None:
    consortium = consortium_seed()
    release_create(actor=SYSTEM, period=PERIOD, k=5)
    analyst = MembershipFactory(organisation=consortium.members[0], role=Role.ANALYST, user__username="ana").user
    give_second_factor(analyst)
    client = Client()
    client.force_login(analyst)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])

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
