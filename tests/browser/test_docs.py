"""The API's documentation page works in a real browser under the hub's Content-Security-Policy."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_with_every_asset_from_the_hub_and_no_policy_violation(
    live_server, page: Page, console_errors: list[str]
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_text("/api/v1/reports").first).to_be_visible()
    screenshot(page, "api-docs")
    assert console_errors == []
    assert requested and all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)
