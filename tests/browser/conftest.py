"""Browser tests: Debian's chromium driven by Playwright against a live hub on the test database.

No test tool may download a browser: the launch always names the system's chromium, and a missing
one fails the run with the command that installs it (`make test` installs it first).
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page

from tests.accounts.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Playwright's sync API runs an event loop in the main thread from the first browser test on; the
# ORM calls made there (fixtures, assertions, the database set-up) are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's session keeps an event loop running in the main thread
    from its first test on, and Django refuses ORM calls from a thread with a running loop."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Every console error and refused resource the page reports (a CSP violation shows as one)."""
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors


def screenshot(page: Page, name: str) -> Path:
    """Keep a picture of a page for the README and for whoever reads a failure."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, live_server, login: str, code: str | None = None) -> None:
    """The sign-in form, then the second-factor form with the code the person's authenticator shows now."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name or e-mail").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if code is not None:
        page.locator("input[name=code]").fill(code)
        page.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()
