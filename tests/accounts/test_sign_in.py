"""Signing in to the hub: members and hub administrators, by name or e-mail, with lockout, all audited."""

import json
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.accounts.forms import INVALID_SIGN_IN
from apps.accounts.lockout import locked_out
from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM
from apps.organisations import services
from tests.accounts.conftest import LOGIN, PASSWORD, SECOND_FACTOR, enrol, sign_in, stored_secret, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HOME = reverse("accounts:home")


def signed_in_user(client: Client) -> str | None:
    response = client.get(HOME)
    if response.status_code != 200:
        return None
    return response.context["user"].get_username()


def fail_until_locked(client: Client, username: str = "alice"):
    responses = [sign_in(client, username, "wrong password") for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    return responses[-1]


def test_a_member_signs_in_and_sees_who_and_for_whom(world, client) -> None:
    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")  # the portal is where people work
    page = client.get(HOME).content.decode()
    assert "Signed in as <strong>alice</strong> of <strong>Alpha Bank</strong> (Admin)" in page
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.organisation_id, event.actor_user_id) == (world.org_a.pk, world.alice.pk)


def test_a_member_may_sign_in_with_their_email_in_any_case(world, client) -> None:
    assert sign_in(client, "CHARLIE@Example.org").status_code == 302
    assert signed_in_user(client) == "charlie"


def test_a_hub_administrator_signs_in_without_an_organisation(db, client) -> None:
    admin = UserFactory(username="ops", is_staff=True)
    enrol(admin)
    assert sign_in(client, "ops").status_code == 302
    assert "Signed in as <strong>ops</strong>, hub administrator." in client.get(HOME).content.decode()
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.organisation_id, event.actor_user_id) == (None, admin.pk)


def test_a_person_in_no_organisation_cannot_sign_in(db, client) -> None:
    UserFactory(username="drifter")
    response = sign_in(client, "drifter")
    assert response.status_code == 200
    assert INVALID_SIGN_IN in response.content.decode()
    assert signed_in_user(client) is None


def test_a_suspended_organisations_members_cannot_sign_in(world, client) -> None:
    services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="suspend")
    assert INVALID_SIGN_IN in sign_in(client, "alice").content.decode()
    assert sign_in(client, "charlie").status_code == 302


def test_pages_ask_to_sign_in_first(db, client) -> None:
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


def test_the_session_reaches_the_api_with_the_members_role_scopes(world, client) -> None:
    sign_in(client, "bob")  # a viewer: read only
    organisation = client.get(reverse("api:organisation"))
    assert organisation.status_code == 200
    assert organisation.json()["slug"] == world.org_a.slug
    assert client.get(reverse("api:api-keys")).status_code == 403


def test_an_unsafe_api_call_in_a_session_needs_the_csrf_token(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies["csrftoken"].value
    response = client.post(LOGIN, {"login": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    token = client.cookies["csrftoken"].value
    code = totp_code(stored_secret(world.alice))
    assert client.post(SECOND_FACTOR, {"code": code, "csrfmiddlewaretoken": token}).status_code == 302
    token = client.cookies["csrftoken"].value  # rotated on sign-in
    body = {"name": "from the portal", "scopes": ["read"]}
    refused = client.post(reverse("api:api-keys"), body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    created = client.post(reverse("api:api-keys"), body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert created.status_code == 201


def test_the_sign_in_form_itself_needs_the_csrf_token(world) -> None:
    response = Client(enforce_csrf_checks=True).post(LOGIN, {"login": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def _normalised(response, name: str) -> str:
    text = response.content.decode().replace(name, "NAME")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", text)


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(world, client) -> None:
    wrong_password = sign_in(client, "alice", "wrong password")
    unknown_name = sign_in(client, "mallory", "wrong password")
    assert wrong_password.status_code == unknown_name.status_code == 200
    assert INVALID_SIGN_IN in wrong_password.content.decode()
    assert _normalised(wrong_password, "alice") == _normalised(unknown_name, "mallory")


def test_failed_sign_ins_are_audited_in_the_organisation_or_the_hub_for_an_unknown_name(world, client) -> None:
    sign_in(client, "alice", "wrong password")
    sign_in(client, "mallory", "wrong password")
    failed = AuditEvent.objects.filter(action="auth.login_failed").order_by("id")
    assert [(e.organisation_id, e.data) for e in failed] == [
        (world.org_a.pk, {"username": "alice", "known_user": True}),
        (None, {"username": "mallory", "known_user": False}),
    ]
    # Alice's organisation reads who tried as someone not signed in, never as the hub; the hub keeps the address.
    assert (failed[0].actor_label, failed[0].ip) == ("anonymous", None)
    attribution = AuditEvent.objects.get(action="audit.attribution", object_id=str(failed[0].pk))
    assert (attribution.actor_label, attribution.ip) == ("anonymous", "127.0.0.1")
    assert all("wrong password" not in str(e.data) for e in AuditEvent.objects.all())


def test_repeated_wrong_passwords_lock_out_even_the_right_password(world, client) -> None:
    locked = fail_until_locked(client)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert locked["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    right_password = sign_in(client, "alice")
    assert right_password.status_code == 429
    assert signed_in_user(client) is None


def test_a_lockout_is_audited_in_the_members_organisation(world, client) -> None:
    fail_until_locked(client)
    sign_in(client, "alice")
    lockouts = AuditEvent.objects.filter(action="auth.locked_out").order_by("id")
    assert lockouts.count() == 2  # reaching the limit, then the refused right password
    first = lockouts.first()
    assert first.organisation_id == world.org_a.pk
    assert first.data["failures"] == settings.AXES_FAILURE_LIMIT
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == settings.AXES_FAILURE_LIMIT + 1
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_an_unknown_name_is_locked_out_the_same_way(world, client) -> None:
    locked = fail_until_locked(client, "mallory")
    assert locked.status_code == 429
    assert _normalised(locked, "mallory") == _normalised(fail_until_locked(Client(), "alice"), "alice")
    assert AuditEvent.objects.filter(action="auth.locked_out", organisation_id=None).exists()


def test_every_spelling_of_an_account_counts_towards_one_lockout(world, client) -> None:
    spellings = ["alice", "alice@example.org", "ALICE@example.org", "Alice@Example.org", "alice"]
    for spelling in spellings[: settings.AXES_FAILURE_LIMIT]:
        last = sign_in(client, spelling, "wrong password")
    assert last.status_code == 429
    assert sign_in(client, "alice").status_code == 429


def test_a_lockout_holds_only_for_that_account_from_that_address(world, client) -> None:
    fail_until_locked(client)
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7"), "alice").status_code == 302
    assert sign_in(client, "charlie").status_code == 302


def test_the_lockout_ends_after_the_cool_off(world, client) -> None:
    fail_until_locked(client)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert sign_in(client, "alice").status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(world, client) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong password")
    sign_in(client, "alice")
    client.post(reverse("accounts:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "alice", "wrong password").status_code == 200
    cache.clear()  # the first sign-in's code, used again within its 30 seconds, would be refused as a replay
    assert sign_in(client, "alice").status_code == 302


def test_a_lockout_under_the_api_is_problem_json() -> None:
    response = locked_out(RequestFactory().post("/api/v1/organisation"))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    assert "try again in" in json.loads(response.content)["detail"]


def test_sign_out_ends_the_session_and_is_audited(world, client) -> None:
    sign_in(client, "alice")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user(client) is None
    assert client.get(reverse("api:organisation")).status_code == 401
    event = AuditEvent.objects.get(action="auth.logout")
    assert (event.organisation_id, event.actor_user_id) == (world.org_a.pk, world.alice.pk)


def test_sign_out_is_post_only(world, client) -> None:
    sign_in(client, "alice")
    asked = client.get(reverse("accounts:logout"))  # a page asking to confirm, with a POST form
    assert asked.status_code == 200
    assert 'method="post"' in asked.content.decode()
    assert signed_in_user(client) == "alice"
