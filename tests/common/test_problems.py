"""API errors are RFC 9457 problem details, never HTML or stack traces."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_problem_404() -> None:
    response = APIClient().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


def test_malformed_json_is_a_problem_400(world) -> None:
    response = world.client_a.post("/api/v1/api-keys", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "JSON parse error" in response.json()["detail"]


def test_the_schema_builds_and_lists_the_endpoints() -> None:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/api-keys/{api_key_id}" in paths


def test_the_docs_load_their_assets_from_the_hub_not_a_cdn() -> None:
    html = APIClient().get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower()


def test_the_schema_generates_without_warnings() -> None:
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
