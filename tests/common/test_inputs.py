"""No input makes the API answer 500: odd bytes, odd shapes and oversized bodies are problem+json."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory
from django.urls import reverse

from apps.common.problems import handler400

pytestmark = pytest.mark.django_db
API_KEYS = reverse("api:api-keys")


def _assert_problem(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/reports?token=%00", "/api/v1/matches?before=%00", "/api/v1/audit-events?action=a%00b", "/api/v1/%00"],
)
def test_a_nul_in_the_url_is_a_400_not_a_database_error(world, url: str) -> None:
    problem = _assert_problem(world.client_a.get(url))
    assert "NUL" in problem["detail"]


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "ci\\u0000", "scopes": ["read"]}',
        '{"name": "ci", "scopes": ["read"], "x\\u0000": 1}',
        '{"name": "\\ud800", "scopes": ["read"]}',
    ],
    ids=["nul in a value", "nul in a key", "lone surrogate"],
)
def test_strings_postgresql_cannot_store_are_refused_at_parsing(world, body: str) -> None:
    problem = _assert_problem(world.client_a.post(API_KEYS, data=body, content_type="application/json"))
    assert problem["detail"].startswith("JSON parse error")


def test_invalid_utf8_is_a_400(world) -> None:
    response = world.client_a.post(API_KEYS, data=b'{"name": "\xff\xfe"}', content_type="application/json")
    _assert_problem(response)


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_a_400(world, depth: int) -> None:
    body = '{"name": "ci", "scopes": ' + "[" * depth + "]" * depth + "}"
    problem = _assert_problem(world.client_a.post(API_KEYS, data=body, content_type="application/json"))
    assert "nested deeper than 32" in problem["detail"]


def test_a_body_over_the_limit_is_a_413_problem(world, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"name": "x" * 2_000, "scopes": ["read"]})
    problem = _assert_problem(world.client_a.post(API_KEYS, data=body, content_type="application/json"), 413)
    assert "1000 bytes" in problem["detail"]


def test_the_limit_admits_the_documented_10000_item_report_batch() -> None:
    item = {
        "token": "ab" * 32,
        "key_id": "0123456789abcdef",
        "namespace": "evm",
        "category": "osec_payment",
        "confidence": "high",
        "first_seen": "2024-05-01T00:00:00+00:00",
        "last_seen": "2024-06-01T00:00:00+00:00",
        "value_amount": "1234.5678900000",
        "value_currency": "USDT",
        "reference": "case-2024-000123",
    }
    batch = {"policy": {"visibility": "named", "tlp": "amber"}, "items": [item] * 10_000}
    assert len(json.dumps(batch)) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_django_refusing_a_large_body_is_a_413_problem_under_the_api() -> None:
    request = RequestFactory().post("/api/v1/reports")
    response = handler400(request, RequestDataTooBig("too big"))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
