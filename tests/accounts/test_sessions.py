"""Sessions: an idle timeout, sign out everywhere, and a suspended organisation's people signed out at once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM
from apps.organisations import services
from tests.accounts.conftest import sign_in

pytestmark = pytest.mark.django_db
HOME = reverse("accounts:home")
API = reverse("api:organisation")


def test_each_request_pushes_the_idle_timeout_on(world, client) -> None:
    sign_in(client, "alice")
    client.get(HOME)
    session = Session.objects.get(session_key=client.session.session_key)
    idle = timedelta(minutes=settings.VIGIL_SESSION_IDLE_MINUTES)
    assert abs(session.expire_date - (timezone.now() + idle)) < timedelta(seconds=30)


def test_an_idle_session_ends(world, client) -> None:
    sign_in(client, "alice")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(HOME).status_code == 302
    assert client.get(API).status_code == 401


def test_the_session_cookie_is_secure_in_production_only_and_never_readable_by_scripts() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SECURE == settings.PRODUCTION
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_sign_out_everywhere_ends_every_session_and_is_audited(world, client) -> None:
    laptop, phone = client, Client(HTTP_USER_AGENT="phone")
    sign_in(laptop, "alice")
    laptop.get(HOME)
    phone.force_login(world.alice)
    assert phone.get(HOME).status_code == 200
    assert "phone" in laptop.get(reverse("accounts:sessions")).content.decode()

    response = laptop.post(reverse("accounts:sign_out_everywhere"))
    assert response.status_code == 302
    assert phone.get(HOME).status_code == 302
    assert phone.get(API).status_code == 401
    assert laptop.get(HOME).status_code == 302
    event = AuditEvent.objects.get(action="auth.sessions_ended")
    assert (event.organisation_id, event.actor_user_id, event.data) == (world.org_a.pk, world.alice.pk, {"sessions": 2})


def test_sign_out_everywhere_is_post_only_and_leaves_others_alone(world, client) -> None:
    sign_in(client, "alice")
    other = Client()
    other.force_login(world.charlie)
    assert other.get(HOME).status_code == 200
    assert client.get(reverse("accounts:sign_out_everywhere")).status_code == 405
    client.post(reverse("accounts:sign_out_everywhere"))
    assert other.get(HOME).status_code == 200


def test_a_suspended_organisations_people_are_signed_out_at_once_and_for_good(world, client) -> None:
    sign_in(client, "alice")
    assert client.get(API).status_code == 200
    session_key = client.session.session_key

    services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="suspend")
    assert client.get(HOME).status_code == 302
    assert client.get(API).status_code == 401
    assert not Session.objects.filter(session_key=session_key).exists()

    # Reinstating the organisation does not bring the old session back.
    services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="reinstate")
    assert client.get(HOME).status_code == 302


def test_a_suspended_members_untracked_session_is_ended_on_its_next_request(world, client) -> None:
    client.force_login(world.bob)  # never used, so not yet recorded against Bob
    session_key = client.session.session_key
    services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="suspend")
    assert client.get(HOME).status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
