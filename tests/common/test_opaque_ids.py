"""Ids members see are opaque: strings of their kind, unordered, and useless when forged or swapped."""

import base64
import re

import pytest
from django.urls import reverse

from apps.common.actors import Actor
from apps.common.errors import NotFound
from apps.common.public_ids import KINDS, internal_id, public_id, public_ids
from apps.matching.models import Match
from apps.matching.reporting import report_submit
from apps.routing.models import Delivery, Notification, WebhookEndpoint
from apps.routing.services import webhook_create
from tests.factories import MembershipFactory, report_item, token_for

pytestmark = pytest.mark.django_db


def _webhook(world, url: str) -> WebhookEndpoint:
    return webhook_create(actor=Actor(organisation=world.org_a), url=url, events=[])[0]


def _make_two(world, url_name: str) -> list[str]:
    """Create two objects of a list back to back; return the list URL's arguments."""
    if url_name == "api:members":
        MembershipFactory.create_batch(2, organisation=world.org_a)
    elif url_name == "api:api-keys":
        for name in ("one", "two"):
            world.client_a.post(reverse("api:api-keys"), {"name": name, "scopes": ["read"]}, format="json")
    elif url_name == "api:notifications":
        Notification.objects.bulk_create(
            [Notification(organisation=world.org_a, event="sighting", payload={}) for _ in range(2)]
        )
    elif url_name in ("api:webhooks", "api:webhook-deliveries"):
        endpoint = _webhook(world, "http://127.0.0.1:9/hook")
        if url_name == "api:webhook-deliveries":
            notification = Notification.objects.create(organisation=world.org_a, event="sighting", payload={})
            Delivery.objects.bulk_create(
                [Delivery(notification=notification, channel="webhook", endpoint=endpoint) for _ in range(2)]
            )
            return [public_id("webhook", endpoint.pk)]
        _webhook(world, "http://127.0.0.1:9/other")
    # Audit events: the calls above already wrote consecutive events.
    return []


LISTS = {
    "api:members": "membership",
    "api:api-keys": "api_key",
    "api:audit-events": "audit_event",
    "api:notifications": "notification",
    "api:webhooks": "webhook",
    "api:webhook-deliveries": "delivery",
}


def _as_number(value: str) -> int:
    return int.from_bytes(base64.b32decode(value[4:].upper() + "======"), "big")


@pytest.mark.parametrize("url_name", sorted(LISTS))
def test_ids_in_lists_are_opaque_strings_of_their_kind(world, url_name: str) -> None:
    args = _make_two(world, url_name)
    if url_name == "api:audit-events":
        _make_two(world, "api:api-keys")
    ids = [item["id"] for item in world.client_a.get(reverse(url_name, args=args)).json()["results"]][:2]
    assert len(ids) == 2
    for value in ids:
        assert isinstance(value, str)
        assert re.fullmatch(rf"{KINDS[LISTS[url_name]]}_[a-z2-7]{{26}}", value)
    # Two rows made one after the other: their ids are far apart, in no particular order.
    assert abs(_as_number(ids[0]) - _as_number(ids[1])) > 2**64


DETAILS = {
    "api:member": ("membership", lambda world: world.bob.membership.pk, "get"),
    "api:api-key": ("api_key", lambda world: world.key_a.pk, "get"),
    "api:notification-read": (
        "notification",
        lambda world: Notification.objects.create(organisation=world.org_a, event="sighting", payload={}).pk,
        "post",
    ),
    "api:webhook": ("webhook", lambda world: _webhook(world, "http://127.0.0.1:9/h").pk, "get"),
}


@pytest.mark.parametrize("url_name", sorted(DETAILS))
def test_a_forged_or_other_kind_id_is_a_404(world, url_name: str) -> None:
    kind, make, method = DETAILS[url_name]
    pk = make(world)
    call = getattr(world.client_a, method)
    assert call(reverse(url_name, args=[public_id(kind, pk)])).status_code == 200
    other_kind = next(name for name in KINDS if name != kind)
    forged = f"{KINDS[kind]}_{'a' * 26}"
    genuine = public_id(kind, pk)
    tampered = genuine[:4] + ("b" if genuine[4] == "a" else "a") + genuine[5:]
    for wrong in (public_id(other_kind, pk), forged, tampered):
        response = call(reverse(url_name, args=[wrong]))
        assert response.status_code == 404, wrong
        assert response["Content-Type"] == "application/problem+json"
    # The row id itself does not even name a resource.
    path = reverse(url_name, args=[genuine]).replace(genuine, str(pk))
    assert call(path).status_code == 404


def test_a_notification_names_its_match_by_public_id_or_null(world, rfc_key) -> None:
    Notification.objects.create(organisation=world.org_a, event="sighting", payload={})
    for organisation in (world.org_a, world.org_b):
        report_submit(actor=Actor(organisation=organisation), items=[report_item(token_for(1), rfc_key.key_id)])
    items = world.client_a.get(reverse("api:notifications")).json()["results"]
    assert {item["match"] for item in items} == {None, public_id("match", Match.objects.get().pk)}


def test_only_the_spelling_the_hub_writes_names_a_row() -> None:
    value = public_id("report", 42)
    assert internal_id("report", value) == 42
    # The last letter's two spare bits do not count in base32; changing them must not name the row too.
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    last = alphabet.index(value[-1])
    for sibling in {alphabet[(last & ~3) | spare] for spare in range(4)} - {value[-1]}:
        with pytest.raises(NotFound):
            internal_id("report", value[:-1] + sibling)


def test_many_ids_at_once_are_spelled_as_one_at_a_time() -> None:
    pks = [1, 42, 2**40, 2**63 - 1]
    assert public_ids("participant", pks, scope=7) == [public_id("participant", pk, scope=7) for pk in pks]
    assert public_ids("report", []) == []
