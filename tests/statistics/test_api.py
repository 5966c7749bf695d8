"""GET /api/v1/statistics: releases as members see them, suppressed cells marked and their values nowhere."""

import json

import pytest
from django.urls import reverse

from apps.common.actors import SYSTEM
from apps.common.public_ids import public_id
from apps.statistics.selectors import release_view
from apps.statistics.services import release_create
from tests.factories import ApiKeyFactory
from tests.statistics.conftest import PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def released(world, consortium):
    return release_create(actor=SYSTEM, period=PERIOD, k=5)


def test_members_list_releases_newest_first_with_their_parameters(world, released) -> None:
    newer = release_create(actor=SYSTEM, period=PERIOD, k=7)
    body = world.client_a.get(reverse("api:statistics")).json()
    assert [item["id"] for item in body["results"]] == [
        public_id("release", newer.pk),
        public_id("release", released.pk),
    ]
    assert body["results"][1]["period"] == {"label": "2026Q3", "start": "2026-07-01", "end": "2026-10-01"}
    assert (body["results"][0]["k"], body["results"][0]["epsilon"]) == (7, None)


def test_a_release_marks_each_suppressed_cell_and_carries_no_true_value_of_one(world, released) -> None:
    response = world.client_a.get(reverse("api:statistics-release", args=[public_id("release", released.pk)]))
    assert response.status_code == 200
    body = response.json()
    assert body["tables"] == json.loads(json.dumps(release_view(released)["tables"]))
    full = release_view(released, unsuppressed=True)
    hidden = []
    for table, seen in zip(full["tables"], body["tables"], strict=True):
        shown_rows = {row["key"]: row for row in seen["rows"]}
        for row in table["rows"]:
            for name, cell in row["cells"].items():
                if cell and cell["suppressed"] and row["key"] in shown_rows:
                    assert shown_rows[row["key"]]["cells"][name] == {"value": None, "suppressed": True}
                    hidden.append(cell)
        for row in seen["rows"]:
            assert all(cell is None or set(cell) == {"value", "suppressed"} for cell in row["cells"].values())
    assert hidden


def test_a_forged_release_id_is_a_problem_404(world, released) -> None:
    response = world.client_a.get(reverse("api:statistics-release", args=[public_id("report", released.pk)]))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_key_with_only_the_screen_scope_may_not_read_statistics(world, released) -> None:
    _, secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["screen"])
    assert world.client_for(secret).get(reverse("api:statistics")).status_code == 403
