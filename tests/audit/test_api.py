"""The audit feed names objects by public id, or not at all: no row id reaches a member."""

import re

import pytest
from django.urls import reverse

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.public_ids import public_id

pytestmark = pytest.mark.django_db


def _feed(world) -> list[dict]:
    return world.client_a.get(reverse("api:audit-events")).json()["results"]


def test_an_event_names_its_object_by_the_public_id_the_api_showed(world) -> None:
    created = world.client_a.post(reverse("api:api-keys"), {"name": "ci", "scopes": ["read"]}, format="json").json()
    [event] = [event for event in _feed(world) if event["action"] == "api_key.created"]
    assert event["object_type"] == "organisations.apikey"
    assert event["object_id"] == created["api_key"]["id"]


def test_an_object_without_a_public_id_is_shown_as_null(world) -> None:
    audit_log(actor=Actor(organisation=world.org_a), action="organisation.updated", target=world.org_a)
    [event] = [event for event in _feed(world) if event["action"] == "organisation.updated"]
    assert event["object_type"] == "organisations.organisation"
    assert event["object_id"] is None


def test_row_ids_kept_in_older_event_data_are_shown_as_public_ids(world) -> None:
    audit_log(actor=Actor(organisation=world.org_a), action="report.withdrawn", data={"reports": [7, 8], "count": 2})
    [event] = [event for event in _feed(world) if event["action"] == "report.withdrawn"]
    assert event["data"] == {"reports": [public_id("report", 7), public_id("report", 8)], "count": 2}


def test_every_id_in_the_feed_is_opaque(world) -> None:
    world.client_a.post(reverse("api:webhooks"), {"url": "http://127.0.0.1:9/hook"}, format="json")
    world.client_a.post(reverse("api:api-keys"), {"name": "ci", "scopes": ["read"]}, format="json")
    for event in _feed(world):
        assert re.fullmatch(r"aud_[a-z2-7]{26}", event["id"])
        assert event["object_id"] is None or re.fullmatch(r"[a-z]{3}_[a-z2-7]{26}", event["object_id"])
