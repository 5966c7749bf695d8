"""Organisation lifecycle, people and API keys, through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM
from apps.common.errors import Conflict, ValidationFailed
from apps.organisations import services
from apps.organisations.models import ApiKey, Membership, OrganisationStatus, Role

pytestmark = pytest.mark.django_db


def test_it_creates_an_active_organisation_and_audits_it() -> None:
    org = services.organisation_create(actor=SYSTEM, name="Gamma Pay", sector="payment_provider", jurisdiction="de")
    assert org.status == OrganisationStatus.ACTIVE
    assert org.jurisdiction == "DE"
    assert org.slug == "gamma-pay"
    event = AuditEvent.objects.get(action="organisation.created")
    assert event.organisation_id == org.pk
    assert event.data["sector"] == "payment_provider"


def test_it_creates_a_pending_organisation_when_asked() -> None:
    org = services.organisation_create(actor=SYSTEM, name="Delta", sector="ngo", jurisdiction="NL", pending=True)
    assert org.status == OrganisationStatus.PENDING


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sector", "casino", "sector must be one of"),
        ("jurisdiction", "XX", "ISO 3166-1"),
        ("jurisdiction", "GBR", "ISO 3166-1"),
        ("name", "  ", "name must not be empty"),
        ("contact_email", "not-an-address", "not a valid e-mail"),
    ],
)
def test_it_refuses_invalid_organisation_fields(field: str, value: str, message: str) -> None:
    fields = {"name": "Epsilon", "sector": "bank", "jurisdiction": "FR", "contact_email": ""} | {field: value}
    with pytest.raises(ValidationFailed, match=message):
        services.organisation_create(actor=SYSTEM, **fields)
    assert not AuditEvent.objects.exists()


def test_it_refuses_a_duplicate_organisation_name() -> None:
    services.organisation_create(actor=SYSTEM, name="Zeta Bank", sector="bank", jurisdiction="FR")
    with pytest.raises(Conflict):
        services.organisation_create(actor=SYSTEM, name="zeta bank", sector="bank", jurisdiction="FR")


def test_lifecycle_pending_active_suspended_reinstated(world) -> None:
    org = services.organisation_create(actor=SYSTEM, name="Eta", sector="regulator", jurisdiction="IE", pending=True)
    services.organisation_change_status(actor=SYSTEM, organisation=org, transition="approve")
    services.organisation_change_status(actor=SYSTEM, organisation=org, transition="suspend", reason="audit finding")
    org = services.organisation_change_status(actor=SYSTEM, organisation=org, transition="reinstate")
    assert org.status == OrganisationStatus.ACTIVE
    actions = list(AuditEvent.objects.filter(organisation_id=org.pk).values_list("action", flat=True))
    assert actions == [
        "organisation.created",
        "organisation.approved",
        "organisation.suspended",
        "organisation.reinstated",
    ]
    assert AuditEvent.objects.get(action="organisation.suspended").data["reason"] == "audit finding"


def test_it_refuses_to_approve_an_active_organisation(world) -> None:
    with pytest.raises(Conflict, match="Cannot approve"):
        services.organisation_change_status(actor=SYSTEM, organisation=world.org_a, transition="approve")


def test_it_creates_a_member_with_a_generated_password(world) -> None:
    user, password = services.user_create(
        actor=SYSTEM, organisation=world.org_a, username="dana", email="dana@example.org", role="analyst"
    )
    assert user.check_password(password)
    assert user.membership.organisation == world.org_a
    assert not user.is_staff


def test_it_refuses_a_weak_password(world) -> None:
    with pytest.raises(ValidationFailed, match="too weak"):
        services.user_create(
            actor=SYSTEM, organisation=world.org_a, username="eve", email="eve@example.org", password="password"
        )


def test_a_user_is_either_a_hub_admin_or_a_member(world) -> None:
    with pytest.raises(ValidationFailed, match="either a hub administrator"):
        services.user_create(
            actor=SYSTEM, organisation=world.org_a, username="x", email="x@example.org", hub_admin=True
        )


def test_role_changes_are_audited(world) -> None:
    services.membership_change_role(actor=SYSTEM, membership=world.bob.membership, role="analyst")
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.data["from"], event.data["to"]) == ("viewer", "analyst")


def test_it_stores_only_a_hash_of_a_new_api_key(world) -> None:
    api_key, secret = services.api_key_create(actor=SYSTEM, organisation=world.org_a, name="ci", scopes="read,report")
    assert secret.startswith("vigil_")
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert secret not in (stored.secret_hash, stored.prefix)
    assert secret.split("_", 2)[2] not in repr(stored.__dict__)
    assert stored.scopes == ["read", "report"]


@pytest.mark.parametrize("scopes", ["", "read,admin", []])
def test_it_refuses_unknown_or_missing_scopes(world, scopes) -> None:
    with pytest.raises(ValidationFailed, match="scope"):
        services.api_key_create(actor=SYSTEM, organisation=world.org_a, name="bad", scopes=scopes)


def test_it_refuses_an_expiry_in_the_past(world) -> None:
    with pytest.raises(ValidationFailed, match="future"):
        services.api_key_create(
            actor=SYSTEM, organisation=world.org_a, name="old", scopes="read", expires_at=timezone.now() - timedelta(1)
        )


def test_revoking_twice_is_one_revocation(world) -> None:
    services.api_key_revoke(actor=SYSTEM, api_key=world.key_a)
    first = ApiKey.objects.get(pk=world.key_a.pk).revoked_at
    services.api_key_revoke(actor=SYSTEM, api_key=world.key_a)
    assert ApiKey.objects.get(pk=world.key_a.pk).revoked_at == first
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


def test_a_user_name_cannot_look_like_an_email_address(world) -> None:
    with pytest.raises(ValidationFailed, match="must not contain @"):
        services.user_create(
            actor=SYSTEM, organisation=world.org_b, username="alice@example.org", email="m@example.org"
        )


def test_the_last_admin_can_be_neither_demoted_nor_removed(world) -> None:
    admin = world.alice.membership
    with pytest.raises(Conflict, match="at least one admin"):
        services.membership_change_role(actor=SYSTEM, membership=admin, role="analyst")
    with pytest.raises(Conflict, match="at least one admin"):
        services.membership_remove(actor=SYSTEM, membership=admin)
    assert Membership.objects.get(pk=admin.pk).role == Role.ADMIN
    assert not AuditEvent.objects.filter(action__in=["membership.role_changed", "membership.removed"]).exists()


def test_an_admin_steps_down_once_another_person_is_admin(world) -> None:
    services.membership_change_role(actor=SYSTEM, membership=world.bob.membership, role="admin")
    services.membership_change_role(actor=SYSTEM, membership=world.alice.membership, role="viewer")
    with pytest.raises(Conflict, match="at least one admin"):
        services.membership_remove(actor=SYSTEM, membership=world.bob.membership)
