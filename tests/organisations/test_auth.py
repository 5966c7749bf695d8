"""Who gets in: API keys (wrong, revoked, expired, out of scope) and suspended organisations.

Signing in with a password is specified in tests/accounts/."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.common.actors import SYSTEM
from apps.organisations import services
from apps.organisations.models import ApiKey
from apps.organisations.selectors import api_key_authenticate
from tests.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db
ORGANISATION_URL = reverse("api:organisation")


def _assert_problem(response, status: int, detail_fragment: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert detail_fragment in body["detail"]
    assert "Traceback" not in response.content.decode()


def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_a_valid_key_reaches_its_organisation(world) -> None:
    response = world.client_a.get(ORGANISATION_URL)
    assert response.status_code == 200
    assert response.json()["slug"] == world.org_a.slug


def test_no_credentials_get_401(world) -> None:
    from rest_framework.test import APIClient

    response = APIClient().get(ORGANISATION_URL)
    _assert_problem(response, 401, "Bearer")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("presented", ["nonsense", "vigil_abc", "vigil_{prefix}_wrongsecret"])
def test_a_wrong_key_gets_401(world, presented: str) -> None:
    response = world.client_for(presented.format(prefix=world.key_a.prefix)).get(ORGANISATION_URL)
    _assert_problem(response, 401, "API key")


def test_a_revoked_key_gets_401(world) -> None:
    services.api_key_revoke(actor=SYSTEM, api_key=world.key_a)
    _assert_problem(world.client_a.get(ORGANISATION_URL), 401, "revoked")


def test_an_expired_key_gets_401(world) -> None:
    ApiKey.objects.filter(pk=world.key_a.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _assert_problem(world.client_a.get(ORGANISATION_URL), 401, "expired")


def test_an_out_of_scope_key_gets_403(world) -> None:
    _, secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["read"])
    _assert_problem(world.client_for(secret).get(reverse("api:api-keys")), 403, "manage")


def test_a_suspended_organisations_keys_are_refused(world) -> None:
    services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="suspend")
    _assert_problem(world.client_a.get(ORGANISATION_URL), 403, "suspended")


def test_a_logged_in_user_is_refused_once_the_organisation_is_suspended(world, client) -> None:
    client.force_login(world.alice)
    assert client.get(ORGANISATION_URL).status_code == 200
    services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="suspend")
    # The session no longer resolves to a user at all, so the request is unauthenticated.
    _assert_problem(client.get(ORGANISATION_URL), 401, "log in")


def test_a_viewer_session_has_only_the_read_scope(world, client) -> None:
    client.force_login(world.bob)
    assert client.get(reverse("api:members")).status_code == 200
    _assert_problem(client.get(reverse("api:api-keys")), 403, "manage")


def test_a_key_is_found_with_its_organisation_in_one_query_exactly_as_the_orm_loads_them(world) -> None:
    key, secret = ApiKeyFactory.with_secret(
        organisation=world.org_a, scopes=["screen", "read"], expires_at=timezone.now() + timedelta(days=1)
    )
    expected = ApiKey.objects.select_related("organisation").get(pk=key.pk)

    with CaptureQueriesContext(connection) as queries:
        found = api_key_authenticate(full_key=secret)
        organisation = found.organisation

    assert len(queries) == 1
    assert _fields(found) == _fields(expected)
    assert _fields(organisation) == _fields(expected.organisation)
    assert found.scopes == ["screen", "read"] and organisation.default_policy == world.org_a.default_policy


def test_the_key_records_when_it_was_last_used(world) -> None:
    assert world.key_a.last_used_at is None
    world.client_a.get(ORGANISATION_URL)
    assert ApiKey.objects.get(pk=world.key_a.pk).last_used_at is not None


def test_no_plaintext_secret_is_anywhere_in_the_database(world) -> None:
    _, created_secret = services.api_key_create(actor=SYSTEM, organisation=world.org_a, name="x", scopes="read")
    secrets = [world.secret_a, world.secret_b, created_secret]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  (table names from introspection)
            dump = repr(cursor.fetchall())
            for secret in secrets:
                assert secret.split("_", 2)[2] not in dump, f"plaintext key secret found in {table}"
