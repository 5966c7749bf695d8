"""The shared record in a real browser: a person joins from the matches page, a CLI client grants her the
key, her browser decrypts the client's address beside the match, what she reports from the portal the
client reads, she grants a new client from the people page, and a tampered entry is shown as tampered.
No address and no passphrase leaves the browser."""

import json

import pytest
from playwright.sync_api import Page, expect
from vigil_client import shared_record
from vigil_client.hub import Hub
from vigil_client.record import Wallet

from apps.common.actors import SYSTEM
from apps.common.public_ids import public_id
from apps.indicators.models import Report
from apps.oprf.services import oprf_key_rotate
from apps.records.models import Entry
from tests.browser.conftest import screenshot
from tests.browser.test_tokeniser_pages import Sent, sign_in, spellings, token
from tests.factories import ApiKeyFactory, report_item

pytestmark = pytest.mark.django_db(transaction=True)


def moved_id(report: Report) -> str:
    return public_id("report", report.pk)


PASSPHRASE = "a long passphrase of alice's own"
CLIENT_PASSPHRASE = "the client's passphrase, long enough"
ELSEWHERE = "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"  # reported by Alpha Bank's CLI, not from this browser
OTHER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
FROM_PORTAL = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"  # reported from her browser


def _passphrase(page: Page, action: str, passphrase: str) -> None:
    page.get_by_label("Record passphrase").fill(passphrase)
    if action != "open":
        page.get_by_label("The same passphrase again").fill(passphrase)
    page.locator(f"[data-shared-{action}]").click()


def test_a_person_reads_the_cli_clients_addresses_once_granted_and_grants_a_client_herself(
    live_server, page: Page, world, rfc_key, tmp_path, console_errors: list[str]
) -> None:
    slug = world.org_a.slug
    key_id = rfc_key.key_id
    elsewhere, other = token("evm", ELSEWHERE), token("evm", OTHER)
    # The analyst's CLI creates the record and reports two wallets; Beta Exchange reports both too.
    cli = Hub(live_server.url, world.secret_a)
    record, _ = shared_record.init(cli, slug, CLIENT_PASSPHRASE, str(tmp_path / "cli"))
    items = [report_item(t, key_id, namespace="evm") for t in (elsewhere, other)]
    assert world.client_a.post("/api/v1/reports", {"items": items}, format="json").status_code == 201
    named = {"items": items, "policy": {"visibility": "named"}}
    assert world.client_b.post("/api/v1/reports", named, format="json").status_code == 201
    record.save(
        [
            Wallet("evm", ELSEWHERE.lower(), ELSEWHERE, key_id, elsewhere, None, "reported"),
            Wallet("evm", OTHER.lower(), OTHER, key_id, other, None, "reported"),
        ]
    )

    sent = Sent(page)
    sign_in(page, live_server, world.alice)
    page.goto(f"{live_server.url}/matches/")
    status = page.locator("[data-shared-status]")
    expect(status).to_contain_text("Join the shared record")
    _passphrase(page, "join", PASSPHRASE)
    expect(status).to_contain_text("Joined as rmb_", timeout=30_000)
    member_id = status.inner_text().split("Joined as ")[1].split(",")[0]

    # Before any grant her browser opens the record and reads nothing.
    page.reload()
    _passphrase(page, "open", PASSPHRASE)
    expect(status).to_contain_text("nothing is readable until a colleague grants you the key", timeout=30_000)
    expect(page.locator(f'tr[data-token="{elsewhere}"] .address')).to_have_text("not in this browser's record")

    record.grant(member_id)
    page.reload()
    _passphrase(page, "open", PASSPHRASE)
    expect(page.locator(f'tr[data-token="{elsewhere}"] .address')).to_have_text(ELSEWHERE, timeout=30_000)
    expect(page.locator(f'tr[data-token="{other}"] .address')).to_have_text(OTHER)
    screenshot(page, "matches-shared-record")

    # What she reports from the portal goes into the shared record too: the CLI reads her address.
    page.goto(f"{live_server.url}/reports/new/")
    _passphrase(page, "open", PASSPHRASE)
    expect(status).to_contain_text("written to it too", timeout=30_000)
    page.get_by_label("Addresses").fill(FROM_PORTAL)
    page.get_by_label("Namespace").select_option("btc")
    page.get_by_label("Category").select_option("grooming")
    page.get_by_role("button", name="Tokenise and report 1 wallet").click()
    expect(page.locator("[data-status]")).to_contain_text("Reported 1 wallet")
    from_portal = token("btc", FROM_PORTAL)
    record.refresh()
    [entry] = record.wallets_for_tokens([(key_id, from_portal)]).values()
    assert (entry.address, entry.status, entry.report_id.startswith("rep_")) == (FROM_PORTAL, "reported", True)

    # A new client of the organisation joins; she grants it the key from the people page.
    _, new_secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["read", "report"])
    newcomer_hub = Hub(live_server.url, new_secret)
    newcomer_id, fingerprint = shared_record.join(newcomer_hub, slug, CLIENT_PASSPHRASE, str(tmp_path / "new"))
    page.goto(f"{live_server.url}/people/")
    _passphrase(page, "open", PASSPHRASE)
    expect(page.locator(f'tr[data-member="{newcomer_id}"]')).to_contain_text(fingerprint, timeout=30_000)
    expect(page.locator("[data-shared-progress]")).to_contain_text("3 of 3 entries")
    page.locator(f'[data-shared-grant="{newcomer_id}"]').click()
    expect(status).to_contain_text("Granted to")
    screenshot(page, "people-shared-record")
    newcomer = shared_record.open_shared(newcomer_hub, slug, CLIENT_PASSPHRASE, str(tmp_path / "new"))
    found = newcomer.wallets_for_tokens([(key_id, elsewhere)])
    assert found[(key_id, elsewhere)].address == ELSEWHERE

    # The hub swaps two entries: her browser shows both as tampered, neither as an address.
    first, second = Entry.objects.filter(token__in=[elsewhere, other])
    first.ciphertext, second.ciphertext = second.ciphertext, first.ciphertext
    first.save()
    second.save()
    page.goto(f"{live_server.url}/matches/")
    _passphrase(page, "open", PASSPHRASE)
    expect(page.locator(f'tr[data-token="{elsewhere}"] .address')).to_contain_text("TAMPERED", timeout=30_000)
    expect(page.locator(f'tr[data-token="{other}"] .address')).to_contain_text("TAMPERED")

    # The OPRF key rotates: her reports page moves what the record holds an address for to the new key.
    new_key = oprf_key_rotate(actor=SYSTEM).key_id
    page.goto(f"{live_server.url}/reports/")
    _passphrase(page, "open", PASSPHRASE)
    expect(status).to_contain_text("written to it too", timeout=30_000)
    page.locator("[data-shared-retokenize]").click()
    expect(status).to_contain_text("Re-tokenised 1 reports under the current key; 2 whose address", timeout=30_000)
    moved = Report.objects.get(organisation=world.org_a, status="active", key_id=new_key)
    [entry] = record.wallets_for_tokens([(new_key, moved.token)]).values()
    assert (entry.address, entry.status, entry.report_id) == (FROM_PORTAL, "reported", moved_id(moved))
    assert not Report.objects.filter(organisation=world.org_a, status="active", token=from_portal).exists()
    cli.close()
    newcomer_hub.close()

    texts = [f"{r.url}\n{json.dumps(r.headers)}\n{r.post_data or ''}" for r in sent.requests]
    for namespace, address in (("evm", ELSEWHERE), ("evm", OTHER), ("btc", FROM_PORTAL)):
        for form in spellings(namespace, address):
            assert not any(form in text for text in texts), form
    assert not any(PASSPHRASE in text for text in texts)
    assert not [error for error in console_errors if not error.startswith("Failed to load resource")], console_errors
