"""Organisation admins' pages (people, API keys, webhooks, channels, contacts and policy, audit) and hub
administrators' pages (organisations, flood control, OPRF keys, the audit trail), each through the services."""

import re

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.common.public_ids import public_id
from apps.matching.models import Match, MatchStatus
from apps.oprf.models import KeyStatus, OprfKey
from apps.organisations.keys import key_hash
from apps.organisations.models import ApiKey, OrganisationStatus
from apps.routing.models import ChannelChoice, Delivery, DeliveryStatus, Notification, WebhookEndpoint
from tests.factories import token_for

pytestmark = pytest.mark.django_db


def test_an_admin_changes_a_persons_role(portal, alice) -> None:
    membership = portal.dora.membership
    response = alice.post(
        reverse("portal:person-role", args=[public_id("membership", membership.pk)]), {"role": "viewer"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "viewer"
    assert AuditEvent.objects.filter(action="membership.role_changed", actor_user_id=portal.world.alice.pk).exists()


def test_an_unknown_role_is_refused_on_the_page(portal, alice) -> None:
    url = reverse("portal:person-role", args=[public_id("membership", portal.dora.membership.pk)])
    response = alice.post(url, {"role": "owner"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_admin_removes_a_person_who_then_cannot_sign_in(portal, alice) -> None:
    url = reverse("portal:person-remove", args=[public_id("membership", portal.dora.membership.pk)])
    assert alice.post(url).status_code == 302
    portal.dora.refresh_from_db()
    assert not portal.dora.is_active
    assert "Removed" in alice.get(reverse("portal:people")).content.decode()
    assert AuditEvent.objects.filter(action="membership.removed").exists()


def test_an_admin_cannot_remove_themselves(portal, alice) -> None:
    url = reverse("portal:person-remove", args=[public_id("membership", portal.world.alice.membership.pk)])
    response = alice.post(url)
    assert response.status_code == 400
    assert "You cannot remove yourself." in response.content.decode()


def test_a_new_api_key_is_shown_once_and_never_cached(portal, alice) -> None:
    response = alice.post(reverse("portal:api-keys"), {"name": "screening", "scopes": ["screen", "read"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get(name="screening")
    assert key.scopes == ["read", "screen"]
    shown = re.search(rf'value="(vigil_{key.prefix}_[^"]+)"', response.content.decode()).group(1)
    assert key_hash(shown) == key.secret_hash
    assert "Your new key" not in alice.get(reverse("portal:api-keys")).content.decode()


def test_an_api_key_needs_a_scope(portal, alice) -> None:
    response = alice.post(reverse("portal:api-keys"), {"name": "nothing"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiKey.objects.filter(name="nothing").exists()


def test_an_expiry_in_the_past_is_refused(portal, alice) -> None:
    response = alice.post(
        reverse("portal:api-keys"), {"name": "old", "scopes": ["read"], "expires_at": "2001-01-01T00:00"}
    )
    assert response.status_code == 400
    assert "expires_at must be in the future." in response.content.decode()


def test_an_admin_revokes_a_key(portal, alice) -> None:
    key = portal.world.key_a
    assert alice.post(reverse("portal:api-key-revoke", args=[public_id("api_key", key.pk)])).status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_another_organisations_key_cannot_be_revoked(portal, alice) -> None:
    key = portal.world.key_b
    assert alice.post(reverse("portal:api-key-revoke", args=[public_id("api_key", key.pk)])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def _webhook(alice) -> tuple[WebhookEndpoint, str]:
    response = alice.post(reverse("portal:webhooks"), {"url": "http://127.0.0.1:9/hook", "events": ["match.created"]})
    assert response.status_code == 200
    return WebhookEndpoint.objects.get(), response.content.decode()


def test_a_new_webhook_shows_its_signing_secret_once(portal, alice) -> None:
    endpoint, html = _webhook(alice)
    assert "whsec_" in html
    assert endpoint.events == ["match.created"]
    assert "whsec_" not in alice.get(reverse("portal:webhooks")).content.decode()


def test_a_webhook_url_must_be_a_url(portal, alice) -> None:
    response = alice.post(reverse("portal:webhooks"), {"url": "not a url"})
    assert response.status_code == 400
    assert "Enter a valid URL." in response.content.decode()


def test_a_webhook_is_disabled_and_enabled_and_a_delivery_resent(portal, alice) -> None:
    endpoint, _ = _webhook(alice)
    webhook_id = public_id("webhook", endpoint.pk)
    alice.post(reverse("portal:webhook-disable", args=[webhook_id]))
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    alice.post(reverse("portal:webhook-enable", args=[webhook_id]))
    endpoint.refresh_from_db()
    assert endpoint.enabled
    notification = Notification.objects.create(organisation=portal.world.org_a, event="match.created", payload={})
    delivery = Delivery.objects.create(
        notification=notification, channel="webhook", endpoint=endpoint, status=DeliveryStatus.FAILED, attempts=8
    )
    page = alice.get(reverse("portal:webhook", args=[webhook_id])).content.decode()
    assert public_id("delivery", delivery.pk) in page
    resend = reverse("portal:delivery-resend", args=[webhook_id, public_id("delivery", delivery.pk)])
    assert alice.post(resend).status_code == 302
    assert AuditEvent.objects.filter(action="webhook.delivery_resent").exists()


def test_channels_are_chosen_per_event(portal, alice) -> None:
    response = alice.post(reverse("portal:channels"), {"match.created": ["webhook"], "sighting": ["email", "webhook"]})
    assert response.status_code == 302
    chosen = dict(ChannelChoice.objects.filter(organisation=portal.world.org_a).values_list("event", "channels"))
    assert chosen["match.created"] == ["webhook"] and chosen["sighting"] == ["email", "webhook"]
    assert chosen["disclosure.requested"] == []


def test_an_unknown_channel_is_refused(portal, alice) -> None:
    response = alice.post(reverse("portal:channels"), {"match.created": ["pigeon"]})
    assert response.status_code == 400


def test_contacts_and_default_policy_are_saved(portal, alice) -> None:
    response = alice.post(
        reverse("portal:organisation-contacts"), {"contact_name": "Desk", "contact_email": "d@a.example"}
    )
    assert response.status_code == 302
    response = alice.post(
        reverse("portal:organisation-policy"), {"visibility": "named", "tlp": "green", "audience_sectors": ["bank"]}
    )
    assert response.status_code == 302
    organisation = portal.world.org_a
    organisation.refresh_from_db()
    assert (organisation.contact_name, organisation.contact_email) == ("Desk", "d@a.example")
    assert organisation.default_policy == {"visibility": "named", "tlp": "green", "audience_sectors": ["bank"],
                                           "sighting_alerts": False}  # fmt: skip
    report = portal.report(organisation, token_for("defaults"))[0]
    assert (report.visibility, report.tlp) == ("named", "green")
    assert AuditEvent.objects.filter(action="organisation.default_policy_set").exists()


def test_a_bad_contact_email_is_refused(portal, alice) -> None:
    response = alice.post(reverse("portal:organisation-contacts"), {"contact_email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_the_organisations_audit_events_show_public_ids_only(portal, alice) -> None:
    alice.post(reverse("portal:api-key-revoke", args=[public_id("api_key", portal.world.key_a.pk)]))
    html = alice.get(reverse("portal:audit")).content.decode()
    assert "api_key.revoked" in html
    assert public_id("api_key", portal.world.key_a.pk) in html


def test_a_hub_administrator_suspends_with_a_reason_and_reinstates(portal, ops) -> None:
    url = reverse("portal:hub-organisation-status", args=[portal.world.org_b.slug])
    assert ops.post(url, {"transition": "suspend", "reason": ""}).status_code == 400
    assert ops.post(url, {"transition": "suspend", "reason": "Abuse of screening"}).status_code == 302
    portal.world.org_b.refresh_from_db()
    assert portal.world.org_b.status == OrganisationStatus.SUSPENDED
    event = AuditEvent.objects.get(action="organisation.suspended")
    assert event.data["reason"] == "Abuse of screening"
    assert ops.post(url, {"transition": "reinstate"}).status_code == 302
    portal.world.org_b.refresh_from_db()
    assert portal.world.org_b.is_active


def test_approving_an_active_organisation_is_refused_on_the_page(portal, ops) -> None:
    response = ops.post(
        reverse("portal:hub-organisation-status", args=[portal.world.org_a.slug]), {"transition": "approve"}
    )
    assert response.status_code == 400
    assert "Cannot approve an organisation that is active." in response.content.decode()


def test_a_hub_administrator_sets_a_quota(portal, ops) -> None:
    url = reverse("portal:hub-organisation-quota", args=[portal.world.org_a.slug])
    assert ops.post(url, {"daily_evaluation_quota": "-1"}).status_code == 400
    assert ops.post(url, {"daily_evaluation_quota": "5000"}).status_code == 302
    portal.world.org_a.refresh_from_db()
    assert portal.world.org_a.daily_evaluation_quota == 5000


def test_an_unknown_organisation_is_not_found(ops) -> None:
    assert ops.get(reverse("portal:hub-organisation", args=["nobody"])).status_code == 404


def test_the_flood_queue_releases_and_dismisses(portal, ops) -> None:
    first = portal.match_between_a_and_b(token_for("f1"))
    second = portal.match_between_a_and_b(token_for("f2"))
    Match.objects.update(status=MatchStatus.QUARANTINED)
    html = ops.get(reverse("portal:hub-flood")).content.decode()
    assert first in html and second in html
    assert ops.post(reverse("portal:hub-flood-review", args=[first]), {"decision": "release"}).status_code == 302
    assert ops.post(reverse("portal:hub-flood-review", args=[second]), {"decision": "dismiss"}).status_code == 302
    statuses = dict(Match.objects.values_list("token", "status"))
    assert statuses == {token_for("f1"): MatchStatus.ACTIVE, token_for("f2"): MatchStatus.DISMISSED}
    assert ops.post(reverse("portal:hub-flood-review", args=[first]), {"decision": "release"}).status_code == 404


def test_oprf_keys_are_generated_rotated_and_retired_without_showing_a_secret(portal, ops, rfc_key) -> None:
    assert ops.post(reverse("portal:hub-oprf-generate")).status_code == 302
    pending = OprfKey.objects.get(status=KeyStatus.PENDING)
    html = ops.get(reverse("portal:hub-oprf-keys")).content.decode()
    assert pending.key_id in html and bytes(rfc_key.secret_ciphertext).hex() not in html
    assert ops.post(reverse("portal:hub-oprf-rotate")).status_code == 302
    pending.refresh_from_db()
    assert pending.status == KeyStatus.CURRENT
    assert ops.post(reverse("portal:hub-oprf-retire"), {"key_id": pending.key_id}).status_code == 400
    assert ops.post(reverse("portal:hub-oprf-retire"), {"key_id": rfc_key.key_id}).status_code == 302
    rfc_key.refresh_from_db()
    assert rfc_key.status == KeyStatus.RETIRED


def test_the_audit_trail_verifies_the_chain_on_request(portal, ops) -> None:
    html = ops.get(reverse("portal:hub-audit")).content.decode()
    assert "Verify the chain now" in html and "Chain verified" not in html
    assert "Chain verified" in ops.post(reverse("portal:hub-audit")).content.decode()
