"""The fast renderer writes the bytes DRF's compact JSON renderer writes, for what it serves."""

from datetime import UTC, datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from apps.common.actors import Actor
from apps.common.renderers import FastJSONRenderer
from apps.matching.reporting import report_submit
from apps.matching.services import screen
from tests.factories import OrganisationFactory, report_item, token_for


def _both(data: object, accepted: str | None = None) -> tuple[bytes, bytes]:
    return FastJSONRenderer().render(data, accepted), JSONRenderer().render(data, accepted)


def test_every_kind_of_value_it_serves_is_written_as_drf_writes_it() -> None:
    data = {
        "text": 'quote " backslash \\ tab \t newline \n control \x01 é 漢 😀',
        "separators": "line \u2028 paragraph \u2029",
        "numbers": [0, -1, 2**63, 1.5, 0.1, -0.0],
        "flags": [True, False, None],
        "when": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "whole_second": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "nested": {"empty": [], "none": {}, "lazy": gettext_lazy("Not found."), "amount": Decimal("12.50")},
    }
    fast, drf = _both(data)
    assert fast == drf


def test_an_indented_answer_is_left_to_drf() -> None:
    fast, drf = _both({"a": [1, 2]}, "application/json; indent=2")
    assert fast == drf
    assert b"\n" in fast


def test_a_screening_answer_is_byte_for_byte_what_drf_writes(rfc_key) -> None:
    bank, exchange, screener = (OrganisationFactory(name=name) for name in ("Bank", "Exchange", "Screener"))
    tokens = [token_for(n) for n in range(4)]
    dated = {"first_seen": "2026-01-02T03:04:05Z"}
    report_submit(actor=Actor(organisation=bank), items=[report_item(t, rfc_key.key_id, **dated) for t in tokens[:3]])
    report_submit(
        actor=Actor(organisation=exchange),
        items=[report_item(t, rfc_key.key_id) for t in tokens[1:]],
        policy={"visibility": "named"},
    )
    results = screen(actor=Actor(organisation=screener), key_id=rfc_key.key_id, tokens=tokens, record_sighting=False)
    data = {"results": [result.__dict__ for result in results]}
    assert any(result["counterparts"] for result in data["results"])
    fast, drf = _both(data)
    assert fast == drf
