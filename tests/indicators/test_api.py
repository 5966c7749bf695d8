"""The reports API: batches, idempotent retries, listing and withdrawal."""

import pytest
from django.urls import reverse

from apps.indicators.models import Report, ReportStatus
from tests.factories import ApiKeyFactory, report_item, token_for

pytestmark = pytest.mark.django_db
REPORTS = reverse("api:reports")


def _batch(key_id: str, *numbers: int, **policy: object) -> dict:
    return {"policy": policy, "items": [report_item(token_for(n), key_id) for n in numbers]}


def test_it_accepts_a_batch(world, rfc_key) -> None:
    response = world.client_a.post(REPORTS, _batch(rfc_key.key_id, 1, 2, visibility="named"), format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert [item["token"] for item in body["reports"]] == [token_for(1), token_for(2)]


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer_and_stores_nothing_twice(
    world, rfc_key
) -> None:
    batch = _batch(rfc_key.key_id, 1, 2)
    first = world.client_a.post(REPORTS, batch, format="json", HTTP_IDEMPOTENCY_KEY="batch-0001")
    Report.objects.update(category="other")  # a change the replay must not undo
    again = world.client_a.post(REPORTS, batch, format="json", HTTP_IDEMPOTENCY_KEY="batch-0001")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert set(Report.objects.values_list("category", flat=True)) == {"other"}


def test_the_same_idempotency_key_with_another_body_is_a_422(world, rfc_key) -> None:
    world.client_a.post(REPORTS, _batch(rfc_key.key_id, 1), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = world.client_a.post(REPORTS, _batch(rfc_key.key_id, 2), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert Report.objects.count() == 1


def test_idempotency_keys_are_per_organisation(world, rfc_key) -> None:
    world.client_a.post(REPORTS, _batch(rfc_key.key_id, 1), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = world.client_b.post(REPORTS, _batch(rfc_key.key_id, 2), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 201


def test_a_refused_batch_can_be_retried_under_the_same_key_once_fixed(world, rfc_key) -> None:
    bad = {"items": [report_item("nope", rfc_key.key_id)]}
    assert world.client_a.post(REPORTS, bad, format="json", HTTP_IDEMPOTENCY_KEY="k2").status_code == 400
    fixed = _batch(rfc_key.key_id, 1)
    assert world.client_a.post(REPORTS, fixed, format="json", HTTP_IDEMPOTENCY_KEY="k2").status_code == 201


def test_shape_errors_are_listed_by_index(world, rfc_key) -> None:
    items = [report_item(token_for(1), rfc_key.key_id, first_seen="yesterday"), {"token": token_for(2)}]
    response = world.client_a.post(REPORTS, {"items": items}, format="json")
    assert response.status_code == 400
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert {"/items/0/first_seen", "/items/1/key_id", "/items/1/namespace", "/items/1/category"} <= pointers
    assert not Report.objects.exists()


def test_reporting_needs_the_report_scope(world, rfc_key) -> None:
    _, read_only = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["read"])
    client = world.client_for(read_only)
    assert client.post(REPORTS, _batch(rfc_key.key_id, 1), format="json").status_code == 403
    assert client.get(REPORTS).status_code == 200


def test_the_list_shows_own_reports_filtered(world, rfc_key) -> None:
    world.client_a.post(REPORTS, _batch(rfc_key.key_id, 1, 2), format="json")
    world.client_b.post(REPORTS, _batch(rfc_key.key_id, 3), format="json")
    results = world.client_a.get(REPORTS).json()["results"]
    assert sorted(item["token"] for item in results) == sorted([token_for(1), token_for(2)])
    filtered = world.client_a.get(REPORTS, {"token": token_for(2)}).json()["results"]
    assert [item["token"] for item in filtered] == [token_for(2)]
    assert filtered[0]["policy"]["visibility"] == "anonymous"


def test_withdrawal_by_id_and_by_token(world, rfc_key) -> None:
    body = world.client_a.post(REPORTS, _batch(rfc_key.key_id, 1, 2), format="json").json()
    first_id = body["reports"][0]["id"]
    assert world.client_a.delete(reverse("api:report", args=[first_id])).json()["status"] == "withdrawn"
    second_id = body["reports"][1]["id"]
    assert world.client_a.delete(f"{REPORTS}?token={token_for(2)}").json() == {"withdrawn": 1, "reports": [second_id]}
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.WITHDRAWN}
    assert world.client_a.delete(f"{REPORTS}?token={token_for(9)}").status_code == 404


def test_another_organisations_report_cannot_be_withdrawn(world, rfc_key) -> None:
    body = world.client_a.post(REPORTS, _batch(rfc_key.key_id, 1), format="json").json()
    report_id = body["reports"][0]["id"]
    assert world.client_b.delete(reverse("api:report", args=[report_id])).status_code == 404
    assert world.client_b.delete(f"{REPORTS}?token={token_for(1)}").status_code == 404
    assert Report.objects.get().status == ReportStatus.ACTIVE
