"""Who reaches which page: signed-out people sign in, roles follow the API's scopes, hub pages are for hub staff,
and another organisation's objects do not exist."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.common.public_ids import public_id
from apps.organisations.models import OrganisationStatus
from tests.factories import MembershipFactory, token_for

pytestmark = pytest.mark.django_db

MEMBER_PAGES = ["portal:dashboard", "portal:matches", "portal:reports", "portal:notifications", "portal:disclosures"]
ANALYST_PAGES = ["portal:report-new", "portal:screen"]
ADMIN_PAGES = [
    "portal:people",
    "portal:api-keys",
    "portal:webhooks",
    "portal:channels",
    "portal:organisation",
    "portal:audit",
]
HUB_PAGES = ["portal:hub-organisations", "portal:hub-flood", "portal:hub-oprf-keys", "portal:hub-audit"]


def test_the_root_sends_a_signed_out_visitor_to_sign_in(db) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")


@pytest.mark.parametrize("name", MEMBER_PAGES[1:] + ADMIN_PAGES + HUB_PAGES)
def test_every_other_page_asks_a_signed_out_visitor_to_sign_in(db, name) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("name", MEMBER_PAGES + ANALYST_PAGES + ADMIN_PAGES)
def test_an_admin_reaches_every_member_page(alice, name) -> None:
    assert alice.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", MEMBER_PAGES + ANALYST_PAGES)
def test_an_analyst_reaches_the_analyst_pages(dora, name) -> None:
    assert dora.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ADMIN_PAGES + HUB_PAGES)
def test_an_analyst_is_refused_admin_and_hub_pages(dora, name) -> None:
    assert dora.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_a_viewer_reads_what_the_read_scope_reads(bob, name) -> None:
    assert bob.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ANALYST_PAGES + ADMIN_PAGES + HUB_PAGES)
def test_a_viewer_cannot_reach_report_or_admin_pages(bob, name) -> None:
    assert bob.get(reverse(name)).status_code == 403


def test_a_viewer_cannot_withdraw_or_correct_a_report(portal, bob) -> None:
    report = portal.report(portal.world.org_a, token_for("mine"))[0]
    report_id = public_id("report", report.pk)
    assert bob.post(reverse("portal:report-withdraw", args=[report_id])).status_code == 403
    assert bob.post(reverse("portal:report-correct", args=[report_id]), {"category": "other"}).status_code == 403
    report.refresh_from_db()
    assert (report.status, report.category) == ("active", "osec_payment")


@pytest.mark.parametrize("name", HUB_PAGES)
def test_a_hub_administrator_reaches_the_hub_pages(ops, name) -> None:
    assert ops.get(reverse(name)).status_code == 200


def test_a_hub_administrator_lands_on_the_organisations_page(ops) -> None:
    response = ops.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:hub-organisations")


@pytest.mark.parametrize("name", MEMBER_PAGES[1:] + ADMIN_PAGES)
def test_a_hub_administrator_has_no_member_pages(ops, name) -> None:
    assert ops.get(reverse(name)).status_code == 403


def test_staff_with_a_membership_is_a_member_not_a_hub_administrator(portal, alice) -> None:
    portal.world.alice.is_staff = True
    portal.world.alice.save()
    assert alice.get(reverse("portal:hub-organisations")).status_code == 403


def test_a_suspended_organisations_people_are_signed_out(portal, alice) -> None:
    portal.world.org_a.status = OrganisationStatus.SUSPENDED
    portal.world.org_a.save()
    response = alice.get(reverse("portal:matches"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_another_organisations_objects_are_not_found(portal, alice, charlie) -> None:
    match_id = portal.match_between_a_and_b()
    report = portal.report(portal.world.org_a, token_for("alpha only"))[0]
    membership = portal.world.alice.membership
    for url in (
        reverse("portal:match", args=[match_id]),
        reverse("portal:report", args=[public_id("report", report.pk)]),
    ):
        assert alice.get(url).status_code == 200
    # Charlie is in the match too, but under his own report: Alpha's report and people are not his.
    assert charlie.get(reverse("portal:report", args=[public_id("report", report.pk)])).status_code == 404
    assert charlie.post(reverse("portal:report-withdraw", args=[public_id("report", report.pk)])).status_code == 404
    assert charlie.get(reverse("portal:match", args=[public_id("match", 10**9)])).status_code == 404
    mem_id = public_id("membership", membership.pk)
    admin_b = portal.client_for(
        MembershipFactory(organisation=portal.world.org_b, role="admin", user__username="erin").user
    )
    assert admin_b.post(reverse("portal:person-remove", args=[mem_id])).status_code == 404
    portal.world.alice.refresh_from_db()
    assert portal.world.alice.is_active


def test_a_public_id_of_another_kind_is_not_found(portal, alice) -> None:
    report = portal.report(portal.world.org_a, token_for("kind"))[0]
    assert alice.get(reverse("portal:match", args=[public_id("report", report.pk)])).status_code == 404


def test_a_member_without_a_second_factor_is_sent_to_set_one_up(portal) -> None:
    newcomer = MembershipFactory(organisation=portal.world.org_a, role="analyst", user__username="newcomer").user
    client = Client()
    client.force_login(newcomer)
    response = client.get(reverse("portal:matches"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
