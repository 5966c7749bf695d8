"""Hub administrators manage people in the admin only through audited services."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.audit.services import ATTRIBUTION_ACTION
from apps.common.actors import SYSTEM
from apps.organisations import services

pytestmark = pytest.mark.django_db
User = get_user_model()
CHANGELIST = reverse("admin:auth_user_changelist")


@pytest.fixture
def hub_admin(client):
    user, _ = services.user_create(actor=SYSTEM, organisation=None, username="ops", email="ops@hub.example",
                                   hub_admin=True)  # fmt: skip
    TOTP.activate(user, generate_totp_secret())  # the admin, like every page, needs a second factor
    client.force_login(user)
    return user


def test_the_stock_user_and_group_admins_are_gone() -> None:
    person_admin = admin.site._registry[User]
    assert type(person_admin).__module__ == "apps.organisations.admin"
    assert not admin.site.is_registered(Group)


def test_people_cannot_be_added_edited_or_deleted_in_the_admin(client, hub_admin, world) -> None:
    change = reverse("admin:auth_user_change", args=[world.bob.pk])
    assert client.get(change).status_code == 200  # view only
    response = client.post(change, {"username": "bob", "is_staff": "on", "is_superuser": "on", "is_active": "on"})
    assert response.status_code == 403
    assert client.get(reverse("admin:auth_user_add")).status_code == 403
    assert client.post(reverse("admin:auth_user_delete", args=[world.bob.pk]), {"post": "yes"}).status_code == 403
    bob = User.objects.get(pk=world.bob.pk)
    assert not bob.is_staff and not bob.is_superuser
    assert not AuditEvent.objects.filter(object_type="auth.user", object_id=str(bob.pk)).exists()


def test_deactivating_a_person_in_the_admin_is_an_audited_service_call(client, hub_admin, world) -> None:
    response = client.post(CHANGELIST, {"action": "deactivate_users", "_selected_action": [world.bob.pk]})
    assert response.status_code == 302
    assert not User.objects.get(pk=world.bob.pk).is_active
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.organisation_id == world.org_a.pk
    assert event.actor_label == "hub"  # org A's log does not name the hub's staff
    attribution = AuditEvent.objects.get(action=ATTRIBUTION_ACTION, object_id=str(event.pk))
    assert attribution.actor_user_id == hub_admin.pk


def test_reactivating_is_audited_and_repeating_it_is_a_no_op(world) -> None:
    services.user_set_active(actor=SYSTEM, user=world.bob, active=False)
    services.user_set_active(actor=SYSTEM, user=world.bob, active=True)
    services.user_set_active(actor=SYSTEM, user=world.bob, active=True)
    assert list(AuditEvent.objects.filter(action__startswith="user.").values_list("action", flat=True)) == [
        "user.deactivated",
        "user.reactivated",
    ]
