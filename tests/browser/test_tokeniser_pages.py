"""Report, screen and matches pages in a real browser: addresses are checked and tokenised there, and no
request the browser sends carries an address in any spelling; matches show the analyst's own addresses
from the browser's record."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, Request, Route, expect
from vigil_client import voprf
from vigil_client.addresses import normalise, oprf_input

from apps.indicators.models import Report
from apps.organisations.models import Organisation
from tests.browser.conftest import screenshot
from tests.factories import ApiKeyFactory, OrganisationFactory, report_item
from tests.rfc_vectors import RFC_SECRET

pytestmark = pytest.mark.django_db(transaction=True)

SHARED = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"  # Beta Exchange reports it too
PASTED = ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", SHARED, "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"]
PASTED_INVALID = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"  # one letter's case off: the EIP-55 checksum fails
SILENT = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"  # a third member reports it silently
CSV_ROWS = ["bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", SILENT, "3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN"]
CSV_INVALID = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"  # wrong checksum
CSV_FIX = "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"
ELSEWHERE = "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"  # reported by Alpha Bank's API, not from this browser
UNKNOWN = "TQHgMpVzWkhSsRB4BzZgmV8uW4cFL8eaBr"  # screened, reported by nobody
TEST_SET = [
    *(("evm", address) for address in (*PASTED, PASTED_INVALID, ELSEWHERE)),
    *(("btc", address) for address in (*CSV_ROWS, CSV_INVALID, CSV_FIX)),
    ("trx", UNKNOWN),
]


def token(namespace: str, address: str) -> str:
    """The token as the Python client makes it under the RFC test key, the hub's current key here."""
    return voprf.token_from_output(voprf.evaluate_direct(RFC_SECRET, oprf_input(namespace, address)))


def spellings(namespace: str, address: str) -> set[str]:
    """Every way an address could be written into a request: raw, canonical, either case, hex, JSON-escaped."""
    try:
        canonical = normalise(namespace, address)
    except ValueError:
        canonical = address
    forms = {address, canonical, address.lower(), address.upper(), canonical.lower(), canonical.upper()}
    for text in (address, canonical):
        hexed = f"wallet:{namespace}:{text}".encode().hex()
        forms |= {
            hexed,
            hexed.upper(),
            text.encode().hex(),
            json.dumps(text),
            "".join(f"\\u{ord(c):04x}" for c in text),
        }
    return forms


class Sent:
    """Every request the page sends: method, URL, headers and body."""

    def __init__(self, page: Page) -> None:
        self.requests: list[Request] = []
        page.on("request", lambda request: self.requests.append(request))

    def posts(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and path in r.url]

    def assert_no_address_leaves(self) -> None:
        texts = [f"{r.url}\n{json.dumps(r.headers)}\n{r.post_data or ''}" for r in self.requests]
        assert any(r.post_data for r in self.requests), "the browser sent no request body at all"
        for namespace, address in TEST_SET:
            for form in spellings(namespace, address):
                for text in texts:
                    assert form not in text, f"{form!r} ({namespace} {address}) was sent: {text[:300]}"


def sign_in(page: Page, live_server, user: object) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def report_pasted_list(page: Page, live_server) -> None:
    """The pasted list with one invalid line: shown with its reason, nothing sent until it is dropped."""
    page.goto(f"{live_server.url}/reports/new/")
    page.get_by_label("Addresses").fill("\n".join([PASTED[0], PASTED_INVALID, *PASTED[1:]]))
    page.get_by_label("Namespace").select_option("evm")
    page.get_by_label("Category").select_option("sextortion")
    summary = page.locator("[data-check-summary]")
    expect(summary).to_contain_text("3 valid wallets; 1 invalid line")
    invalid = page.locator("[data-invalid-line]")
    expect(invalid).to_have_count(1)
    expect(invalid).to_contain_text(PASTED_INVALID)
    expect(invalid).to_contain_text("fails EIP-55")
    expect(page.locator("[data-submit]")).to_be_disabled()
    page.get_by_role("button", name="Drop invalid lines").click()
    expect(summary).to_contain_text("3 valid wallets, ready to report")
    assert page.get_by_label("Addresses").input_value() == "\n".join([PASTED[0], *PASTED[1:]])
    page.get_by_role("button", name="Tokenise and report 3 wallets").click()
    expect(page.locator("[data-status]")).to_contain_text("Reported 3 wallets in 1 batch: 3 new")


def test_an_analyst_reports_a_pasted_list_and_a_csv_file_and_no_address_leaves_the_browser(
    live_server, page: Page, world, rfc_key, console_errors: list[str], tmp_path: Path
) -> None:
    sent = Sent(page)
    sign_in(page, live_server, world.alice)
    report_pasted_list(page, live_server)
    reports_before_csv = Report.objects.filter(organisation=world.org_a).count()

    # A CSV file with the columns of `vigil report`, one line invalid: shown, and nothing goes until it is fixed.
    csv = tmp_path / "wallets.csv"
    lines = [f"{address},btc,trafficking,case 17" for address in [*CSV_ROWS[:1], CSV_INVALID, *CSV_ROWS[1:]]]
    csv.write_text("address,namespace,category,reference\n" + "\n".join(lines) + "\n")
    page.goto(f"{live_server.url}/reports/new/")
    page.get_by_label("Or choose a CSV file").set_input_files(str(csv))
    expect(page.locator("[data-check-summary]")).to_contain_text("3 valid wallets; 1 invalid line")
    expect(page.locator('[data-invalid-line="3"]')).to_contain_text(CSV_INVALID)
    screenshot(page, "report-invalid-line")
    posts_before = len(sent.posts("/api/v1/"))
    addresses = page.get_by_label("Addresses")
    addresses.fill(addresses.input_value().replace(CSV_INVALID, CSV_FIX))
    expect(page.locator("[data-check-summary]")).to_contain_text("4 valid wallets, ready to report")
    assert len(sent.posts("/api/v1/")) == posts_before == 2, "nothing was sent while a line was invalid"

    # One wallet a request, and the second request lost on the way: reporting again resumes the run.
    page.get_by_text("Advanced").click()
    page.get_by_label("Tokens per request").fill("1")
    reports_seen = {"count": 0}

    def drop_the_second(route: Route) -> None:
        reports_seen["count"] += 1
        if reports_seen["count"] == 2:
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/reports", drop_the_second)
    page.get_by_role("button", name="Tokenise and report 4 wallets").click()
    expect(page.locator("[data-status]")).to_contain_text("Stopped")
    expect(page.locator("[data-resume]")).to_contain_text("1 of 4 batches were acknowledged")
    page.get_by_role("button", name="Resume reporting").click()
    expect(page.locator("[data-status]")).to_contain_text("Reported 4 wallets in 4 batches (resumed): 4 new")
    screenshot(page, "report-wallets")

    keys = [r.headers["idempotency-key"] for r in sent.posts("/api/v1/reports")]
    assert len(keys) == 1 + 5 and keys[2] == keys[3], keys  # the lost batch went again under its own key
    assert len(set(keys[1:])) == 4
    reported = Report.objects.filter(organisation=world.org_a)
    assert reported.count() == reports_before_csv + 4
    assert set(reported.filter(namespace="btc").values_list("reference", flat=True)) == {"case 17"}
    assert {token("btc", address) for address in [*CSV_ROWS, CSV_FIX]} <= set(reported.values_list("token", flat=True))
    sent.assert_no_address_leaves()
    # The lost request (and the browser's own favicon probe) fail to load; nothing is refused or thrown.
    assert all(error.startswith("Failed to load resource") for error in console_errors), console_errors


def test_matches_show_the_analysts_own_addresses_and_screening_sends_no_address(
    live_server, page: Page, world, rfc_key, console_errors: list[str]
) -> None:
    sent = Sent(page)
    sign_in(page, live_server, world.alice)
    report_pasted_list(page, live_server)
    key_id = rfc_key.key_id
    # Beta Exchange reports the shared wallet, and one Alpha Bank reported through its API (not this browser).
    shared, elsewhere, silent = token("evm", SHARED), token("evm", ELSEWHERE), token("btc", SILENT)
    assert (
        world.client_a.post(
            "/api/v1/reports", {"items": [report_item(elsewhere, key_id, namespace="evm")]}, format="json"
        ).status_code
        == 201
    )
    assert (
        world.client_b.post(
            "/api/v1/reports",
            {
                "items": [
                    report_item(t, key_id, namespace="evm", category="csam_marketplace") for t in (shared, elsewhere)
                ],
                "policy": {"visibility": "named"},
            },
            format="json",
        ).status_code
        == 201
    )
    # A third member reports one of Alpha Bank's wallets silently: Alpha Bank must learn nothing of it.
    gamma: Organisation = OrganisationFactory(name="Gamma Police", sector="law_enforcement", jurisdiction="NL")
    _, secret_c = ApiKeyFactory.with_secret(organisation=gamma, scopes=["report"])
    assert (
        world.client_a.post("/api/v1/reports", {"items": [report_item(silent, key_id)]}, format="json").status_code
        == 201
    )
    assert (
        world.client_for(secret_c)
        .post(
            "/api/v1/reports",
            {"items": [report_item(silent, key_id)], "policy": {"visibility": "silent"}},
            format="json",
        )
        .status_code
        == 201
    )

    page.goto(f"{live_server.url}/matches/")
    rows = page.locator("tr[data-token]")
    expect(rows).to_have_count(2)
    assert {rows.nth(i).get_attribute("data-token") for i in range(2)} == {shared, elsewhere}
    expect(page.locator(f'tr[data-token="{shared}"] .address')).to_have_text(SHARED)
    expect(page.locator(f'tr[data-token="{elsewhere}"] .address')).to_have_text("not in this browser's record")
    assert silent not in page.content() and "Gamma" not in page.content()
    screenshot(page, "matches")
    page.locator(f'tr[data-token="{shared}"] a').first.click()
    expect(page.locator("dd.address")).to_have_text(SHARED)

    # Screening: one wallet another member reported, one nobody did; the sighting is recorded.
    page.goto(f"{live_server.url}/screen/")
    page.get_by_label("Addresses").fill(f"{SHARED.lower()}\n{UNKNOWN}\n")
    page.get_by_label("Record a sighting").check()
    page.get_by_role("button", name="Screen").click()
    expect(page.locator("[data-status]")).to_contain_text("Screened 2 of 2")
    expect(page.locator(f'[data-results] tr[data-token="{shared}"]')).to_contain_text("Beta Exchange")
    expect(page.locator(f'[data-results] tr[data-token="{shared}"]')).to_contain_text("csam_marketplace")
    expect(page.locator(f'[data-results] tr[data-token="{token("trx", UNKNOWN)}"]')).to_contain_text("No")
    screenshot(page, "screen-a-wallet")
    [screen] = sent.posts("/api/v1/screen")
    assert json.loads(screen.post_data)["record_sighting"] is True
    sent.assert_no_address_leaves()

    # The record page exports what this browser knows, in the CLI's file format; another's file is refused.
    page.goto(f"{live_server.url}/record/")
    expect(page.locator("[data-record-count]")).to_contain_text("4 wallets")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export the record").click()
    document = json.loads(Path(download.value.path()).read_text())
    assert document["format"] == "vigil-record" and document["organisation"] == world.org_a.slug
    assert {wallet["address"] for wallet in document["wallets"]} == {*PASTED, UNKNOWN}
    assert {w["status"] for w in document["wallets"] if w["address"] == UNKNOWN} == {"screened"}
    page.get_by_label("Record file").set_input_files(
        files=[
            {
                "name": "b.json",
                "mimeType": "application/json",
                "buffer": json.dumps(document | {"organisation": "beta"}).encode(),
            }
        ]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator("[data-record-status]")).to_contain_text("Refused: the file is the record of organisation")
    page.get_by_label("Record file").set_input_files(
        files=[{"name": "a.json", "mimeType": "application/json", "buffer": json.dumps(document).encode()}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.locator("[data-record-status]")).to_contain_text("0 added, 0 updated, 4 unchanged")
    assert console_errors == []
