"""A key can be made only with scopes its maker holds: no minting oneself more power."""

import pytest
from django.urls import reverse

from apps.common.actors import SYSTEM, Actor
from apps.common.errors import PermissionRefused
from apps.organisations import services
from apps.organisations.models import ApiKey
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db
API_KEYS = reverse("api:api-keys")


def test_a_manage_only_key_cannot_mint_a_report_key(world) -> None:
    _, manage_only = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["manage"])
    before = ApiKey.objects.count()
    response = world.client_for(manage_only).post(
        API_KEYS, {"name": "escalate", "scopes": ["report", "manage"]}, format="json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "report" in response.json()["detail"]
    assert ApiKey.objects.count() == before


def test_a_key_may_mint_a_key_with_some_of_its_own_scopes(world) -> None:
    _, secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["manage", "read"])
    response = world.client_for(secret).post(API_KEYS, {"name": "reader", "scopes": ["read"]}, format="json")
    assert response.status_code == 201
    assert response.json()["api_key"]["scopes"] == ["read"]


def test_a_person_grants_at_most_their_roles_scopes(world) -> None:
    with pytest.raises(PermissionRefused):
        services.api_key_create(
            actor=Actor(organisation=world.org_a, user=world.bob), organisation=world.org_a, name="x", scopes="report"
        )
    _, secret = services.api_key_create(
        actor=Actor(organisation=world.org_a, user=world.alice), organisation=world.org_a, name="y", scopes="report"
    )
    assert secret.startswith("vigil_")


def test_the_system_and_hub_administrators_may_grant_any_scope(world) -> None:
    api_key, _ = services.api_key_create(actor=SYSTEM, organisation=world.org_a, name="z", scopes="report,manage")
    assert api_key.scopes == ["manage", "report"]
