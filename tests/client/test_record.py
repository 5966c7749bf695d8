"""The local record on its own: where it lives, who may read it, and what it remembers."""

import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

import platformdirs
import pytest
from vigil_client.record import SCHEMA_VERSION, BatchAck, Record, RecordError, Wallet, record_path

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
