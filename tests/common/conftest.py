"""Operations whose schema gaps live in another app's views: run, reported as xfail until fixed there."""

import pytest

# "METHOD path" -> what is wrong and where. An XPASS here means the gap is closed: drop its line.
KNOWN_SCHEMA_GAPS = {
    "GET /api/v1/disclosures": "documented as one DisclosureView, answered as a cursor page (apps/matching/api)",
    "POST /api/v1/disclosures": "an unknown match is a 404 the view does not declare (apps/matching/api)",
    "GET /api/v1/matches": "an unknown `before` match is a 404 the view does not declare (apps/matching/api)",
    "DELETE /api/v1/reports": "no report for the token is a 404 the view does not declare (apps/matching/api)",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if getattr(item, "originalname", None) != "test_the_api_answers_as_its_schema_says":
            continue
        label = item.name.partition("[")[2].rstrip("]")
        if label in KNOWN_SCHEMA_GAPS:
            item.add_marker(pytest.mark.xfail(reason=KNOWN_SCHEMA_GAPS[label], strict=False))
