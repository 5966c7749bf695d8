"""The local record on its own: where it lives, who may read it, and what it remembers."""

import json
import re
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import platformdirs
import pytest
from vigil_client.cli import main
from vigil_client.record import (
    SCHEMA_VERSION,
    BatchAck,
    Record,
    RecordError,
    Wallet,
    dump_document,
    merge_wallet,
    record_path,
)

TOKEN = "ab" * 32
WALLET = Wallet(
    "btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "k1", TOKEN
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_path_is_the_organisation_slug_under_vigil_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path))
    assert record_path("alpha-bank") == tmp_path / "alpha-bank.sqlite3"


def test_without_vigil_home_the_record_is_in_the_user_data_directory(monkeypatch) -> None:
    monkeypatch.delenv("VIGIL_HOME", raising=False)
    assert record_path("alpha-bank") == Path(platformdirs.user_data_dir("vigil")) / "alpha-bank.sqlite3"


@pytest.mark.parametrize("slug", ["../etc/passwd", "a/b", "", ".hidden"])
def test_a_slug_that_is_not_a_file_name_is_refused(slug: str, tmp_path: Path) -> None:
    with pytest.raises(RecordError):
        record_path(slug, str(tmp_path))


def test_a_new_directory_is_0700_and_the_file_0600(tmp_path: Path) -> None:
    path = tmp_path / "home" / "alpha.sqlite3"
    Record(path).close()
    assert _mode(path.parent) == 0o700
    assert _mode(path) == 0o600


def test_a_looser_existing_file_is_tightened_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "alpha.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Record(path).close()
    assert _mode(path) == 0o600


def test_a_record_from_a_newer_client_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "alpha.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RecordError, match="newer"):
        Record(path)


def test_a_wallet_is_found_by_token_and_by_address_and_keeps_its_report_id(tmp_path: Path) -> None:
    with Record(tmp_path / "alpha.sqlite3") as record:
        record.start_run(run_id="r1", fingerprint="f", source="x.csv", key_id="k1", batches=1)
        record.save([WALLET])
        assert record.tokens("k1", [("btc", WALLET.canonical), ("btc", "other")]) == {("btc", WALLET.canonical): TOKEN}
        assert record.tokens("k2", [("btc", WALLET.canonical)]) == {}
        record.acknowledge("r1", 1, BatchAck(1, 0, 0), [("k1", TOKEN, 42)])
        assert record.wallet_for_token("k1", TOKEN) == replace(WALLET, report_id=42, status="reported")
        # Sending it again (pending) with another spelling keeps the id the hub gave.
        record.save([Wallet("btc", WALLET.canonical, "bc1q-other-spelling", "k1", TOKEN)])
        [again] = record.wallets_for("btc", WALLET.canonical)
        assert (again.address, again.report_id, again.status) == ("bc1q-other-spelling", 42, "pending")
        record.set_status(42, "withdrawn")
        assert record.wallet_for_token("k1", TOKEN).status == "withdrawn"
        assert record.wallet_for_token("k1", "cd" * 32) is None


def test_runs_remember_their_acknowledged_batches_and_the_latest_run_wins(tmp_path: Path) -> None:
    with Record(tmp_path / "alpha.sqlite3") as record:
        assert record.latest_run("f") is None
        record.start_run(run_id="old", fingerprint="f", source="x.csv", key_id="k1", batches=2)
        record.acknowledge("old", 1, BatchAck(3, 1, 2), [])
        record.finish_run("old")
        record.start_run(run_id="new", fingerprint="f", source="x.csv", key_id="k1", batches=2)
        latest = record.latest_run("f")
        assert (latest.id, latest.finished) == ("new", False)
        assert record.acknowledged("old") == {1: BatchAck(3, 1, 2)}
        assert record.acknowledged("new") == {}
    with Record(tmp_path / "alpha.sqlite3") as reopened:
        assert reopened.latest_run("f").id == "new"
        assert reopened.latest_run("other") is None


# The sample record file, shared with the portal's Node tests (frontend/test/record.test.js).
SAMPLE_PATH = Path(__file__).parents[1] / "vectors" / "record-sample.json"
ORG = "alpha-bank"
KEY_ID = "bc68814ba180bc94"  # the RFC 9497 test key's id; the tokens are the client's under that key
SAMPLE = [
    Wallet(
        "bch",
        "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
        "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
        KEY_ID,
        "e076330c2eecd3e94adeb35806083b187cfc25f557317994cb65bf131108cd52",
        "rpt_4kq8z2m7wd",
        "withdrawn",
    ),
    Wallet(
        "btc",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        KEY_ID,
        "062ae78e41a07ba1ff72b1e9d07ad100a5271a5e746c90453cfc2da8609ecf1d",
        "rpt_9x2c4v6b8n",
        "reported",
    ),
    Wallet(
        "evm",
        "0x52908400098527886e0f7030069857d2e4169ee7",
        "0x52908400098527886E0F7030069857D2E4169EE7",
        KEY_ID,
        "99dfd7cf1334d0b47cdf7d23cc237df42083723fd6884b52036780343cd4c183",
    ),
]


def _record(tmp_path: Path, name: str = "alpha", wallets: list[Wallet] = SAMPLE) -> Record:
    record = Record(tmp_path / f"{name}.sqlite3")
    record.save(wallets)
    return record


def _all(record: Record) -> list[Wallet]:
    return record._wallets("1 = 1 ORDER BY namespace, canonical, key_id", ())


def _document(**changes: object) -> dict:
    document = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
    return document | changes


def test_the_sample_file_is_what_export_writes_for_the_sample_record(tmp_path: Path) -> None:
    with _record(tmp_path) as record:
        assert dump_document(record.export_document(ORG)) == SAMPLE_PATH.read_text(encoding="utf-8")


def test_export_then_import_into_an_empty_record_gives_the_same_wallets(tmp_path: Path) -> None:
    with _record(tmp_path) as record, Record(tmp_path / "empty.sqlite3") as empty:
        summary = empty.import_document(record.export_document(ORG), ORG)
        assert (summary.added, summary.updated, summary.unchanged) == (3, 0, 0)
        assert _all(empty) == _all(record) == sorted(SAMPLE, key=lambda w: (w.namespace, w.canonical))


def test_import_merges_and_loses_nothing_the_record_knew(tmp_path: Path) -> None:
    evm = SAMPLE[2]
    legacy = "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
    local_only = Wallet("btc", legacy, legacy, KEY_ID, "cd" * 32)
    # The record knows the btc wallet under another spelling and as pending, the evm one as reported.
    local = [
        replace(SAMPLE[1], address=SAMPLE[1].canonical, report_id=None, status="pending"),
        replace(evm, report_id="rpt_local", status="reported"),
        local_only,
    ]
    with _record(tmp_path, wallets=local) as record:
        summary = record.import_document(_document(), ORG)
        assert (summary.added, summary.updated, summary.unchanged) == (1, 1, 1)
        wallets = {wallet.namespace + wallet.canonical: wallet for wallet in _all(record)}
    assert wallets["bch" + SAMPLE[0].canonical] == SAMPLE[0]
    # The file fills in the report id and status the record lacked; the record's spelling stays.
    assert wallets["btc" + SAMPLE[1].canonical] == replace(SAMPLE[1], address=SAMPLE[1].canonical)
    # The file's pending evm wallet does not undo the record's report.
    assert wallets["evm" + evm.canonical] == replace(evm, report_id="rpt_local", status="reported")
    assert wallets["btc" + local_only.canonical] == local_only


def test_importing_the_same_file_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    with Record(tmp_path / "alpha.sqlite3") as record:
        record.import_document(_document(), ORG)
        again = record.import_document(_document(), ORG)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


def test_another_organisations_file_is_refused_and_the_record_is_untouched(tmp_path: Path) -> None:
    with Record(tmp_path / "beta.sqlite3") as record:
        with pytest.raises(RecordError, match="organisation 'alpha-bank', not of 'beta-exchange'"):
            record.import_document(_document(), "beta-exchange")
        assert _all(record) == []


def _top(**changes: object) -> Callable[[dict], object]:
    return lambda document: document | changes


def _entry(index: int, **changes: object) -> Callable[[dict], object]:
    def change(document: dict) -> dict:
        document["wallets"][index] |= changes
        return document

    return change


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda document: [document], "not a vigil-record file"),
        (_top(format="vigil-records"), "not a vigil-record file"),
        (_top(version=2), "version 2; this client reads version 1"),
        (_top(version=True), "version True"),
        (_top(extra=1), "exactly the fields"),
        (_top(wallets={}), "wallets must be a list"),
        (_entry(0, token="AB" * 32), "wallet 0: key_id is 16 and token 64 lowercase hex"),
        (_entry(1, key_id="k1"), "wallet 1: key_id is 16"),
        (_entry(1, report_id=42), "wallet 1: report_id is a non-empty string or null"),
        (_entry(2, namespace="eth"), "wallet 2: unknown namespace 'eth'"),
        (_entry(1, canonical=SAMPLE[1].address), "not one btc wallet"),
        (_entry(1, address="1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"), "not one btc wallet"),
        (_entry(1, canonical="bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"), "wallet 1: bech32 checksum does not match"),
        (_entry(2, status="Reported!"), "wallet 2: status 'Reported!' is not a status"),
        (_entry(2, note="x"), "wallet 2: an object with exactly the fields"),
    ],
)
def test_a_malformed_file_is_refused_with_what_is_wrong(
    tmp_path: Path, spoil: Callable[[dict], object], message: str
) -> None:
    with Record(tmp_path / "alpha.sqlite3") as record:
        with pytest.raises(RecordError, match=re.escape(message)):
            record.import_document(spoil(_document()), ORG)
        assert _all(record) == []


def test_a_wallet_listed_twice_is_refused(tmp_path: Path) -> None:
    document = _document()
    document["wallets"].append(document["wallets"][0])
    twice = "wallet 3: the same wallet and key appear twice"
    with Record(tmp_path / "alpha.sqlite3") as record, pytest.raises(RecordError, match=twice):
        record.import_document(document, ORG)


def test_a_different_token_for_a_known_wallet_refuses_the_whole_file(tmp_path: Path) -> None:
    with _record(tmp_path, wallets=[replace(SAMPLE[2], token="ef" * 32)]) as record:
        with pytest.raises(RecordError, match="token under key bc68814ba180bc94 differs"):
            record.import_document(_document(), ORG)
        assert len(_all(record)) == 1  # the wallets before it in the file were not added either


def test_merging_takes_the_report_id_and_status_only_when_the_record_lacks_them() -> None:
    pending = replace(SAMPLE[1], report_id=None, status="pending")
    assert merge_wallet(None, SAMPLE[1]) == SAMPLE[1]
    assert merge_wallet(pending, SAMPLE[1]) == SAMPLE[1]
    assert merge_wallet(SAMPLE[1], pending) == SAMPLE[1]
    assert merge_wallet(SAMPLE[0], SAMPLE[0]) == SAMPLE[0]


def test_the_cli_exports_a_private_file_and_imports_it_elsewhere(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    _record(tmp_path / "home", name=ORG).close()
    exported = tmp_path / "alpha.json"
    assert main(["record", "export", "--organisation", ORG, str(exported)]) == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert exported.read_text(encoding="utf-8") == SAMPLE_PATH.read_text(encoding="utf-8")
    assert "wrote 3 wallet(s) of alpha-bank" in capsys.readouterr().err

    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "laptop"))
    assert main(["record", "import", "--organisation", ORG, str(exported)]) == 0
    assert "3 added, 0 updated, 0 already known" in capsys.readouterr().err
    with Record(tmp_path / "laptop" / f"{ORG}.sqlite3") as record:
        assert len(_all(record)) == 3


def test_the_cli_refuses_another_organisations_file_and_a_file_that_is_not_json(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
    assert main(["record", "import", "--organisation", "beta-exchange", str(SAMPLE_PATH)]) == 2
    assert "record-sample.json: the file is the record of organisation 'alpha-bank'" in capsys.readouterr().err
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff not json")
    assert main(["record", "import", "--organisation", ORG, str(garbage)]) == 2
    assert "garbage.json: not a JSON file" in capsys.readouterr().err
