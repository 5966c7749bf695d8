"""The organisation, members, API keys and audit-events endpoints."""

import base64
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.services import audit_log
from apps.common.actors import SYSTEM, Actor
from apps.common.public_ids import internal_id, public_id
from apps.matching.disclosure import disclosure_request
from apps.matching.models import Match
from apps.matching.reporting import report_submit
from apps.matching.visibility import participant_handle
from apps.oprf.services import oprf_key_ensure
from apps.organisations.models import ApiKey, Organisation
from apps.organisations.selectors import api_key_authenticate
from apps.outcomes.models import Dispute
from apps.records.services import record_create
from apps.routing.models import Delivery, Notification, WebhookEndpoint
from apps.routing.services import webhook_create
from tests.factories import OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.django_db


def test_it_lists_only_the_callers_members(world) -> None:
    body = world.client_a.get(reverse("api:members")).json()
    assert sorted(item["username"] for item in body["results"]) == ["alice", "bob"]


def test_it_creates_a_key_and_shows_the_secret_once(world) -> None:
    response = world.client_a.post(reverse("api:api-keys"), {"name": "screening", "scopes": ["screen"]}, format="json")
    assert response.status_code == 201
    secret = response.json()["secret"]
    assert api_key_authenticate(full_key=secret).name == "screening"
    shown_again = world.client_a.get(reverse("api:api-key", args=[response.json()["api_key"]["id"]])).json()
    assert "secret" not in shown_again
    event = AuditEvent.objects.get(action="api_key.created", data__name="screening")
    assert event.actor_api_key_id == world.key_a.pk


def test_it_refuses_a_key_with_an_unknown_scope_listing_the_field(world) -> None:
    response = world.client_a.post(reverse("api:api-keys"), {"name": "x", "scopes": ["root"]}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["pointer"] == "/scopes/0"
    assert not ApiKey.objects.filter(name="x").exists()


def test_it_revokes_a_key(world) -> None:
    response = world.client_a.delete(reverse("api:api-key", args=[public_id("api_key", world.key_a.pk)]))
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    assert world.client_a.get(reverse("api:organisation")).status_code == 401


def test_the_audit_feed_shows_the_callers_events_only(world) -> None:
    world.client_a.post(reverse("api:api-keys"), {"name": "mine", "scopes": ["read"]}, format="json")
    world.client_b.post(reverse("api:api-keys"), {"name": "theirs", "scopes": ["read"]}, format="json")
    names = [event["data"].get("name") for event in world.client_a.get(reverse("api:audit-events")).json()["results"]]
    assert "mine" in names
    assert "theirs" not in names


# Each row: URL name, how to find an object org A owns, methods to try from org B.
def _report_of_a(world) -> int:
    key = oprf_key_ensure(actor=SYSTEM)
    result = report_submit(actor=Actor(organisation=world.org_a), items=[report_item(token_for(1), key.key_id)])
    return result.reports[0]["id"]


def _match_of_a_and_a_third_party(world) -> str:
    _report_of_a(world)
    third = OrganisationFactory(name="Gamma NGO", sector="ngo")
    key = oprf_key_ensure(actor=SYSTEM)
    report_submit(actor=Actor(organisation=third), items=[report_item(token_for(1), key.key_id)])
    return public_id("match", Match.objects.get().pk)


def _dispute_of_a_and_a_third_party(world) -> str:
    """Org A disputes the third party's report in their match (B takes no part)."""
    match = Match.objects.get(pk=internal_id("match", _match_of_a_and_a_third_party(world)))
    third = Organisation.objects.get(slug="gamma-ngo")
    dispute = Dispute.objects.create(
        match=match, token=match.token, disputer=world.org_a, disputer_report=world.org_a.reports.get(),
        report=third.reports.get(), reason="?", deadline=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    return public_id("dispute", dispute.pk)


def _notification_of_a(world) -> str:
    return public_id("notification", _notification_row_of_a(world).pk)


def _notification_row_of_a(world) -> Notification:
    return Notification.objects.create(organisation=world.org_a, event="match.created", payload={})


def _webhook_of_a(world) -> WebhookEndpoint:
    endpoint, _ = webhook_create(actor=Actor(organisation=world.org_a), url="http://127.0.0.1:9/hook", events=[])
    return endpoint


def _delivery_of_a(world) -> list[str]:
    endpoint = _webhook_of_a(world)
    notification = _notification_row_of_a(world)
    delivery = Delivery.objects.create(notification=notification, channel="webhook", endpoint=endpoint)
    return [public_id("webhook", endpoint.pk), public_id("delivery", delivery.pk)]


def _disclosure_to_a(world) -> str:
    """A disclosure request between A and a third party (B stays out of it)."""
    key = oprf_key_ensure(actor=SYSTEM)
    third = OrganisationFactory(name="Gamma NGO", sector="ngo")
    report_submit(
        actor=Actor(organisation=world.org_a),
        items=[report_item(token_for(5), key.key_id)],
        policy={"visibility": "anonymous"},
    )
    report_submit(actor=Actor(organisation=third), items=[report_item(token_for(5), key.key_id)])
    match = Match.objects.get(token=token_for(5))
    target = match.participants.get(organisation=world.org_a)
    made = disclosure_request(
        actor=Actor(organisation=third),
        match_id=public_id("match", match.pk),
        participant=participant_handle(target.report_id, third.pk),
        legal_basis="consent",
        message="?",
    )
    return public_id("disclosure", made.pk)


def _record_member_of_a(world) -> str:
    """The member that created A's shared record (keys made up: the hub cannot tell)."""
    public_key, wrapped = "11" * 32, base64.b64encode(bytes(80)).decode()
    member = record_create(actor=Actor(organisation=world.org_a, api_key=world.key_a), organisation=world.org_a,
                           public_key=public_key, wrapped_private_key=None, wrapped_key=wrapped, key_check="0" * 32,
                           recovery_public_key="22" * 32, recovery_wrapped_key=wrapped)  # fmt: skip
    return public_id("record_member", member.pk)


OWNED_OBJECTS = {
    "api:member": (lambda world: public_id("membership", world.bob.membership.pk), ["get"]),
    "api:api-key": (lambda world: public_id("api_key", world.key_a.pk), ["get", "delete"]),
    "api:audit-event": (
        lambda world: public_id("audit_event", audit_log(actor=Actor(organisation=world.org_a), action="t").pk),
        ["get"],
    ),
    "api:report": (_report_of_a, ["get", "delete"]),
    "api:notification-read": (_notification_of_a, ["post"]),
    "api:notification-unread": (_notification_of_a, ["post"]),
    "api:webhook": (lambda world: public_id("webhook", _webhook_of_a(world).pk), ["get", "patch", "delete"]),
    "api:webhook-deliveries": (lambda world: public_id("webhook", _webhook_of_a(world).pk), ["get"]),
    "api:webhook-delivery-resend": (_delivery_of_a, ["post"]),
    "api:disclosure": (_disclosure_to_a, ["get"]),
    "api:disclosure-approve": (_disclosure_to_a, ["post"]),
    "api:disclosure-refuse": (_disclosure_to_a, ["post"]),
    "api:match": (_match_of_a_and_a_third_party, ["get"]),
    "api:record-member": (_record_member_of_a, ["get"]),
    "api:match-review": (_match_of_a_and_a_third_party, ["get", "put"]),
    "api:match-disputes": (_match_of_a_and_a_third_party, ["post"]),
    "api:dispute": (_dispute_of_a_and_a_third_party, ["get"]),
    "api:dispute-resolve": (_dispute_of_a_and_a_third_party, ["post"]),
    "api:record-grant": (_record_member_of_a, ["post"]),
}
LISTS = {
    "api:members": "username",
    "api:api-keys": "prefix",
    "api:audit-events": "id",
    "api:reports": "id",
    "api:notifications": "id",
    "api:webhooks": "id",
    "api:disclosures": "id",
    "api:reviews": "match",
}
# Endpoints with no per-organisation object, or that read only the caller's own organisation.
NOT_TENANT_OBJECTS = {
    "api:schema",
    "api:docs",
    "api:organisation",
    "api:notification-channels",
    "api:oprf-keys",
    "api:oprf-evaluate",
    "api:screen",
    # The caller's own organisation's shared record (tests/records shows another's is a 404).
    "api:record",
    "api:record-members",
    "api:record-rotate",
    "api:record-recovery",
    "api:record-entries",
    "api:record-entry-lookup",
    # Statistics releases are published to every member alike, suppressed (tests/statistics).
    "api:statistics",
    "api:statistics-release",
    # The caller's own precision and its own STIX export.
    "api:outcomes-precision",
    "api:export-stix",
}
# Lists computed per viewer rather than owned rows; isolation is shown in tests/matching.
VIEWER_LISTS = {"api:matches", "api:disputes"}  # disputes: tests/outcomes


@pytest.mark.parametrize("url_name", sorted(OWNED_OBJECTS))
def test_another_organisations_object_is_a_404(world, url_name: str) -> None:
    object_id, methods = OWNED_OBJECTS[url_name]
    made = object_id(world)
    url = reverse(url_name, args=made if isinstance(made, list) else [made])
    for method in methods:
        response = getattr(world.client_b, method)(url, {}, format="json")
        assert response.status_code == 404, f"{method.upper()} {url}"
        assert response["Content-Type"] == "application/problem+json"
    # The owner reaches the same object with the same request.
    assert getattr(world.client_a, methods[0])(url, {}, format="json").status_code != 404


@pytest.mark.parametrize("url_name", sorted(LISTS))
def test_lists_never_show_another_organisations_objects(world, url_name: str) -> None:
    field = LISTS[url_name]
    key = oprf_key_ensure(actor=SYSTEM)
    for number, client in enumerate((world.client_a, world.client_b)):  # objects of each organisation's own
        client.post(reverse("api:api-keys"), {"name": "extra", "scopes": ["read"]}, format="json")
        client.post(reverse("api:reports"), {"items": [report_item(token_for(number), key.key_id)]}, format="json")
        client.post(reverse("api:webhooks"), {"url": f"http://127.0.0.1:9/{number}"}, format="json")
    for organisation in (world.org_a, world.org_b):
        Notification.objects.create(organisation=organisation, event="sighting", payload={})
    _disclosure_to_a(world)
    third = Organisation.objects.get(slug="gamma-ngo")
    report_submit(
        actor=Actor(organisation=world.org_b),
        items=[report_item(token_for(6), key.key_id)],
        policy={"visibility": "anonymous"},
    )
    report_submit(actor=Actor(organisation=third), items=[report_item(token_for(6), key.key_id)])
    match = Match.objects.get(token=token_for(6))
    disclosure_request(
        actor=Actor(organisation=third),
        match_id=public_id("match", match.pk),
        participant=participant_handle(match.participants.get(organisation=world.org_b).report_id, third.pk),
        legal_basis="consent",
        message="?",
    )
    seen_by_a = {item[field] for item in world.client_a.get(reverse(url_name)).json()["results"]}
    seen_by_b = {item[field] for item in world.client_b.get(reverse(url_name)).json()["results"]}
    assert seen_by_a
    assert seen_by_b
    assert not seen_by_a & seen_by_b


def test_every_api_endpoint_is_in_the_isolation_table() -> None:
    from hub import api_urls

    named = {f"api:{pattern.name}" for pattern in api_urls.urlpatterns if pattern.name}
    assert named == set(OWNED_OBJECTS) | set(LISTS) | NOT_TENANT_OBJECTS | VIEWER_LISTS
