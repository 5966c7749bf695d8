"""Chromium tokenises under a key split 2-of-3 among three trustee processes (tests/consortium.py), over
real HTTP: the portal's Content-Security-Policy admits the trustees' origins, each trustee answers CORS
for the live hub's origin, and the organisation's trustee API keys are typed into the portal's Trustee
keys page and kept in the tab. The bundle blinds, asks two trustees, verifies each share's proof,
combines and finalises, and gives the Python client's token for every address vector.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

EXPECTED = json.loads((Path(__file__).parents[1] / "vectors" / "address-tokens.json").read_text(encoding="utf-8"))
BTC = next(vector for vector in EXPECTED["tokens"] if vector["namespace"] == "btc")

TOKENS = """async ({tokens, trusteeKeys}) => {
  const made = [];
  for (const namespace of [...new Set(tokens.map((vector) => vector.namespace))]) {
    const inputs = tokens.filter((vector) => vector.namespace === namespace).map((vector) => vector.input);
    for (const result of await Vigil.tokenize(namespace, inputs, {trusteeKeys})) {
      made.push([namespace, result.address, result.token]);
    }
  }
  return made;
}"""


def _sign_in(page: Page, origin: str, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": origin}])


def _keep_trustee_keys(page: Page, live_server, keys: dict[str, str]) -> None:
    page.goto(f"{live_server.url}/trustee-keys/")
    for name, key in keys.items():
        page.get_by_label(f"API key at {name}").fill(key)
    page.get_by_role("button", name="Keep in this tab").click()
    expect(page.locator("[data-status]")).to_contain_text("This tab holds keys for")


def _screen(page: Page, live_server, address: str) -> None:
    page.goto(f"{live_server.url}/screen/")
    page.get_by_label("Addresses").fill(address)
    page.get_by_label("Namespace").select_option("btc")
    page.get_by_role("button", name="Screen", exact=True).click()


def test_the_screen_page_evaluates_at_two_trustees_with_the_keys_typed_on_the_portal_and_names_those_that_fail(
    consortium, live_server, page: Page, world, console_errors: list[str]
) -> None:
    _, ngo, regulator = consortium.trustees
    keys = consortium.trustee_keys()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    _sign_in(page, live_server.url, world.alice)

    # A wrong key at one trustee and none for another: fewer than 2 answer, and the page names both and why.
    _keep_trustee_keys(page, live_server, {"hub": "vgl_not_a_key", "ngo": keys["ngo"]})
    _screen(page, live_server, BTC["input"])
    status = page.locator("[data-status]")
    expect(status).to_contain_text("needs 2 of its 3 trustees and only 1 gave a verified answer")
    expect(status).to_contain_text("hub: trustee hub answered 401")
    expect(status).to_contain_text("regulator: no API key for it")
    screenshot(page, "trustees-quorum-failed")
    console_errors.clear()  # chromium logs the trustee's 401 itself

    # The right keys: the page asks the trustees directly and shows the single key's token.
    _keep_trustee_keys(page, live_server, {"hub": "", "regulator": keys["regulator"]})
    asked = len(requests)
    _screen(page, live_server, BTC["input"])
    expect(page.locator(f'[data-token="{BTC["token"]}"]')).to_be_visible()
    screenshot(page, "trustees-screened")
    trustee_posts = {r.url for r in requests[asked:] if r.method == "POST" and "/oprf/evaluate" in r.url}
    assert trustee_posts == {f"{ngo.url}/api/v1/oprf/evaluate", f"{regulator.url}/api/v1/oprf/evaluate"}

    # Every address vector, through the same bundle and the keys the page kept.
    made = page.evaluate(TOKENS, {"tokens": EXPECTED["tokens"], "trusteeKeys": consortium.trustee_keys("ngo", "hub")})
    assert sorted(made) == sorted([v["namespace"], v["input"], v["token"]] for v in EXPECTED["tokens"])

    to_hub = [r for r in requests if r.url.startswith(live_server.url)]
    assert to_hub and not [r for r in to_hub if any(k in (r.post_data or "") + str(r.headers) for k in keys.values())]
    assert console_errors == []


def test_a_trustee_refuses_a_portal_page_from_an_origin_it_does_not_admit(
    consortium, live_server, page: Page, world, console_errors: list[str]
) -> None:
    # The live hub under another host name is another origin, one the trustees were not told of; its
    # pages' policy admits the trustees, so what stops the request is the trustee's answer alone.
    elsewhere = live_server.url.replace("localhost", "127.0.0.1")
    assert elsewhere != live_server.url
    _sign_in(page, elsewhere, world.alice)
    page.goto(f"{elsewhere}/screen/")
    page.wait_for_function("() => window.Vigil !== undefined")
    made = page.evaluate(
        """async ({address, trusteeKeys}) => {
          try {
            return (await Vigil.tokenize('btc', [address], {trusteeKeys}))[0].token;
          } catch (error) {
            return error.message;
          }
        }""",
        {"address": BTC["input"], "trusteeKeys": consortium.trustee_keys("ngo", "regulator")},
    )
    assert "trustee ngo could not be reached" in made and "trustee regulator could not be reached" in made
    assert any("blocked by CORS policy" in error for error in console_errors), console_errors
