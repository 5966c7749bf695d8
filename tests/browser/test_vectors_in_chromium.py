"""The portal's bundle in the real browser gives the Python client's answer for every address vector:
the same canonical form or refusal reason, and — blinded in chromium, evaluated by the live hub under the
RFC 9497 test key — the same token."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

pytestmark = pytest.mark.django_db(transaction=True)

EXPECTED = json.loads((Path(__file__).parents[1] / "vectors" / "address-tokens.json").read_text(encoding="utf-8"))

# Runs in the page: every refusal and every valid address, grouped by namespace for tokenize().
ANSWERS = """async ({tokens, refusals}) => {
  const refused = refusals.map(({namespace, input}) => {
    try { return {namespace, input, canonical: Vigil.normalise(namespace, input)}; }
    catch (error) { return {namespace, input, reason: error.reason}; }
  });
  const made = [];
  for (const namespace of [...new Set(tokens.map((vector) => vector.namespace))]) {
    const inputs = tokens.filter((vector) => vector.namespace === namespace).map((vector) => vector.input);
    for (const result of await Vigil.tokenize(namespace, inputs)) {
      made.push({namespace, input: result.address, canonical: result.canonical, token: result.token});
    }
  }
  return {refused, made};
}"""


def test_chromium_normalises_refuses_and_tokenises_every_vector_as_the_python_client(
    live_server, page: Page, world, rfc_key, console_errors: list[str]
) -> None:
    client = Client()
    client.force_login(world.alice)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page.goto(f"{live_server.url}/screen/")  # the bundle as the hub serves it, under its CSP
    page.wait_for_function("() => window.Vigil !== undefined")

    answers = page.evaluate(ANSWERS, {"tokens": EXPECTED["tokens"], "refusals": EXPECTED["refusals"]})

    assert answers["refused"] == [
        {"namespace": vector["namespace"], "input": vector["input"], "reason": vector["reason"]}
        for vector in EXPECTED["refusals"]
    ]
    by_input = {(made["namespace"], made["input"]): made for made in answers["made"]}
    assert {key: (made["canonical"], made["token"]) for key, made in by_input.items()} == {
        (vector["namespace"], vector["input"]): (vector["canonical"], vector["token"]) for vector in EXPECTED["tokens"]
    }
    assert console_errors == []
