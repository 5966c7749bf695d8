"""Chromium tokenises under a key split 2-of-3 among three trustee processes (tests/consortium.py): the
bundle blinds, asks two trustees, verifies each share's proof, combines and finalises, and gives the
Python client's token for every address vector.

The page's Content-Security-Policy lets it reach only the hub, so its requests to a trustee are handed
to Playwright, which sends them on over real HTTP and gives back the trustee's answer unchanged.
"""

import json
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

EXPECTED = json.loads((Path(__file__).parents[1] / "vectors" / "address-tokens.json").read_text(encoding="utf-8"))

TOKENS = """async ({tokens, trusteeKeys}) => {
  const fetchImpl = async (url, init) => {
    if (url.startsWith('/')) return fetch(url, init);
    const answer = await window.toTrustee(url, init.body, init.headers.Authorization);
    return new Response(answer.body, {status: answer.status, headers: {'Content-Type': 'application/json'}});
  };
  const made = [];
  for (const namespace of [...new Set(tokens.map((vector) => vector.namespace))]) {
    const inputs = tokens.filter((vector) => vector.namespace === namespace).map((vector) => vector.input);
    for (const result of await Vigil.tokenize(namespace, inputs, {fetchImpl, trusteeKeys})) {
      made.push([namespace, result.address, result.token]);
    }
  }
  return made;
}"""


def test_chromium_combines_two_trustees_into_the_single_key_token_of_every_vector(
    consortium, live_server, page: Page, world, console_errors: list[str]
) -> None:
    sent: list[str] = []

    def to_trustee(url: str, body: str, authorization: str) -> dict:
        sent.append(url)
        answer = httpx.post(
            url, content=body, headers={"Authorization": authorization, "Content-Type": "application/json"}
        )
        return {"status": answer.status_code, "body": answer.text}

    client = Client()
    client.force_login(world.alice)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page.expose_function("toTrustee", to_trustee)
    page.goto(f"{live_server.url}/screen/")
    page.wait_for_function("() => window.Vigil !== undefined")

    made = page.evaluate(
        TOKENS, {"tokens": EXPECTED["tokens"], "trusteeKeys": consortium.trustee_keys("ngo", "regulator")}
    )

    assert sorted(made) == sorted([v["namespace"], v["input"], v["token"]] for v in EXPECTED["tokens"])
    assert {url.rsplit("/api/", 1)[0] for url in sent} == {t.url for t in consortium.trustees[1:]}
    assert console_errors == []
