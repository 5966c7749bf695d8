"""Matches and screening over the API."""

import pytest
from django.urls import reverse
from rest_framework.exceptions import ValidationError

from apps.common.actors import Actor
from apps.common.api import validated
from apps.matching.api.views import ScreenApi, _screen_input
from apps.matching.models import Sighting
from apps.matching.reporting import report_submit
from tests.factories import ApiKeyFactory, OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.django_db


def _report(organisation, key_id: str, token: str, **policy: object) -> None:
    report_submit(actor=Actor(organisation=organisation), items=[report_item(token, key_id)], policy=policy)


def test_matches_page_with_a_cursor(world, rfc_key) -> None:
    for n in range(5):
        _report(world.org_a, rfc_key.key_id, token_for(n))
        _report(world.org_b, rfc_key.key_id, token_for(n))
    first = world.client_a.get(reverse("api:matches"), {"page_size": 3}).json()
    second = world.client_a.get(reverse("api:matches"), {"page_size": 3, "before": first["next_before"]}).json()
    views = first["results"] + second["results"]
    assert len({view["id"] for view in views}) == 5
    # Most recently reported first: the order of the caller's own reports, which nobody else can move.
    assert [view["token"] for view in views] == [token_for(n) for n in reversed(range(5))]
    assert second["next_before"] is None


def test_a_page_skips_any_number_of_matches_hidden_from_the_caller(world, rfc_key) -> None:
    def report(organisation, tokens: list[str], **policy: object) -> None:
        items = [report_item(token, rfc_key.key_id) for token in tokens]
        report_submit(actor=Actor(organisation=organisation), items=items, policy=policy)

    visible, hidden = [token_for(f"seen-{n}") for n in range(5)], [token_for(f"hidden-{n}") for n in range(120)]
    report(world.org_b, visible)
    report(world.org_b, hidden, visibility="silent")
    report(world.org_a, visible)
    report(world.org_a, hidden)  # newer: a page reads these first, more than one chunk of them
    first = world.client_a.get(reverse("api:matches"), {"page_size": 3}).json()
    second = world.client_a.get(reverse("api:matches"), {"page_size": 3, "before": first["next_before"]}).json()
    # One batch joined its matches at one moment: they come in token order.
    assert [view["token"] for view in first["results"] + second["results"]] == sorted(visible)
    assert second["next_before"] is None


def test_a_match_an_organisation_is_not_in_is_a_404(world, rfc_key) -> None:
    outsider = OrganisationFactory(name="Outsider")
    _, secret = ApiKeyFactory.with_secret(organisation=outsider, scopes=["read"])
    _report(world.org_a, rfc_key.key_id, token_for(1))
    _report(world.org_b, rfc_key.key_id, token_for(1))
    match_id = world.client_a.get(reverse("api:matches")).json()["results"][0]["id"]
    assert world.client_a.get(reverse("api:match", args=[match_id])).status_code == 200
    assert world.client_for(secret).get(reverse("api:match", args=[match_id])).status_code == 404
    assert world.client_for(secret).get(reverse("api:matches")).json()["results"] == []


def test_screening_a_silent_only_token_reveals_nothing_to_a_third_party(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="silent")
    [result] = world.client_b.post(
        reverse("api:screen"), {"key_id": rfc_key.key_id, "tokens": [token_for(1)]}, format="json"
    ).json()["results"]
    assert result == {
        "key_id": rfc_key.key_id,
        "token": token_for(1),
        "reported": False,
        "reported_by_you": False,
        "categories": [],
        "organisations": 0,
        "first_seen": None,
        "match_status": None,
        "disputed": False,
        "counterparts": [],
    }


def test_screening_stores_nothing_unless_asked(world, rfc_key) -> None:
    _report(world.org_a, rfc_key.key_id, token_for(1), visibility="silent")
    url = reverse("api:screen")
    world.client_b.post(url, {"key_id": rfc_key.key_id, "tokens": [token_for(1), token_for(2)]}, format="json")
    assert not Sighting.objects.exists()
    world.client_b.post(
        url, {"key_id": rfc_key.key_id, "tokens": [token_for(1), token_for(2)], "record_sighting": True}, format="json"
    )
    # Kept for the silent reporter's benefit; the unreported token leaves no trace.
    assert list(Sighting.objects.values_list("organisation_id", "token")) == [(world.org_b.pk, token_for(1))]


def test_screening_refuses_bad_tokens_and_unknown_keys(world, rfc_key) -> None:
    url = reverse("api:screen")
    bad = world.client_b.post(url, {"key_id": rfc_key.key_id, "tokens": ["XYZ", token_for(1)]}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "/tokens/0"
    unknown = world.client_b.post(url, {"key_id": "0" * 16, "tokens": [token_for(1)]}, format="json")
    assert unknown.status_code == 400
    too_many = world.client_b.post(url, {"key_id": rfc_key.key_id, "tokens": [token_for(1)] * 1001}, format="json")
    assert too_many.status_code == 400


def test_screening_needs_the_screen_scope(world, rfc_key) -> None:
    _, secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["read", "report"])
    response = world.client_for(secret).post(
        reverse("api:screen"), {"key_id": rfc_key.key_id, "tokens": [token_for(1)]}, format="json"
    )
    assert response.status_code == 403


TOKEN = "ab" * 32
SCREEN_BODIES = [
    {"key_id": "6192e2a37bb427d9", "tokens": [TOKEN]},
    {"key_id": "k", "tokens": [TOKEN] * 1000, "record_sighting": True, "sighting_visibility": "named"},
    {"key_id": "k", "tokens": [TOKEN], "record_sighting": False, "unknown": "ignored"},
    # Each below is either taken by the serializer with some conversion, or refused by it.
    {"key_id": " k ", "tokens": [TOKEN]},
    {"key_id": "k\u00e9", "tokens": [TOKEN]},
    {"key_id": "", "tokens": [TOKEN]},
    {"key_id": "k" * 17, "tokens": [TOKEN]},
    {"key_id": 7, "tokens": [TOKEN]},
    {"key_id": "k", "tokens": []},
    {"key_id": "k", "tokens": [TOKEN] * 1001},
    {"key_id": "k", "tokens": [TOKEN.upper()]},
    {"key_id": "k", "tokens": TOKEN},
    {"key_id": "k", "tokens": [TOKEN], "record_sighting": "true"},
    {"key_id": "k", "tokens": [TOKEN], "record_sighting": 1},
    {"key_id": "k", "tokens": [TOKEN], "sighting_visibility": "public"},
    {"key_id": "k", "tokens": [TOKEN], "sighting_visibility": ["named"]},
    {"tokens": [TOKEN]},
    [TOKEN],
]


def _outcome(read, body) -> object:
    try:
        return dict(read(body))
    except ValidationError as exc:
        return exc.detail


@pytest.mark.parametrize("body", SCREEN_BODIES, ids=range(len(SCREEN_BODIES)))
def test_a_screening_request_is_read_exactly_as_its_serializer_reads_it(body) -> None:
    assert _outcome(_screen_input, body) == _outcome(lambda data: validated(ScreenApi.InputSerializer, data), body)
