"""The reporting library: report files checked whole, resumable runs, screening, matches and withdrawal."""

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from vigil_client.addresses import normalise, oprf_input
from vigil_client.hub import Hub, HubError, RetryPolicy
from vigil_client.reporting import (
    InvalidFile,
    NamespaceError,
    ReportFileError,
    ReportOptions,
    ReportPlan,
    idempotency_key,
    matches,
    open_record,
    read_rows,
    report,
    resolve,
    screen,
    withdraw,
)

from apps.common.actors import SYSTEM
from apps.common.models import IdempotencyRecord
from apps.common.public_ids import internal_id, public_id
from apps.indicators.models import Report
from apps.matching.models import Sighting
from apps.oprf.models import OprfKey
from apps.oprf.services import oprf_key_retire, oprf_key_rotate

# A crash, not a blip: the client must not heal the lost answer by retrying, so the run has to resume.
NO_RETRY = RetryPolicy(total_seconds=0)
WALLET_UPPER = "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"
WALLET_LOWER = WALLET_UPPER.lower()
EVM = "0x52908400098527886E0F7030069857D2E4169EE7"
LEGACY = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"


def _plan(text: str, batch_size: int = 1_000, **flags: str) -> ReportPlan:
    return ReportPlan.from_text(text, ReportOptions.from_text(flags, batch_size))


# Reading and checking report files: no hub involved.


def test_csv_cells_override_the_flags_and_policy_cells_become_the_items_policy() -> None:
    text = (
        "Address,namespace,category,visibility,audience_include,first_seen,value_amount,value_currency\n"
        f"{WALLET_UPPER},btc,,silent,gamma;beta-exchange,2024-05-01,0.5,BTC\n"
        f"{EVM},evm,grooming,named,,,,\n"
    )
    options = ReportOptions.from_text({"category": "osec_payment", "visibility": "named", "tlp": "green"})
    first, second = read_rows(text, options)
    assert options.policy == {"visibility": "named", "tlp": "green"}
    assert (first.line, first.address, first.canonical) == (2, WALLET_UPPER, WALLET_LOWER)
    assert first.item == {
        "namespace": "btc",
        "category": "osec_payment",
        "first_seen": "2024-05-01T00:00:00+00:00",
        "value_amount": "0.5",
        "value_currency": "BTC",
    }
    assert first.policy == {"visibility": "silent", "audience_include": ["beta-exchange", "gamma"]}
    assert second.item == {"namespace": "evm", "category": "grooming"}
    assert second.policy == {}  # the same visibility as the batch's is not repeated per item


def test_a_plain_file_is_one_address_a_line_with_blank_lines_skipped() -> None:
    text = f"{WALLET_UPPER}\n\n{LEGACY}\r\n"
    rows = list(read_rows(text, ReportOptions.from_text({"namespace": "btc", "category": "other"})))
    assert [(row.line, row.address, row.canonical) for row in rows] == [
        (1, WALLET_UPPER, WALLET_LOWER),
        (3, LEGACY, LEGACY),
    ]
    # Without a category flag or column every line is refused, each one named.
    refused = list(read_rows(text, ReportOptions.from_text({"namespace": "btc"})))
    assert [(row.line, row.error) for row in refused] == [
        (1, "no category: give --category or a category column"),
        (3, "no category: give --category or a category column"),
    ]


def test_every_invalid_line_is_listed_and_the_file_refused() -> None:
    text = (
        "address,namespace,first_seen,last_seen,value_amount,expires_at\n"
        f"{WALLET_UPPER},btc,,,,\n"
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3,btc,,,,\n"  # wrong checksum
        f"{WALLET_LOWER},btc,,,,\n"  # the first line's wallet spelt otherwise
        f"{EVM},evm,2024-05-02,2024-05-01,,\n"
        f"{EVM.lower()[:-1]}1,evm,2024-05-01T10:00:00,,,\n"  # no time zone
        f"0x{1:040x},evm,,,3,\n"  # an amount without its currency
        f"0x{2:040x},evm,,,,2001-01-01\n"
        f"0x{3:040x},evm,,,,,extra\n"
    )
    with pytest.raises(InvalidFile) as refused:
        _plan(text, category="other")
    errors = {line.line: line.error for line in refused.value.lines}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "checksum" in errors[3]
    assert errors[4] == "the same wallet as line 2"
    assert "before first_seen" in errors[5]
    assert "time zone" in errors[6]
    assert "together" in errors[7]
    assert "future" in errors[8]
    assert "cells" in errors[9]


def test_an_unknown_column_or_no_address_column_is_a_usage_error() -> None:
    with pytest.raises(ReportFileError, match="catgory"):
        _plan(f"address,catgory\n{WALLET_UPPER},other\n", namespace="btc")
    with pytest.raises(ReportFileError, match="no wallet"):
        _plan("\n\n", namespace="btc", category="other")


@pytest.mark.parametrize(
    ("flags", "batch_size"),
    [({"expires_at": "2001-01-01"}, 10), ({"audience_sectors": "bank,spaceship"}, 10), ({}, 0), ({}, 10_001)],
)
def test_bad_options_are_usage_errors(flags: dict[str, str], batch_size: int) -> None:
    with pytest.raises(ReportFileError):
        ReportOptions.from_text(flags, batch_size)


def test_the_fingerprint_follows_the_file_and_the_options() -> None:
    base = _plan(WALLET_UPPER, namespace="btc", category="other")
    assert _plan(WALLET_UPPER, namespace="btc", category="other").fingerprint == base.fingerprint
    assert _plan(WALLET_LOWER, namespace="btc", category="other").fingerprint != base.fingerprint
    assert _plan(WALLET_UPPER, namespace="btc", category="grooming").fingerprint != base.fingerprint
    assert _plan(WALLET_UPPER, 10, namespace="btc", category="other").fingerprint != base.fingerprint


def test_without_a_namespace_an_address_must_be_valid_in_exactly_one() -> None:
    assert resolve(WALLET_UPPER, None) == [("btc", WALLET_LOWER)]
    assert [ns for ns, _ in resolve(LEGACY, None)] == ["btc", "bch"]
    with pytest.raises(NamespaceError):
        resolve("not-an-address", None)


# Against a live hub.


@pytest.fixture
def hub_world(transactional_db, live_server, rfc_key: OprfKey, world, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    return live_server.url, world


def _report(hub: Hub, text: str, **flags: Any) -> Any:
    batch_size = flags.pop("batch_size", 1_000)
    with open_record(hub) as record:
        return report(hub, record, _plan(text, batch_size, **flags), source="wallets.txt")


def _recording_report_batch(monkeypatch) -> list[tuple[dict, str, dict | None]]:
    """Every report batch sent, as (body, idempotency key, answer or None when none came)."""
    calls: list[tuple[dict, str, dict | None]] = []
    original = Hub.report_batch

    def recording(self: Hub, body: dict, key: str) -> dict:
        calls.append((body, key, None))
        answer = original(self, body, key)
        calls[-1] = (body, key, answer)
        return answer

    monkeypatch.setattr(Hub, "report_batch", recording)
    return calls


class _LosingTransport(httpx.HTTPTransport):
    """Delivers every request but loses the answer to the n-th report batch, as a dropped connection does."""

    def __init__(self, lose: int) -> None:
        super().__init__()
        self.lose = lose
        self.batches = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/reports"):
            self.batches += 1
            if self.batches == self.lose:
                response.close()
                raise httpx.ReadError("connection reset", request=request)
        return response


def test_a_run_that_lost_an_answer_resumes_and_reports_every_wallet_exactly_once(hub_world, monkeypatch) -> None:
    url, world = hub_world
    wallets = "\n".join(f"0x{n:040x}" for n in range(1, 8))  # 7 wallets: batches of 3, 3 and 1
    calls = _recording_report_batch(monkeypatch)
    crashing = Hub(url, world.secret_a, http=httpx.Client(transport=_LosingTransport(lose=2)), retry=NO_RETRY)
    with pytest.raises(HubError, match="connection reset"):
        _report(crashing, wallets, namespace="evm", category="sextortion", batch_size=3)
    assert Report.objects.count() == 6  # the hub stored batch 2; only its answer was lost
    first_keys = [key for _, key, _ in calls]
    calls.clear()

    paths: list[str] = []
    resuming = Hub(
        url, world.secret_a, http=httpx.Client(event_hooks={"request": [lambda r: paths.append(r.url.path)]})
    )
    outcome = _report(resuming, wallets, namespace="evm", category="sextortion", batch_size=3)

    # Batch 1 was acknowledged and is not sent again; batch 2 is re-sent under its own key.
    assert [key for _, key, _ in calls] == [first_keys[1], idempotency_key(outcome.run_id, 3)]
    assert first_keys[0] == idempotency_key(outcome.run_id, 1)
    assert (outcome.resumed, outcome.first_sent, outcome.batches) == (True, 2, 3)
    # Batch 2's tokens were recorded before it was first sent: only batch 3 needs the hub's evaluation.
    assert paths.count("/api/v1/oprf/evaluate") == 1
    # Were batch 2 stored twice it would say "updated"; the replayed first answer says "created".
    assert (outcome.created, outcome.updated) == (7, 0)
    assert Report.objects.count() == 7
    assert Report.objects.values("token").distinct().count() == 7
    assert IdempotencyRecord.objects.filter(organisation=world.org_a).count() == 3
    with open_record(Hub(url, world.secret_a)) as record:
        ids = {record.wallets_for("evm", f"0x{n:040x}")[0].report_id for n in range(1, 8)}
    assert ids == {public_id("report", pk) for pk in Report.objects.values_list("id", flat=True)}


def _crash_at_second_batch(url: str, secret: str, wallets: str) -> None:
    crashing = Hub(url, secret, http=httpx.Client(transport=_LosingTransport(lose=2)), retry=NO_RETRY)
    with pytest.raises(HubError, match="connection reset"):
        _report(crashing, wallets, namespace="evm", category="other", batch_size=2)


def test_a_resumed_run_keeps_the_key_it_started_with_across_a_rotation(hub_world, rfc_key: OprfKey) -> None:
    url, world = hub_world
    wallets = "\n".join(f"0x{n:040x}" for n in range(1, 6))
    _crash_at_second_batch(url, world.secret_a, wallets)
    oprf_key_rotate(actor=SYSTEM)

    outcome = _report(Hub(url, world.secret_a), wallets, namespace="evm", category="other", batch_size=2)

    # Under the new key batch 2 would be another body under its old idempotency key, which the hub refuses.
    assert (outcome.created, outcome.updated) == (5, 0)
    assert set(Report.objects.values_list("key_id", flat=True)) == {rfc_key.key_id}


def test_a_run_whose_key_was_retired_cannot_resume(hub_world, rfc_key: OprfKey) -> None:
    url, world = hub_world
    wallets = "\n".join(f"0x{n:040x}" for n in range(1, 6))
    _crash_at_second_batch(url, world.secret_a, wallets)
    oprf_key_rotate(actor=SYSTEM)
    oprf_key_retire(actor=SYSTEM, key_id=rfc_key.key_id)

    with pytest.raises(HubError, match="--restart"):
        _report(Hub(url, world.secret_a), wallets, namespace="evm", category="other", batch_size=2)


def test_resending_an_acknowledged_batch_with_its_key_returns_the_stored_answer(hub_world, monkeypatch) -> None:
    url, world = hub_world
    calls = _recording_report_batch(monkeypatch)
    hub = Hub(url, world.secret_a)
    _report(hub, f"{WALLET_UPPER}\n{LEGACY}\n", namespace="btc", category="other", batch_size=1)
    body, key, answer = calls[0]
    stored = list(Report.objects.order_by("id").values_list("id", "updated_at"))

    assert hub.report_batch(body, key) == answer
    assert answer["created"] == 1
    assert list(Report.objects.order_by("id").values_list("id", "updated_at")) == stored


def test_a_silent_report_is_invisible_to_the_counterpart_but_the_silent_reporter_sees_the_match(hub_world) -> None:
    url, world = hub_world
    hub_a, hub_b = Hub(url, world.secret_a), Hub(url, world.secret_b)
    _report(hub_a, WALLET_UPPER, namespace="btc", category="sextortion", visibility="silent")
    _report(hub_b, WALLET_LOWER, namespace="btc", category="sextortion", visibility="named")

    with open_record(hub_b) as record:
        assert list(matches(hub_b, record)) == []
    [seen_by_b] = screen(hub_b, [WALLET_UPPER])
    assert seen_by_b.result["reported"] is False
    assert seen_by_b.result["counterparts"] == []
    with open_record(hub_a) as record:
        [match] = matches(hub_a, record)
    assert match["address"] == WALLET_UPPER
    assert [item["organisation"]["name"] for item in match["counterparts"]] == ["Beta Exchange"]


def test_matches_page_through_the_cursor_and_fill_in_only_recorded_addresses(hub_world, tmp_path, monkeypatch) -> None:
    url, world = hub_world
    hub_a, hub_b = Hub(url, world.secret_a), Hub(url, world.secret_b)
    wallets = [f"0x{n:040x}" for n in range(1, 6)]
    _report(hub_a, "\n".join(wallets), namespace="evm", category="grooming")
    _report(hub_b, "\n".join(wallets), namespace="evm", category="grooming")

    with open_record(hub_a) as record:
        seen = list(matches(hub_a, record, page_size=2))
    assert len({match["id"] for match in seen}) == len(seen) == 5
    assert sorted(match["address"] for match in seen) == wallets
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "elsewhere"))
    with open_record(hub_a) as empty:
        assert {match["address"] for match in matches(hub_a, empty, page_size=2)} == {None}


def test_withdraw_by_recorded_report_id_ends_the_report_at_the_hub_and_in_the_record(hub_world) -> None:
    url, world = hub_world
    hub_a, hub_b = Hub(url, world.secret_a), Hub(url, world.secret_b)
    _report(hub_a, WALLET_UPPER, namespace="btc", category="other")
    _report(hub_b, WALLET_LOWER, namespace="btc", category="other")

    with open_record(hub_a) as record:
        [result] = withdraw(hub_a, record, [WALLET_LOWER])  # another spelling of the same wallet
        [wallet] = record.wallets_for("btc", WALLET_LOWER)
    assert (result.withdrawn, result.error) == (1, None)
    assert wallet.status == "withdrawn"
    assert Report.objects.get(pk=internal_id("report", wallet.report_id)).status == "withdrawn"
    with open_record(hub_b) as record:
        assert list(matches(hub_b, record)) == []  # one active reporter left: no match


def test_a_record_from_before_opaque_ids_withdraws_by_token(hub_world) -> None:
    url, world = hub_world
    hub = Hub(url, world.secret_a)
    _report(hub, EVM, namespace="evm", category="other")
    with open_record(hub) as record:
        [wallet] = record.wallets_for("evm", EVM.lower())
        record.save([dataclasses.replace(wallet, report_id="7")])  # the hub's old sequential id
        [result] = withdraw(hub, record, [EVM], namespace="evm")
    assert (result.withdrawn, result.error) == (1, None)
    assert Report.objects.get().status == "withdrawn"


def test_withdraw_of_a_wallet_missing_from_the_record_goes_by_token(hub_world, tmp_path, monkeypatch) -> None:
    url, world = hub_world
    hub = Hub(url, world.secret_a)
    _report(hub, EVM, namespace="evm", category="other")
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "new-machine"))

    with open_record(hub) as record:
        results = list(withdraw(hub, record, [EVM, f"0x{9:040x}", "nonsense"], namespace="evm"))
        [wallet] = record.wallets_for("evm", EVM.lower())
    assert [(result.withdrawn, result.error is None) for result in results] == [(1, True), (0, False), (0, False)]
    assert "no report of this wallet" in results[1].error
    assert Report.objects.get().status == "withdrawn"
    assert (wallet.status, wallet.address) == ("withdrawn", EVM)


def test_screening_with_record_sighting_keeps_a_sighting_only_of_reported_wallets(hub_world) -> None:
    url, world = hub_world
    hub_a, hub_b = Hub(url, world.secret_a), Hub(url, world.secret_b)
    _report(hub_a, WALLET_UPPER, namespace="btc", category="trafficking", visibility="named")

    unrecorded = list(screen(hub_b, [WALLET_LOWER, LEGACY], namespace="btc"))
    assert Sighting.objects.count() == 0
    recorded = list(screen(hub_b, [WALLET_LOWER, LEGACY], namespace="btc", record_sighting=True))

    assert [answer.result["reported"] for answer in recorded] == [True, False]
    assert recorded[0].result["categories"] == ["trafficking"]
    assert recorded[0].result["counterparts"][0]["organisation"]["name"] == "Alpha Bank"
    assert [answer.result for answer in unrecorded] == [answer.result for answer in recorded]
    assert list(Sighting.objects.values_list("organisation", "token")) == [
        (world.org_b.pk, recorded[0].result["token"])
    ]


def test_screening_answers_invalid_and_ambiguous_addresses_in_place(hub_world) -> None:
    url, world = hub_world
    answers = list(screen(Hub(url, world.secret_b), [WALLET_UPPER, "nonsense", LEGACY, EVM]))
    assert [answer.error is None for answer in answers] == [True, False, False, True]
    assert "btc, bch" in answers[2].error
    assert [answer.address for answer in answers] == [WALLET_UPPER, "nonsense", LEGACY, EVM]


def test_no_request_the_client_sends_contains_an_address(hub_world, tmp_path) -> None:
    url, world = hub_world
    sent: list[bytes] = []

    def record(request: httpx.Request) -> None:
        sent.append(str(request.url).encode() + b"\n" + request.read())

    hub = Hub(url, world.secret_a, http=httpx.Client(event_hooks={"request": [record]}))
    _report(hub, f"address,namespace\n{WALLET_UPPER},btc\n{EVM},evm\n", category="other")
    _report(Hub(url, world.secret_b), WALLET_LOWER, namespace="btc", category="other")
    list(screen(hub, [WALLET_UPPER, EVM], record_sighting=True))
    with open_record(hub) as local:
        assert len(list(matches(hub, local))) == 1
        list(withdraw(hub, local, [WALLET_UPPER]))
    requests = b"\n".join(sent).lower()
    assert b"/reports" in requests and b"/screen" in requests and b"/matches" in requests
    for namespace, address in (("btc", WALLET_UPPER), ("evm", EVM)):
        for form in {address, normalise(namespace, address), oprf_input(namespace, address).decode()}:
            assert form.lower().encode() not in requests
            assert form.encode().hex().encode() not in requests
            assert json.dumps(form).lower().encode() not in requests
