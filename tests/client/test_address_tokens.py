"""The fixture the portal's JavaScript is tested against is what the Python client answers today."""

import json

from tests.client.address_tokens import PATH, build


def test_the_committed_fixture_is_what_the_client_answers_now() -> None:
    assert PATH.read_text(encoding="utf-8") == build(), "stale: run `python -m tests.client.address_tokens`"


def test_the_fixture_covers_every_address_vector() -> None:
    vectors = json.loads((PATH.parent / "address-vectors.json").read_text(encoding="utf-8"))
    fixture = json.loads(PATH.read_text(encoding="utf-8"))
    assert [(t["namespace"], t["input"]) for t in fixture["tokens"]] == [
        (v["namespace"], v["input"]) for v in vectors["valid"]
    ]
    assert [(r["namespace"], r["input"], r["reason"]) for r in fixture["refusals"]] == [
        (v["namespace"], v["input"], v["reason"]) for v in vectors["invalid"]
    ]
