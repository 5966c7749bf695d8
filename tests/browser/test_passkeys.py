"""A security key is added in a real browser: allauth's WebAuthn script runs under the hub's CSP, talks to
chromium's (virtual) authenticator, and the hub stores the key and audits it."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from apps.audit.models import AuditEvent
from tests.accounts.conftest import PASSWORD, stored_secret, totp_code
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_adds_a_security_key_and_it_is_audited(live_server, page: Page, world, console_errors) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    sign_in(page, live_server, "alice", code=totp_code(stored_secret(world.alice)))
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa/authenticate)/"))

    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    if "reauthenticate" in page.url:  # a factor change asks for the password again
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("Confirm|Re-?authenticate", re.I)).click()
    page.get_by_label(re.compile("Name", re.IGNORECASE)).fill("desk key")
    page.get_by_role("button", name=re.compile("Add", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile(r"/webauthn/add/"))
    screenshot(page, "security-key-added")

    assert Authenticator.objects.filter(user=world.alice, type=Authenticator.Type.WEBAUTHN).count() == 1
    assert AuditEvent.objects.filter(action="auth.mfa.webauthn_added", organisation_id=world.org_a.pk).exists()
    assert console_errors == []
