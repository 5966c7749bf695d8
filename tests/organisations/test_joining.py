"""Joining the hub: applications vetted by a hub administrator, and single-use, expiring invitations."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM, Actor
from apps.common.errors import Conflict, LimitExceeded, NotFound, PermissionRefused, ValidationFailed
from apps.organisations import services
from apps.organisations.models import (
    ApplicationStatus,
    Invitation,
    InvitationStatus,
    Organisation,
    OrganisationStatus,
    Role,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long and unguessable passphrase"


def link(token: str) -> str:
    return f"https://hub.example/invitations/{token}/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def ops(db) -> Actor:
    return Actor(user=UserFactory(username="ops", is_staff=True), ip="192.0.2.9")


def apply(**overrides: object):
    fields = {
        "ip": "198.51.100.7",
        "name": "Kappa Credit Union",
        "sector": "bank",
        "jurisdiction": "se",
        "contact_name": "Karin Berg",
        "contact_email": "karin@kappa.example",
        "contact_phone": "+46 8 123 456",
        "purpose": "We screen customer withdrawals for wallets tied to child exploitation.",
        "attested": True,
    } | overrides
    return services.application_submit(**fields)


def test_an_application_is_recorded_pending_and_audited_in_the_hubs_log() -> None:
    application = apply()
    assert (application.status, application.jurisdiction) == (ApplicationStatus.PENDING, "SE")
    assert application.attested_at is not None
    event = AuditEvent.objects.get(action="application.submitted")
    assert (event.organisation_id, event.ip, event.data["name"]) == (None, "198.51.100.7", "Kappa Credit Union")
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("attested", False, "attest"),
        ("sector", "casino", "sector must be one of"),
        ("jurisdiction", "XX", "ISO 3166-1"),
        ("contact_email", "nobody", "not a valid e-mail"),
        ("purpose", "   ", "must not be empty"),
    ],
)
def test_an_incomplete_or_invalid_application_is_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        apply(**{field: value})
    assert not AuditEvent.objects.exists()


def test_one_address_may_apply_only_so_often(settings) -> None:
    settings.VIGIL_APPLICATION_RATE = "2/hour"
    apply(name="One")
    apply(name="Two")
    with pytest.raises(LimitExceeded) as refused:
        apply(name="Three")
    assert 0 < refused.value.retry_after <= 3600
    apply(name="Three", ip="203.0.113.1")  # another address is counted apart


def test_approving_creates_the_organisation_and_invites_its_contact_as_admin(
    ops, django_capture_on_commit_callbacks
) -> None:
    application = apply()
    with django_capture_on_commit_callbacks(execute=True):
        organisation = services.application_approve(actor=ops, application=application, invitation_url=link)
    application.refresh_from_db()
    assert (application.status, application.organisation, application.decided_by) == (
        "approved",
        organisation,
        ops.user,
    )
    assert (organisation.status, organisation.contact_email) == (OrganisationStatus.ACTIVE, "karin@kappa.example")
    invitation = Invitation.objects.get()
    assert (invitation.organisation, invitation.role, invitation.email) == (
        organisation,
        Role.ADMIN,
        "karin@kappa.example",
    )
    assert sorted(message.subject for message in mail.outbox) == [
        "Vigil hub: Kappa Credit Union is approved",
        "Vigil hub: you are invited to join Kappa Credit Union",
    ]
    assert all(message.to == ["karin@kappa.example"] for message in mail.outbox)
    hub_log = AuditEvent.objects.filter(organisation_id=None)
    assert hub_log.filter(action="application.approved", actor_user_id=ops.user.pk).exists()
    # In the new organisation's own log the hub administrator is only "hub".
    sent = AuditEvent.objects.get(action="invitation.sent")
    assert (sent.organisation_id, sent.actor_label, sent.actor_user_id) == (organisation.pk, "hub", None)


def test_refusing_needs_a_reason_which_the_applicant_is_sent(ops, django_capture_on_commit_callbacks) -> None:
    application = apply()
    with pytest.raises(ValidationFailed):
        services.application_refuse(actor=ops, application=application, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_refuse(actor=ops, application=application, reason="Not working on this harm.")
    application.refresh_from_db()
    assert (application.status, application.reason) == (ApplicationStatus.REFUSED, "Not working on this harm.")
    assert "Not working on this harm." in mail.outbox[0].body
    assert AuditEvent.objects.get(action="application.refused").data["reason"] == "Not working on this harm."
    assert not Organisation.objects.exists()


def test_an_application_is_decided_once(ops) -> None:
    application = apply()
    services.application_refuse(actor=ops, application=application, reason="No.")
    with pytest.raises(Conflict):
        services.application_approve(actor=ops, application=application, invitation_url=link)
    assert not Organisation.objects.exists()


def test_approving_an_application_named_like_a_member_changes_nothing(world, ops) -> None:
    application = apply(name="alpha bank")
    with pytest.raises(Conflict):
        services.application_approve(actor=ops, application=application, invitation_url=link)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PENDING
    assert not Invitation.objects.exists()


def alice_actor(world) -> Actor:
    return Actor(organisation=world.org_a, user=world.alice)


def test_an_admin_invites_someone_whose_link_is_stored_only_hashed(world, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_send(
            actor=alice_actor(world), organisation=world.org_a, email="erin@alpha.example", role=Role.ANALYST,
            invitation_url=link,
        )  # fmt: skip
    assert token not in invitation.token_hash and invitation.token_hash == services.invitation_token_hash(token)
    assert link(token) in mail.outbox[0].body
    assert invitation.expires_at == pytest.approx(invitation.created_at + timedelta(days=7), abs=timedelta(seconds=5))
    event = AuditEvent.objects.get(action="invitation.sent")
    assert (event.organisation_id, event.actor_user_id, event.data["role"]) == (
        world.org_a.pk,
        world.alice.pk,
        "analyst",
    )


def test_accepting_creates_the_member_with_the_role_and_the_link_then_stops_working(world) -> None:
    invitation, token = services.invitation_send(
        actor=alice_actor(world), organisation=world.org_a, email="erin@alpha.example", role=Role.VIEWER,
        invitation_url=link,
    )  # fmt: skip
    user = services.invitation_accept(token=token, username="erin", password=PASSWORD, ip="192.0.2.1")
    assert (user.membership.organisation, user.membership.role, user.email) == (
        world.org_a,
        "viewer",
        "erin@alpha.example",
    )
    assert user.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.user) == (InvitationStatus.ACCEPTED, user)
    accepted = AuditEvent.objects.get(action="invitation.accepted")
    assert (accepted.organisation_id, accepted.actor_user_id) == (world.org_a.pk, user.pk)
    with pytest.raises(NotFound):
        services.invitation_accept(token=token, username="erin2", password=PASSWORD, ip=None)


def test_a_weak_password_or_taken_name_leaves_the_invitation_usable(world) -> None:
    _, token = services.invitation_send(
        actor=alice_actor(world), organisation=world.org_a, email="erin@alpha.example", role=Role.ANALYST,
        invitation_url=link,
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match="too weak"):
        services.invitation_accept(token=token, username="erin", password="password", ip=None)
    with pytest.raises(Conflict):
        services.invitation_accept(token=token, username="bob", password=PASSWORD, ip=None)
    assert services.invitation_open(token=token).status == InvitationStatus.PENDING


def test_an_unknown_token_opens_nothing(world) -> None:
    with pytest.raises(NotFound):
        services.invitation_open(token="not-a-real-token")


def test_a_revoked_invitation_no_longer_opens(world) -> None:
    invitation, token = services.invitation_send(
        actor=alice_actor(world), organisation=world.org_a, email="erin@alpha.example", role=Role.ANALYST,
        invitation_url=link,
    )  # fmt: skip
    services.invitation_revoke(actor=alice_actor(world), invitation=invitation)
    assert AuditEvent.objects.filter(action="invitation.revoked", actor_user_id=world.alice.pk).exists()
    with pytest.raises(NotFound):
        services.invitation_open(token=token)
    with pytest.raises(Conflict):
        services.invitation_revoke(actor=alice_actor(world), invitation=invitation)


def test_an_invitation_expires_when_opened_late_or_swept(world, settings) -> None:
    settings.VIGIL_INVITATION_DAYS = 2
    first, first_token = services.invitation_send(
        actor=alice_actor(world), organisation=world.org_a, email="erin@alpha.example", role=Role.ANALYST,
        invitation_url=link,
    )  # fmt: skip
    services.invitation_send(
        actor=alice_actor(world), organisation=world.org_a, email="finn@alpha.example", role=Role.ANALYST,
        invitation_url=link,
    )  # fmt: skip
    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        with pytest.raises(Conflict, match="expired"):
            services.invitation_open(token=first_token)
        assert services.invitations_expire() == 1  # the other one; the first is closed already
    assert set(Invitation.objects.values_list("status", flat=True)) == {InvitationStatus.EXPIRED}
    expired = AuditEvent.objects.filter(action="invitation.expired")
    assert expired.count() == 2 and {event.actor_label for event in expired} == {"hub"}
    first.refresh_from_db()
    assert first.closed_at is not None


def test_one_pending_invitation_per_address(world) -> None:
    kwargs = {"organisation": world.org_a, "email": "erin@alpha.example", "role": Role.ANALYST, "invitation_url": link}
    services.invitation_send(actor=alice_actor(world), **kwargs)
    with pytest.raises(Conflict, match="pending invitation"):
        services.invitation_send(actor=alice_actor(world), **kwargs)


def test_nobody_invites_into_another_organisation_or_above_their_own_rights(world) -> None:
    with pytest.raises(PermissionRefused):
        services.invitation_send(
            actor=alice_actor(world), organisation=world.org_b, email="x@beta.example", role=Role.VIEWER,
            invitation_url=link,
        )  # fmt: skip
    analyst = Actor(organisation=world.org_b, user=world.charlie)
    with pytest.raises(PermissionRefused):
        services.invitation_send(
            actor=analyst, organisation=world.org_b, email="x@beta.example", role=Role.ADMIN, invitation_url=link
        )


def test_an_invitation_to_a_suspended_organisation_cannot_be_accepted(world) -> None:
    _, token = services.invitation_send(
        actor=alice_actor(world), organisation=world.org_a, email="erin@alpha.example", role=Role.ANALYST,
        invitation_url=link,
    )  # fmt: skip
    services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="suspend", reason="x")
    with pytest.raises(Conflict):
        services.invitation_accept(token=token, username="erin", password=PASSWORD, ip=None)
    assert not get_user_model().objects.filter(username="erin").exists()
