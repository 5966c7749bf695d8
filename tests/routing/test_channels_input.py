"""PUT /notification-channels takes an object of event -> list of channel names, and nothing else."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
CHANNELS = reverse("api:notification-channels")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (["match.created"], "/"),
        ("email", "/"),
        (None, "/"),
        ({"match.created": "email"}, "/match.created"),
        ({"match.created": {"email": True}}, "/match.created"),
        ({"match.created": [["email"]]}, "/match.created/0"),
        ({"match.created": [{"x": 1}]}, "/match.created/0"),
        ({"match.created": [1, "email"]}, "/match.created/0"),
        ({"match.created": ["pager"]}, "/match.created/0"),
        ({"no.such.event": ["email"]}, "/no.such.event"),
    ],
)
def test_a_wrong_shape_is_a_400_naming_the_item(world, body, pointer: str) -> None:
    response = world.client_a.put(CHANNELS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert pointer in [error["pointer"] for error in response.json()["errors"]]


def test_a_well_formed_choice_is_stored(world) -> None:
    response = world.client_a.put(CHANNELS, {"match.created": ["email", "webhook"]}, format="json")
    assert response.status_code == 200
    assert response.json()["match.created"] == ["email", "webhook"]
