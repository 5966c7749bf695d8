"""A second factor for everyone: the code after the password, set-up before any page, audited changes."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.accounts.access import hub_admin_required, member_required
from apps.audit.models import AuditEvent
from apps.organisations.models import Role
from tests.accounts.conftest import PASSWORD, SECOND_FACTOR, sign_in, sign_in_password, stored_secret, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HOME = reverse("accounts:home")
SETUP = reverse("mfa_activate_totp")


def test_the_password_alone_does_not_sign_in(world, client) -> None:
    response = sign_in_password(client, "alice")
    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_FACTOR)
    assert client.get(HOME).status_code == 302  # still asked to sign in
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_password_and_the_authenticator_code_sign_in(world, client) -> None:
    response = sign_in(client, "alice", code=totp_code(stored_secret(world.alice)))
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.get(action="auth.login").actor_user_id == world.alice.pk


def test_a_wrong_code_is_refused_and_audited(world, client) -> None:
    sign_in_password(client, "alice")
    wrong = f"{(int(totp_code(stored_secret(world.alice))) + 1) % 1_000_000:06d}"
    response = client.post(SECOND_FACTOR, {"code": wrong})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert client.get(HOME).status_code == 302
    event = AuditEvent.objects.get(action="auth.mfa.failed")
    assert (event.organisation_id, event.actor_user_id) == (world.org_a.pk, world.alice.pk)
    assert event.data == {"type": "totp", "reauthentication": False}
    assert wrong not in str(event.data)


def test_wrong_codes_lock_out_like_wrong_passwords(world, client) -> None:
    sign_in_password(client, "alice")
    answers = [client.post(SECOND_FACTOR, {"code": "000000"}).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers[-1] == 429
    assert AuditEvent.objects.filter(action="auth.locked_out", organisation_id=world.org_a.pk).exists()
    # The right code is refused too, and so is starting again with the right password.
    assert client.post(SECOND_FACTOR, {"code": totp_code(stored_secret(world.alice))}).status_code == 429
    assert sign_in_password(Client(), "alice").status_code == 429


def test_someone_without_a_second_factor_is_sent_to_set_one_up_before_any_page(world, client) -> None:
    Authenticator.objects.filter(user=world.alice).delete()
    client.force_login(world.alice)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert client.get("/admin/")["Location"].startswith(SETUP)
    assert client.get(SETUP).status_code == 200  # the set-up page itself opens


def test_someone_without_a_second_factor_is_refused_by_the_api(world, client) -> None:
    Authenticator.objects.filter(user=world.bob).delete()
    client.force_login(world.bob)
    response = client.get(reverse("api:organisation"))
    assert response.status_code == 403
    assert "second factor" in response.json()["detail"]


# allauth announces a changed factor once its transaction commits, so these run in real transactions.
@pytest.mark.django_db(transaction=True)
def test_setting_up_the_authenticator_app_is_audited_and_opens_the_pages(world, client) -> None:
    Authenticator.objects.filter(user=world.alice).delete()
    # A fresh sign-in counts as recent authentication, which allauth asks for before changing factors.
    assert sign_in_password(client, "alice").status_code == 302
    page = client.get(SETUP)
    secret = page.context["form"].secret
    assert client.post(SETUP, {"code": totp_code(secret)}).status_code == 302
    assert client.get(HOME).status_code == 200
    actions = list(AuditEvent.objects.filter(action__startswith="auth.mfa.").values_list("action", flat=True))
    assert "auth.mfa.totp_activated" in actions
    assert "auth.mfa.recovery_codes_generated" in actions
    # Seeing the recovery codes asks for the password again, now that there is a factor to protect.
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 302
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa.recovery_codes_viewed", actor_user_id=world.alice.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_deactivating_the_authenticator_app_is_audited(world, client) -> None:
    sign_in(client, "alice")
    # Changing a factor asks for the password again first.
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.mfa.totp_deactivated", actor_user_id=world.alice.pk).exists()
    assert client.get(HOME)["Location"].startswith(SETUP)  # and the pages close until a new one is set up


def test_the_set_up_page_shows_the_qr_code_inline_and_loads_no_inline_script(world, client) -> None:
    Authenticator.objects.filter(user=world.alice).delete()
    sign_in_password(client, "alice")
    html = client.get(SETUP).content.decode()
    assert "<svg" in html and "data:image" not in html  # img-src 'self' would refuse a data: URI
    assert "style=" not in html


def test_webauthn_scripts_are_hub_static_files_and_page_data_is_inert_json(world, client) -> None:
    sign_in(client, "alice")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    html = client.get(reverse("mfa_add_webauthn")).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attributes in scripts:
        source = re.search(r'src="/static/([^"]+)"', attributes)
        # Either a file the hub serves itself, or a JSON data block that browsers never execute.
        assert source or 'type="application/json"' in attributes, attributes
        if source:
            assert finders.find(source.group(1)), source.group(1)
    assert 'src="/static/mfa/js/webauthn.js"' in html


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _request(user: object) -> HttpRequest:
    request = RequestFactory().get("/portal/page")
    request.user = user
    return request


def test_member_required_refuses_a_wrong_role_with_403(world) -> None:
    admins_only = member_required(roles=[Role.ADMIN])(_view)
    assert admins_only(_request(world.alice)).status_code == 200
    with pytest.raises(PermissionDenied):
        admins_only(_request(world.bob))


def test_member_required_sends_the_unenrolled_to_set_up(world) -> None:
    Authenticator.objects.filter(user=world.alice).delete()
    response = member_required()(_view)(_request(world.alice))
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_hub_admin_required_refuses_members(world) -> None:
    ops = UserFactory(username="ops", is_staff=True)
    TOTP.activate(ops, generate_totp_secret())
    assert hub_admin_required(_view)(_request(ops)).status_code == 200
    with pytest.raises(PermissionDenied):
        hub_admin_required(_view)(_request(world.alice))
