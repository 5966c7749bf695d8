"""The portal in a real browser: signing in with a password and an authenticator code, joining the hub
from the application form to an invited analyst, a disclosure asked and approved, an admin's keys and
webhooks, and the walls between organisations and roles."""

import re
from collections.abc import Iterator

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import Page, expect

from apps.audit.models import AuditEvent
from apps.common.actors import Actor
from apps.common.public_ids import public_id
from apps.indicators.models import Report
from apps.matching.reporting import report_submit
from apps.matching.selectors import match_list_visible_to
from apps.organisations.models import ApiKey, Invitation, Organisation, Role
from apps.routing.models import Delivery, DeliveryAttempt, DeliveryStatus, Notification, WebhookEndpoint
from apps.routing.services import webhook_create
from tests.accounts.conftest import stored_secret, totp_code
from tests.browser.conftest import screenshot, sign_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, report_item, token_for

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "a long and unguessable passphrase"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Used authenticator codes and rate-limit counters live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


def session_of(page: Page, live_server, user: object) -> None:
    """Start signed in (password and second factor are the first test's subject, not every test's)."""
    page.context.clear_cookies()
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def set_up_authenticator(page: Page) -> None:
    """On the set-up page: read the secret as a person would type it into an app, and enter its code."""
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))  # the activation has gone through


def test_a_member_signs_in_with_password_and_code_and_a_wrong_code_is_refused_and_audited(
    live_server, page: Page, world, console_errors: list[str]
) -> None:
    sign_in(
        page, live_server, "alice", code="000000" if totp_code(stored_secret(world.alice)) != "000000" else "111111"
    )
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    failed = AuditEvent.objects.get(action="auth.mfa.failed")
    assert (failed.organisation_id, failed.actor_user_id) == (world.org_a.pk, world.alice.pk)
    screenshot(page, "sign-in-wrong-code")

    page.locator("input[name=code]").fill(totp_code(stored_secret(world.alice)))
    page.get_by_role("button", name=re.compile("Sign in|Verify|Confirm", re.I)).click()
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Alpha Bank")).to_be_visible()
    assert AuditEvent.objects.filter(action="auth.login", actor_user_id=world.alice.pk).exists()
    screenshot(page, "member-dashboard")

    # Someone without a second factor signs in with the password and is sent to set one up first.
    page.context.clear_cookies()
    MembershipFactory(organisation=world.org_a, role=Role.ANALYST, user__username="gina")
    sign_in(page, live_server, "gina")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    page.goto(f"{live_server.url}/matches/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    screenshot(page, "second-factor-set-up")
    assert console_errors == []


def test_an_organisation_applies_is_approved_and_its_first_admin_joins_and_invites_an_analyst(
    live_server, page: Page, db, console_errors: list[str]
) -> None:
    page.goto(f"{live_server.url}/apply/")
    page.get_by_label("Organisation name").fill("Kappa Credit Union")
    page.get_by_label("Sector").select_option("bank")
    page.get_by_label("Jurisdiction").select_option("SE")
    page.get_by_label("Contact name").fill("Karin Berg")
    page.get_by_label("Contact e-mail").fill("karin@kappa.example")
    page.get_by_label("Statement of purpose").fill("We screen withdrawals for wallets tied to child exploitation.")
    page.get_by_label(re.compile("I attest")).check()
    screenshot(page, "apply")
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_role("heading", name=re.compile("application is sent"))).to_be_visible()

    ops = UserFactory(username="ops", is_staff=True)
    TOTP.activate(ops, generate_totp_secret())
    sign_in(page, live_server, "ops", code=totp_code(stored_secret(ops)))
    page.goto(f"{live_server.url}/hub/applications/")
    screenshot(page, "hub-applications")
    page.get_by_role("link", name="Kappa Credit Union").click()
    expect(page.get_by_text("We screen withdrawals")).to_be_visible()
    screenshot(page, "hub-application")
    page.get_by_role("button", name="Approve and invite").click()
    expect(page.get_by_role("status")).to_contain_text("approved and active")
    assert Organisation.objects.get(name="Kappa Credit Union").is_active

    invitation_mail = next(message for message in mail.outbox if "invited" in message.subject)
    assert invitation_mail.to == ["karin@kappa.example"]
    link = re.search(r"http://\S+/invitations/[\w-]+/", invitation_mail.body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/invitations/accept/")  # the token left the address bar
    page.get_by_label("User name").fill("karin")
    page.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    screenshot(page, "invitation-accept")
    page.get_by_role("button", name="Create my account").click()
    set_up_authenticator(page)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Kappa Credit Union")).to_be_visible()
    expect(page.get_by_text("karin · Kappa Credit Union (Admin)")).to_be_visible()

    page.get_by_role("link", name="People").click()
    page.get_by_label("E-mail address").fill("lars@kappa.example")
    page.get_by_label("Their role").select_option("analyst")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text("lars@kappa.example is invited as analyst")
    screenshot(page, "people-invited")
    assert mail.outbox[-1].to == ["lars@kappa.example"]
    assert Invitation.objects.filter(email="lars@kappa.example", role="analyst", status="pending").exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"application.submitted", "application.approved", "invitation.sent", "invitation.accepted"} <= actions
    assert console_errors == []


def test_an_anonymous_counterpart_is_asked_for_disclosure_and_approves_in_the_portal(
    live_server, page: Page, world, rfc_key, console_errors: list[str]
) -> None:
    token = token_for("disclosure")
    report_submit(actor=Actor(organisation=world.org_a), items=[report_item(token, rfc_key.key_id)],
                  policy={"visibility": "named"})  # fmt: skip
    report_submit(actor=Actor(organisation=world.org_b), items=[report_item(token, rfc_key.key_id)],
                  policy={"visibility": "anonymous"})  # fmt: skip
    match_id = match_list_visible_to(organisation=world.org_a)[0]["id"]

    session_of(page, live_server, world.alice)
    page.goto(f"{live_server.url}/matches/")
    screenshot(page, "anonymous-match-list")
    page.goto(f"{live_server.url}/matches/{match_id}/")
    expect(page.get_by_text("Beta Exchange")).to_have_count(0)
    page.get_by_label("Legal basis").select_option("safe_harbour")
    page.get_by_label(re.compile("Why you ask")).fill("Our customer paid this wallet; we would file a joint report.")
    page.get_by_role("button", name="Ask who this is").click()
    expect(page.get_by_text("pending").first).to_be_visible()

    session_of(page, live_server, world.charlie)
    page.goto(f"{live_server.url}/disclosures/")
    page.get_by_role("link", name=re.compile("^dis_")).first.click()
    expect(page.get_by_text("Our customer paid this wallet")).to_be_visible()
    page.get_by_label(re.compile("Case note")).fill("Our case 2026-17; call the duty desk.")
    screenshot(page, "disclosure-request")
    page.get_by_role("button", name="Approve and reveal contacts").click()
    expect(page.get_by_role("heading", name="What was revealed")).to_be_visible()

    session_of(page, live_server, world.alice)
    page.goto(f"{live_server.url}/disclosures/")
    page.get_by_role("link", name=re.compile("^dis_")).first.click()
    expect(page.get_by_text("Beta Exchange").first).to_be_visible()
    expect(page.get_by_text("Our case 2026-17; call the duty desk.")).to_be_visible()
    screenshot(page, "disclosure-approved")
    assert AuditEvent.objects.filter(action__startswith="disclosure.").count() >= 2
    assert console_errors == []


def test_an_admin_sees_each_secret_once_revokes_a_key_and_reads_the_delivery_log(
    live_server, page: Page, world, console_errors: list[str]
) -> None:
    session_of(page, live_server, world.alice)
    page.goto(f"{live_server.url}/api-keys/")
    page.get_by_label("Name").fill("screening")
    page.get_by_label("Screen tokens").check()
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-secret").input_value()
    assert secret.startswith("vigil_")
    screenshot(page, "api-key-created")
    page.goto(f"{live_server.url}/api-keys/")
    expect(page.locator("#new-secret")).to_have_count(0)
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke screening").click()
    expect(page.get_by_role("status")).to_contain_text("API key screening is revoked")
    assert ApiKey.objects.get(name="screening").revoked_at is not None

    page.goto(f"{live_server.url}/webhooks/")
    page.get_by_label("Endpoint URL").fill("http://127.0.0.1:9/vigil")
    page.get_by_role("button", name="Add endpoint").click()
    webhook_secret = page.locator("#new-secret").input_value()
    assert webhook_secret.startswith("whsec_")
    page.goto(f"{live_server.url}/webhooks/")
    assert webhook_secret not in page.content()

    endpoint = WebhookEndpoint.objects.get(organisation=world.org_a)
    notification = Notification.objects.create(organisation=world.org_a, event="match.created", payload={})
    delivery = Delivery.objects.create(
        notification=notification, channel="webhook", endpoint=endpoint, status=DeliveryStatus.PENDING, attempts=1
    )
    DeliveryAttempt.objects.create(delivery=delivery, success=False, latency_ms=3, error="ConnectError: refused")
    page.get_by_role("link", name="http://127.0.0.1:9/vigil").click()
    expect(page.get_by_text(public_id("delivery", delivery.pk))).to_be_visible()
    page.get_by_text("Attempt log").click()
    expect(page.get_by_text("ConnectError: refused").first).to_be_visible()
    screenshot(page, "webhook-deliveries")
    assert console_errors == []


def test_another_organisations_pages_are_not_found_and_a_viewer_is_kept_from_report_and_admin_pages(
    live_server, page: Page, world, rfc_key
) -> None:
    token = token_for("walls")
    report_submit(actor=Actor(organisation=world.org_a), items=[report_item(token, rfc_key.key_id)], policy={})
    # Alpha Bank's match is with a third member: Beta Exchange takes no part in it.
    gamma = OrganisationFactory(name="Gamma Pay", sector="payment_provider")
    report_submit(actor=Actor(organisation=gamma), items=[report_item(token, rfc_key.key_id)], policy={})
    match_id = match_list_visible_to(organisation=world.org_a)[0]["id"]
    report = Report.objects.get(organisation=world.org_a)
    endpoint, _ = webhook_create(actor=Actor(organisation=world.org_a, user=world.alice), url="http://127.0.0.1:9/a",
                                 events=[])  # fmt: skip
    erik = MembershipFactory(organisation=world.org_b, role=Role.ADMIN, user__username="erik").user
    TOTP.activate(erik, generate_totp_secret())

    session_of(page, live_server, erik)
    assert page.goto(f"{live_server.url}/matches/").status == 200
    for path in (
        f"/matches/{match_id}/",
        f"/reports/{public_id('report', report.pk)}/",
        f"/webhooks/{public_id('webhook', endpoint.pk)}/",
    ):
        assert page.goto(f"{live_server.url}{path}").status == 404, path
    screenshot(page, "not-found")

    session_of(page, live_server, world.bob)
    assert page.goto(f"{live_server.url}/matches/").status == 200
    for path in ("/reports/new/", "/screen/", "/people/", "/api-keys/", "/webhooks/", "/audit/", "/hub/applications/"):
        assert page.goto(f"{live_server.url}{path}").status == 403, path
    screenshot(page, "forbidden")
