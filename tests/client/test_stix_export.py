"""`vigil export --stix FILE`: the hub's bundle names wallets by token only; the client fills in the member's own
addresses from its local record, and the file validates as STIX 2.1."""

import json
import stat
from pathlib import Path

import httpx
import pytest
from stix2validator import ValidationOptions, validate_instance
from vigil_client.contract import STIX_TOKEN_EXTENSION

from tests.client.test_cli import WALLET_LOWER, WALLET_UPPER, _file, _run

OTHER_WALLET = "0x52908400098527886e0f7030069857d2e4169ee7"
UNRECORDED = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"


def _valid(bundle: dict) -> None:
    results = validate_instance(bundle, ValidationOptions(version="2.1", strict=False))
    assert results.is_valid, [error.message for error in results.errors]


def _reported(capsys, monkeypatch, tmp_path: Path, world) -> None:
    """A reports two wallets, B one of them by name: a match."""
    report = ["report", "--category", "sextortion", "--tlp", "amber+strict"]
    both = _file(tmp_path, "a.csv", f"address,namespace\n{WALLET_UPPER},btc\n{OTHER_WALLET},evm\n")
    assert _run(capsys, monkeypatch, world.secret_a, *report, both)[0] == 0
    one = _file(tmp_path, "b.txt", f"{WALLET_LOWER}\n")
    b_report = ["report", "--namespace", "btc", "--category", "sextortion", "--visibility", "named", one]
    assert _run(capsys, monkeypatch, world.secret_b, *b_report)[0] == 0


@pytest.fixture
def api(live_server):
    """A plain HTTP call to the hub as the organisation holding `secret`."""

    def call(method: str, secret: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {secret}"}
        return httpx.request(method, f"{live_server.url}/api/v1/{path}", headers=headers, **kwargs)

    return call


def test_the_exported_file_holds_the_members_own_addresses_and_validates(
    hub_env, capsys, monkeypatch, tmp_path, api
) -> None:
    world = hub_env
    _reported(capsys, monkeypatch, tmp_path, world)
    match = api("GET", world.secret_a, "matches").json()["results"][0]
    body = {"outcome": "funds_frozen", "amount": "0.5", "currency": "BTC"}
    assert api("PUT", world.secret_a, f"matches/{match['id']}/review", json=body).status_code == 200

    out = tmp_path / "bundle.json"
    code, _, err = _run(capsys, monkeypatch, world.secret_a, "export", "--stix", str(out))
    assert code == 0
    assert "2 indicator(s) with their address, 0 (not in local record)" in err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    bundle = json.loads(out.read_text())
    _valid(bundle)
    indicators = [item for item in bundle["objects"] if item["type"] == "indicator"]
    patterns = sorted(item["pattern"] for item in indicators)
    assert patterns == sorted(
        [f"[cryptocurrency-wallet:value = '{WALLET_LOWER}']", f"[cryptocurrency-wallet:value = '{OTHER_WALLET}']"]
    )
    assert {item["extensions"][STIX_TOKEN_EXTENSION]["address"] for item in indicators} == {WALLET_LOWER, OTHER_WALLET}
    kinds = {item["type"] for item in bundle["objects"]}
    assert {"identity", "extension-definition", "note", "opinion", "marking-definition"} <= kinds
    [marking] = [item for item in bundle["objects"] if item["type"] == "marking-definition"]
    assert marking["name"] == "TLP:AMBER+STRICT"
    [opinion] = [item for item in bundle["objects"] if item["type"] == "opinion"]
    assert "Funds frozen (0.5 BTC)" in opinion["explanation"]


def test_nothing_the_hub_sends_holds_an_address(hub_env, capsys, monkeypatch, tmp_path, api) -> None:
    world = hub_env
    _reported(capsys, monkeypatch, tmp_path, world)
    for secret in (world.secret_a, world.secret_b):
        answer = api("GET", secret, "export/stix")
        assert answer.status_code == 200
        _valid(answer.json())
        text = answer.text.lower()
        assert not any(address.lower() in text for address in (WALLET_LOWER, OTHER_WALLET, OTHER_WALLET[2:]))


def test_a_wallet_missing_from_the_record_keeps_its_token_pattern(hub_env, capsys, monkeypatch, tmp_path) -> None:
    world = hub_env
    _reported(capsys, monkeypatch, tmp_path, world)
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "another-machine"))
    out = tmp_path / "bundle.json"
    code, _, err = _run(capsys, monkeypatch, world.secret_a, "export", "--stix", str(out))
    assert code == 0 and "0 indicator(s) with their address, 2 (not in local record)" in err
    bundle = json.loads(out.read_text())
    _valid(bundle)
    assert all(
        item["pattern"].startswith("[x-vigil-token:value = ")
        for item in bundle["objects"]
        if item["type"] == "indicator"
    )
    assert UNRECORDED not in out.read_text()
