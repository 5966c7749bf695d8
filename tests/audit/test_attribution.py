"""An organisation's audit log describes only its own people and keys; the hub keeps who the others were."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.audit.models import AuditEvent
from apps.audit.services import ATTRIBUTION_ACTION, audit_chain_verify, audit_log
from apps.common.actors import SYSTEM, Actor
from apps.organisations import services as organisations
from tests.factories import report_item, token_for

pytestmark = pytest.mark.django_db
IP_A, IP_B = "192.0.2.10", "198.51.100.20"


def _as(client: APIClient, ip: str) -> APIClient:
    client.defaults["REMOTE_ADDR"] = ip
    return client


def _audit_output(client: APIClient) -> str:
    response = client.get(reverse("api:audit-events"), {"page_size": 1000})
    assert response.status_code == 200
    return json.dumps(response.json())


@pytest.fixture
def clients(world, rfc_key) -> dict[str, APIClient]:
    """A (named) and B (anonymous) share a wallet; A's key and Charlie's session at B each from their own IP."""
    a = _as(world.client_a, IP_A)
    charlie = _as(APIClient(), IP_B)
    charlie.force_login(world.charlie)
    for client, visibility in ((a, "named"), (charlie, "anonymous")):
        batch = {"policy": {"visibility": visibility}, "items": [report_item(token_for(1), rfc_key.key_id)]}
        assert client.post(reverse("api:reports"), batch, format="json").status_code == 201
    return {"a": a, "b": _as(world.client_b, IP_B), "charlie": charlie}


def _ask(client: APIClient) -> int:
    match = client.get(reverse("api:matches")).json()["results"][0]
    body = {"match": match["id"], "participant": match["counterparts"][0]["participant"],
            "legal_basis": "safe_harbour", "message": "Same wallet in our SAR."}  # fmt: skip
    response = client.post(reverse("api:disclosures"), body, format="json")
    assert response.status_code == 201
    return response.json()["id"]


def _traces_of_b(world) -> list[str]:
    return [world.key_b.prefix, "charlie", IP_B]


def _traces_of_a(world) -> list[str]:
    return [world.key_a.prefix, "alice", IP_A]


@pytest.mark.parametrize(("answerer", "path"), [("b", "api:disclosure-approve"), ("charlie", "api:disclosure-refuse")])
def test_answering_a_disclosure_leaves_no_trace_of_the_answerer_in_the_askers_log(
    world, clients, answerer: str, path: str
) -> None:
    request_id = _ask(clients["a"])
    response = clients[answerer].post(reverse(path, args=[request_id]), {"reason": "No."}, format="json")
    assert response.status_code == 200
    seen_by_a = _audit_output(clients["a"])
    assert "disclosure.approved" in seen_by_a or "disclosure.refused" in seen_by_a
    assert '"actor_label": "counterpart"' in seen_by_a
    for trace in _traces_of_b(world):
        assert trace not in seen_by_a


def test_asking_leaves_no_trace_of_the_asker_in_the_counterparts_log(world, clients) -> None:
    _ask(clients["a"])
    seen_by_b = _audit_output(clients["b"])
    assert "disclosure.received" in seen_by_b
    for trace in _traces_of_a(world):
        assert trace not in seen_by_b


def test_the_hub_keeps_the_full_attribution_of_a_redacted_event(world, clients) -> None:
    _ask(clients["a"])
    received = AuditEvent.objects.get(action="disclosure.received")
    assert (received.actor_label, received.actor_api_key_id, received.ip) == ("counterpart", None, None)
    attribution = AuditEvent.objects.get(action=ATTRIBUTION_ACTION, object_id=str(received.pk))
    assert attribution.organisation_id is None  # the hub's log: no organisation reads it
    assert attribution.actor_api_key_id == world.key_a.pk
    assert attribution.ip == IP_A
    assert attribution.data == {"organisation_id": world.org_b.pk, "action": "disclosure.received",
                                "actor_organisation_id": world.org_a.pk}  # fmt: skip
    assert audit_chain_verify().ok


def test_a_hub_administrator_appears_in_an_organisations_log_as_the_hub(world) -> None:
    admin, _ = organisations.user_create(actor=SYSTEM, organisation=None, username="ops", email="o@hub.example",
                                         hub_admin=True)  # fmt: skip
    actor = Actor(user=admin, ip="203.0.113.5", session_key="s3ss10n")
    organisations.organisation_change_status(actor=actor, organisation=world.org_a, transition="suspend")
    event = AuditEvent.objects.get(action="organisation.suspended")
    assert event.organisation_id == world.org_a.pk
    assert (event.actor_label, event.actor_user_id, event.session_key_hash, event.ip) == ("hub", None, "", None)
    attribution = AuditEvent.objects.get(action=ATTRIBUTION_ACTION)
    assert (attribution.actor_label, attribution.actor_user_id) == ("user:ops", admin.pk)


def test_an_actor_acting_in_its_own_organisations_log_is_named_in_full(world) -> None:
    event = audit_log(actor=Actor(organisation=world.org_a, api_key=world.key_a, ip=IP_A), action="test.own")
    assert (event.actor_label, event.actor_api_key_id, event.ip) == (f"api-key:{world.key_a.prefix}", world.key_a.pk,
                                                                     IP_A)  # fmt: skip
    assert not AuditEvent.objects.filter(action=ATTRIBUTION_ACTION).exists()


def test_the_system_needs_no_attribution_record(world) -> None:
    event = audit_log(actor=SYSTEM, action="test.expired", organisation_id=world.org_a.pk)
    assert event.actor_label == "hub"
    assert not AuditEvent.objects.filter(action=ATTRIBUTION_ACTION).exists()
