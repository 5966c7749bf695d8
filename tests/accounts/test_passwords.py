"""Changing a password, resetting a forgotten one and adding an e-mail address are audit events in the
person's organisation."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from apps.audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, SECOND_FACTOR, sign_in, sign_in_password

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a much longer passphrase 2026"


def test_changing_the_password_is_audited_and_the_new_one_signs_in(world, client) -> None:
    sign_in(client, "alice")
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.password_changed")
    assert (event.organisation_id, event.actor_user_id) == (world.org_a.pk, world.alice.pk)
    client.logout()
    # The new password passes the first step; the code already spent in this period is not tried again.
    assert sign_in_password(client, "alice", NEW_PASSWORD)["Location"].startswith(SECOND_FACTOR)


def test_a_reset_by_email_is_audited(world, client) -> None:
    client.post(reverse("account_reset_password"), {"email": world.alice.email})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    form = client.get(link, follow=True)
    response = client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.organisation_id == world.org_a.pk


def test_adding_an_email_address_is_audited(world, client) -> None:
    sign_in(client, "alice")
    client.post(reverse("account_email"), {"action_add": "", "email": "alice.desk@alpha.example"})
    event = AuditEvent.objects.get(action="auth.email_added")
    assert (event.organisation_id, event.data) == (world.org_a.pk, {"email": "alice.desk@alpha.example"})
