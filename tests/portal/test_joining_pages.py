"""Joining through the portal: the public application form, hub administrators' vetting pages, and
invitations sent from the People page and accepted from the e-mailed link."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.common.public_ids import public_id
from apps.organisations.models import Application, ApplicationStatus, Invitation, InvitationStatus, Organisation

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unguessable passphrase"
ACCEPT = reverse("portal:invitation-accept")
APPLICATION = {
    "name": "Kappa Credit Union",
    "sector": "bank",
    "jurisdiction": "SE",
    "contact_name": "Karin Berg",
    "contact_email": "karin@kappa.example",
    "contact_phone": "",
    "purpose": "We screen withdrawals for wallets tied to child exploitation.",
    "attested": "on",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_anyone_applies_without_an_account_and_sees_a_confirmation(client: Client) -> None:
    page = client.get(reverse("portal:apply"))
    assert page.status_code == 200 and "Statement of purpose" in page.content.decode()
    response = client.post(reverse("portal:apply"), APPLICATION)
    assert response.status_code == 302 and response["Location"] == reverse("portal:apply-sent")
    assert "application is sent" in client.get(response["Location"]).content.decode()
    assert Application.objects.get().status == ApplicationStatus.PENDING


def test_an_application_without_the_attestation_is_refused(client: Client) -> None:
    response = client.post(reverse("portal:apply"), {**APPLICATION, "attested": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Application.objects.exists()


def test_a_flood_of_applications_from_one_address_gets_429(client: Client, settings) -> None:
    settings.VIGIL_APPLICATION_RATE = "1/hour"
    assert client.post(reverse("portal:apply"), APPLICATION).status_code == 302
    response = client.post(reverse("portal:apply"), {**APPLICATION, "name": "Other"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Application.objects.count() == 1


def test_the_sign_in_page_points_to_the_application(client: Client) -> None:
    assert reverse("portal:apply") in client.get(reverse("accounts:login")).content.decode()


def submitted(client: Client) -> str:
    client.post(reverse("portal:apply"), APPLICATION)
    return public_id("application", Application.objects.get().pk)


def test_a_hub_administrator_approves_and_the_contact_is_invited(
    ops, client, django_capture_on_commit_callbacks
) -> None:
    application_id = submitted(client)
    listing = ops.get(reverse("portal:hub-applications")).content.decode()
    assert "Kappa Credit Union" in listing and application_id in listing
    detail = ops.get(reverse("portal:hub-application", args=[application_id])).content.decode()
    assert "We screen withdrawals" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(reverse("portal:hub-application-approve", args=[application_id]))
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Kappa Credit Union")
    assert organisation.is_active
    invitation_mail = next(message for message in mail.outbox if "invited" in message.subject)
    assert re.search(r"http://testserver/invitations/[\w-]+/", invitation_mail.body)
    assert "Approved" in ops.get(reverse("portal:hub-application", args=[application_id])).content.decode()


def test_a_hub_administrator_refuses_with_a_reason(ops, client, django_capture_on_commit_callbacks) -> None:
    application_id = submitted(client)
    url = reverse("portal:hub-application-refuse", args=[application_id])
    assert ops.post(url, {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert ops.post(url, {"reason": "Outside the hub's remit."}).status_code == 302
    assert Application.objects.get().status == ApplicationStatus.REFUSED
    assert "Outside the hub's remit." in mail.outbox[0].body
    assert not Organisation.objects.filter(name="Kappa Credit Union").exists()


def test_members_cannot_reach_the_vetting_pages(portal, alice, client) -> None:
    application_id = submitted(client)
    assert alice.get(reverse("portal:hub-applications")).status_code == 403
    assert alice.post(reverse("portal:hub-application-approve", args=[application_id])).status_code == 403
    assert Application.objects.get().status == ApplicationStatus.PENDING


def invite(admin: Client, email: str = "erin@alpha.example", role: str = "analyst", capture=None) -> str:
    """Invite through the People page; returns the link's path from the e-mail."""
    with capture(execute=True):
        response = admin.post(reverse("portal:invite"), {"email": email, "role": role})
    assert response.status_code == 302
    return re.search(r"http://testserver(/invitations/[\w-]+/)", mail.outbox[-1].body).group(1)


def test_an_invitee_chooses_a_name_and_password_and_is_sent_to_set_up_a_second_factor(
    portal, alice, django_capture_on_commit_callbacks
) -> None:
    path = invite(alice, capture=django_capture_on_commit_callbacks)
    assert "erin@alpha.example" in alice.get(reverse("portal:people")).content.decode()
    invitee = Client()
    # The link's token leaves the address at once: the page is at a fixed address, the token in the session.
    opened = invitee.get(path)
    assert (opened.status_code, opened["Location"]) == (302, ACCEPT)
    page = invitee.get(ACCEPT).content.decode()
    assert "Join Alpha Bank" in page and "analyst" in page
    response = invitee.post(ACCEPT, {"username": "erin", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # Signed in, but nothing of the portal opens before the second factor is set up.
    assert invitee.get(reverse("portal:dashboard"))["Location"].startswith(reverse("mfa_activate_totp"))
    invitation = Invitation.objects.get()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.user.membership.role == "analyst"
    assert AuditEvent.objects.filter(action="invitation.accepted", organisation_id=portal.world.org_a.pk).exists()
    # The link works once.
    assert Client().get(path, follow=True).status_code == 404


def test_mismatched_passwords_are_refused_on_the_page(portal, alice, django_capture_on_commit_callbacks) -> None:
    path = invite(alice, capture=django_capture_on_commit_callbacks)
    invitee = Client()
    invitee.get(path)
    response = invitee.post(ACCEPT, {"username": "erin", "password1": PASSWORD, "password2": PASSWORD + "!"})
    assert response.status_code == 400 and "The two passwords differ." in response.content.decode()
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_a_revoked_invitation_link_says_so(portal, alice, django_capture_on_commit_callbacks) -> None:
    path = invite(alice, capture=django_capture_on_commit_callbacks)
    invitation_id = public_id("invitation", Invitation.objects.get().pk)
    assert alice.post(reverse("portal:invitation-revoke", args=[invitation_id])).status_code == 302
    response = Client().get(path, follow=True)
    assert response.status_code == 404 and "cannot be used" in response.content.decode()
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()


def test_another_organisations_invitation_is_not_found(
    portal, alice, charlie, django_capture_on_commit_callbacks
) -> None:
    invite(alice, capture=django_capture_on_commit_callbacks)
    invitation_id = public_id("invitation", Invitation.objects.get().pk)
    assert charlie.post(reverse("portal:invitation-revoke", args=[invitation_id])).status_code == 403  # not an admin
    other_admin = portal.client_for(portal.world.charlie)
    portal.world.charlie.membership.role = "admin"
    portal.world.charlie.membership.save()
    assert other_admin.post(reverse("portal:invitation-revoke", args=[invitation_id])).status_code == 404
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_viewers_and_analysts_cannot_invite(portal, bob, dora) -> None:
    for member in (bob, dora):
        assert member.post(reverse("portal:invite"), {"email": "x@alpha.example", "role": "admin"}).status_code == 403
    assert not Invitation.objects.exists()


PAGES = [("client", "portal:apply"), ("client", "portal:apply-sent"), ("ops", "portal:hub-applications"),
         ("alice", "portal:people")]  # fmt: skip


@pytest.mark.parametrize(("who", "name"), PAGES)
def test_joining_pages_keep_to_the_content_security_policy_and_label_every_field(request, portal, who, name) -> None:
    response = request.getfixturevalue(who).get(reverse(name))
    html = response.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None and " style=" not in html
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    for field in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if not re.search(r'type="(hidden|submit)"', field):
            assert re.search(r'id="([^"]+)"', field).group(1) in labelled, field


def test_the_accept_page_without_a_link_opened_first_is_not_found(portal) -> None:
    response = Client().get(ACCEPT)
    assert response.status_code == 404 and "cannot be used" in response.content.decode()
