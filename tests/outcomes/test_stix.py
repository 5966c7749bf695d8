"""The hub's STIX 2.1 export: the member's own reports, matches, sightings and outcomes, as visibility allows."""

import json

import pytest
from django.urls import reverse
from stix2validator import ValidationOptions, validate_instance
from vigil_client.contract import STIX_TOKEN_EXTENSION

from apps.audit.models import AuditEvent
from apps.common.actors import Actor
from apps.matching.services import screen
from tests.factories import ApiKeyFactory, token_for
from tests.outcomes.conftest import report, review_url

pytestmark = pytest.mark.django_db
EXPORT = reverse("api:export-stix")


def _objects(bundle: dict, kind: str) -> list[dict]:
    return [item for item in bundle["objects"] if item["type"] == kind]


def test_the_bundle_validates_and_carries_reports_matches_sightings_and_outcomes(world, rfc_key, shared) -> None:
    report(world.org_a, rfc_key.key_id, token_for("lonely"), visibility="named", tlp="red")
    screen(actor=Actor(organisation=world.org_b), key_id=rfc_key.key_id, tokens=[token_for("lonely")],
           record_sighting=True, sighting_visibility="named")  # fmt: skip
    world.client_a.put(review_url(shared["id"]), {"outcome": "referred"}, format="json")
    bundle = world.client_a.get(EXPORT).json()
    assert validate_instance(bundle, ValidationOptions(version="2.1")).is_valid
    tokens = {item["extensions"][STIX_TOKEN_EXTENSION]["token"] for item in _objects(bundle, "indicator")}
    assert tokens == {token_for("shared"), token_for("lonely")}
    [note] = _objects(bundle, "note")
    assert shared["id"] in note["abstract"] and "Beta Exchange" in note["content"]
    [opinion] = _objects(bundle, "opinion")
    assert "Referred" in opinion["explanation"]
    [sighting] = _objects(bundle, "sighting")
    assert "Screened by Beta Exchange" in sighting["description"]
    assert {item["name"] for item in _objects(bundle, "marking-definition")} == {"TLP:AMBER", "TLP:RED"}
    assert AuditEvent.objects.filter(action="export.stix", organisation_id=world.org_a.pk).exists()


def test_another_members_reports_and_a_silent_reporter_stay_out(world, rfc_key, shared, police) -> None:
    report(world.org_b, rfc_key.key_id, token_for("b-only"), visibility="named")
    report(police, rfc_key.key_id, token_for("shared"), visibility="silent")
    text = json.dumps(world.client_a.get(EXPORT).json())
    assert token_for("b-only") not in text
    assert "Police Unit" not in text and "law_enforcement" not in text


def test_exporting_needs_a_reading_scope(world) -> None:
    _, secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["screen"])
    assert world.client_for(secret).get(EXPORT).status_code == 403
