"""The OpenAPI schema and the README's scope table say what the hub does."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve
from rest_framework.test import APIClient

from apps.organisations.models import Scope
from hub import api_urls

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_error_an_operation_can_meet_is_documented_as_problem_json(schema) -> None:
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"400", "401", "403", "503"} | ({"404"} if "{" in path else set())
        assert expected <= set(responses), f"{method.upper()} {path}"
        for status in [status for status in responses if status >= "400"]:
            assert list(responses[status]["content"]) == ["application/problem+json"], f"{method} {path} {status}"


def test_rate_limited_and_idempotent_writes_document_429_and_409(schema) -> None:
    reports = schema["paths"]["/api/v1/reports"]
    assert {"409", "429"} <= set(reports["post"]["responses"])
    assert "429" not in reports["get"]["responses"]
    assert "Retry-After" in reports["post"]["responses"]["429"]["headers"]


def test_deletes_document_the_body_they_answer_with(schema) -> None:
    response = schema["paths"]["/api/v1/api-keys/{api_key_id}"]["delete"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ApiKeyOutput")


def test_lists_are_documented_as_cursor_pages(schema) -> None:
    for path in ("/api/v1/members", "/api/v1/api-keys", "/api/v1/audit-events", "/api/v1/notifications"):
        operation = schema["paths"][path]["get"]
        page = _component(schema, operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
        assert set(page["required"]) == {"next", "previous", "results"}, path
        assert page["properties"]["next"]["nullable"] is True
        assert page["properties"]["previous"]["nullable"] is True
        assert page["properties"]["results"]["type"] == "array"
        assert {"cursor", "page_size"} <= {parameter["name"] for parameter in operation["parameters"]}
    oprf_keys = schema["paths"]["/api/v1/oprf/keys"]["get"]["responses"]["200"]["content"]["application/json"]
    assert oprf_keys["schema"]["type"] == "array"  # answered whole, and documented so


def test_ids_are_strings_of_their_kind_and_nullable_fields_say_so(schema) -> None:
    membership = _component(schema, "#/components/schemas/MembershipOutput")
    assert membership["properties"]["id"]["type"] == "string"
    assert membership["properties"]["id"]["pattern"] == "^mem_[a-z2-7]{26}$"
    notification = _component(schema, "#/components/schemas/NotificationOutput")["properties"]
    assert notification["match"]["pattern"] == "^mat_[a-z2-7]{26}$"
    assert notification["match"]["nullable"] is True
    api_key = _component(schema, "#/components/schemas/ApiKeyOutput")["properties"]
    assert api_key["revoked_at"]["nullable"] is True
    assert api_key["id"].get("nullable") is not True
    event = _component(schema, "#/components/schemas/AuditEventOutput")["properties"]
    assert event["object_id"]["nullable"] is True
    path_parameter = schema["paths"]["/api/v1/webhooks/{webhook_id}"]["get"]["parameters"][0]
    assert path_parameter["schema"] == {"type": "string", "pattern": "^[a-z]{3}_[a-z2-7]{26}$"}


def test_an_unsupported_method_is_a_problem_405_naming_the_allowed_ones(world) -> None:
    response = world.client_a.put("/api/v1/members", {}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"].startswith("GET")


def test_a_write_to_an_unknown_api_path_is_a_problem_404_even_with_a_session_cookie(world) -> None:
    client = APIClient(enforce_csrf_checks=True)  # as a browser's request would be checked
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.secret_a}")
    client.cookies["sessionid"] = "stale"
    response = client.post("/api/v1/api-keys/not-an-id", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


# The README's API table: `METHOD[/METHOD] path` items, then the scopes, either one list for every
# method or `scopes (METHOD)` groups separated by semicolons.
ALL_SCOPES = set(Scope.values)


def _readme_rows() -> list[tuple[list[tuple[str, str]], str]]:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    rows = []
    for line in readme.split("## API", 1)[1].split("\n## ", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        items = re.findall(r"`([A-Z/]+) ([^`]+)`", cells[0]) if len(cells) == 3 else []
        if items:
            rows.append((items, cells[1]))
    return rows


def _documented_scopes(cell: str) -> dict[str | None, set[str]]:
    cell = re.sub(r"\s*\((?!GET|POST|PUT|PATCH|DELETE)[^)]*\)", "", cell)  # remarks such as "(or a session)"
    by_method: dict[str | None, set[str]] = {}
    for group in cell.split(";"):
        scopes, _, method = group.strip().partition(" (")
        names = {name.strip() for name in scopes.split(",")}
        by_method[method.rstrip(")") or None] = ALL_SCOPES if names == {"any"} else names
    return by_method


def _enforced_scopes(view_class: type, method: str) -> set[str]:
    required = view_class.required_scopes
    if isinstance(required, dict):
        required = required[method]
    return {str(scope) for scope in required}


def _route(path: str) -> tuple[type, str]:
    sample = re.sub(r"\{[^}]+\}", "xxx_" + "a" * 26, path.split("?", 1)[0])
    match = resolve(f"/api/v1/{sample}")
    return match.func.view_class, match.route.removeprefix("api/v1/")


def test_the_readme_scope_table_is_what_the_views_enforce() -> None:
    documented = set()
    for items, cell in _readme_rows():
        if cell == "none":  # outside the API (health check)
            continue
        scopes = _documented_scopes(cell)
        for methods, path in items:
            view_class, route = _route(path)
            for method in methods.split("/"):
                documented.add((method, route))
                expected = scopes.get(method, scopes.get(None))
                assert expected == _enforced_scopes(view_class, method), f"{method} {path}"
    enforced = {
        (method.upper(), str(pattern.pattern))
        for pattern in api_urls.urlpatterns
        if hasattr(getattr(pattern.callback, "view_class", None), "required_scopes")
        for method in METHODS
        if hasattr(pattern.callback.view_class, method)
    }
    assert documented == enforced
