"""People in the shared record: a session joins with its passphrase-wrapped key, removal rotates, and a hub
administrator, who belongs to no organisation, reads nothing."""

import pytest
from django.test import Client
from django.urls import reverse
from vigil_client import recordcrypto as rc

from apps.audit.models import AuditEvent
from apps.common.actors import Actor
from apps.organisations.services import membership_remove
from apps.records.models import Record, RecordMember
from tests.factories import UserFactory
from tests.portal.conftest import give_second_factor
from tests.records.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db


def session_for(user: object) -> Client:
    give_second_factor(user)
    client = Client()
    client.force_login(user)
    return client


def join_body(organisation: str, *, wrapped: bool = True) -> dict:
    private, public = rc.keypair()
    body = {"public_key": public.hex()}
    if wrapped:
        blob = rc.wrap_private_key(private, PASSPHRASE, organisation=organisation)
        body["wrapped_private_key"] = blob
    return body


def test_a_person_joins_with_a_private_key_wrapped_under_their_passphrase(world, founder) -> None:
    bob = session_for(world.bob)
    refused = bob.post(reverse("api:record-members"), join_body(world.org_a.slug, wrapped=False), "application/json")
    assert refused.status_code == 400
    assert "wrapped_private_key" in refused.json()["detail"]

    body = join_body(world.org_a.slug)
    response = bob.post(reverse("api:record-members"), body, "application/json")
    assert response.status_code == 201
    mine = bob.get(reverse("api:record")).json()["member"]
    assert mine["wrapped_private_key"] == body["wrapped_private_key"]
    assert mine["keys"] == []
    again = bob.post(reverse("api:record-members"), join_body(world.org_a.slug), "application/json")
    assert again.status_code == 409


def test_removing_a_person_drops_their_member_and_asks_for_a_rotation(world, founder) -> None:
    record, _, _ = founder
    bob = session_for(world.bob)
    member_id = bob.post(reverse("api:record-members"), join_body(world.org_a.slug), "application/json").json()["id"]
    record.grant(member_id)

    membership_remove(actor=Actor(organisation=world.org_a, user=world.alice), membership=world.bob.membership)
    member = RecordMember.objects.get(membership=world.bob.membership)
    assert member.removed_at is not None
    assert not member.keys.exists()
    assert Record.objects.get().rotation_required
    event = AuditEvent.objects.get(action="record.member_removed")
    assert event.data == {"kind": "person", "rotation_required": True}
    record.refresh()
    assert record.rotate() == 2
    assert member_id not in [member["id"] for member in record.hub.record_members()]


def test_a_hub_administrator_reads_no_record(world, founder) -> None:
    ops = session_for(UserFactory(username="ops", is_staff=True))
    for name in ("api:record", "api:record-members", "api:record-entries"):
        assert ops.get(reverse(name)).status_code == 403
