"""`vigil record` end to end against a live hub: two clients of one organisation share an encrypted record."""

import base64
import json
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from vigil_client import recordcrypto as rc
from vigil_client.cli import main

from apps.oprf.models import OprfKey
from apps.records.models import Entry
from tests.factories import ApiKeyFactory

PASSPHRASE = "correct horse battery staple"
WALLET_UPPER = "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"
WALLET_LOWER = WALLET_UPPER.lower()
EVM_MIXED = "0x52908400098527886E0F7030069857D2E4169EE7"
EVM_LOWER = EVM_MIXED.lower()


@pytest.fixture
def hub_env(transactional_db, live_server, rfc_key: OprfKey, world, monkeypatch):
    monkeypatch.setenv("VIGIL_URL", live_server.url)
    monkeypatch.setenv("VIGIL_RECORD_PASSPHRASE", PASSPHRASE)
    return world


def _run(capsys, monkeypatch, secret: str, home: Path, *argv: str) -> tuple[int, list[str], str]:
    """`vigil` as the client holding `secret` on a machine whose VIGIL_HOME is `home`."""
    monkeypatch.setenv("VIGIL_API_KEY", secret)
    monkeypatch.setenv("VIGIL_HOME", str(home))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _database_dump() -> str:
    settings = connection.settings_dict
    return subprocess.run(
        ["pg_dump", "--data-only", "-h", settings["HOST"], "-p", str(settings["PORT"]), "-U", settings["USER"],
         settings["NAME"]],
        capture_output=True, text=True, check=True, env={"PGPASSWORD": settings["PASSWORD"] or ""},
    ).stdout  # fmt: skip


def _spellings(*secrets: bytes) -> list[str]:
    return [form for secret in secrets for form in (secret.hex(), base64.b64encode(secret).decode())]


def test_a_colleagues_client_reads_the_shared_record_only_once_granted(hub_env, capsys, monkeypatch, tmp_path) -> None:
    world = hub_env
    alpha_home, colleague_home, beta_home = tmp_path / "alpha", tmp_path / "colleague", tmp_path / "beta"
    _, colleague_secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["report", "screen", "read"])

    code, out, err = _run(capsys, monkeypatch, world.secret_a, alpha_home, "record", "init")
    assert code == 0
    recovery_secret = out[-1]
    assert recovery_secret.startswith(rc.RECOVERY_PREFIX)
    assert "shown this once" in err

    wallets = _file(tmp_path, "wallets.csv", f"address,namespace\n{WALLET_UPPER},btc\n{EVM_MIXED},evm\n")
    assert _run(capsys, monkeypatch, world.secret_a, alpha_home, "report", "--category", "sextortion", wallets)[0] == 0
    assert Entry.objects.count() == 2
    both = _file(tmp_path, "b.txt", f"{WALLET_LOWER}\n")
    code, *_ = _run(capsys, monkeypatch, world.secret_b, beta_home, "report", "--namespace", "btc", "--category",
                    "sextortion", "--visibility", "named", both)  # fmt: skip
    assert code == 0

    code, out, err = _run(capsys, monkeypatch, colleague_secret, colleague_home, "record", "join")
    assert code == 0
    member_id = out[-1]
    assert member_id.startswith("rmb_")
    code, _, err = _run(capsys, monkeypatch, colleague_secret, colleague_home, "matches")
    assert code == 2
    assert f"vigil record grant {member_id}" in err

    code, _, err = _run(capsys, monkeypatch, world.secret_a, alpha_home, "record", "grant", member_id)
    assert code == 0
    fingerprint = err.split("key fingerprint ")[1].split(":")[0]
    code, out, _ = _run(capsys, monkeypatch, world.secret_a, alpha_home, "record", "members")
    assert any(line.startswith(member_id) and fingerprint in line for line in out)

    code, lines, _ = _run(capsys, monkeypatch, colleague_secret, colleague_home, "matches")
    assert code == 0
    [line] = lines
    assert line.split("\t")[1:4] == ["active", WALLET_UPPER, "sextortion"]

    export = tmp_path / "export.json"
    assert _run(capsys, monkeypatch, colleague_secret, colleague_home, "record", "export", str(export))[0] == 0
    exported = json.loads(export.read_text())["wallets"]
    assert sorted(item["canonical"] for item in exported) == [EVM_LOWER, WALLET_LOWER]

    # The hub's database holds no spelling of any address, and no key in clear.
    alpha_key = json.loads((alpha_home / f"{world.org_a.slug}.record-key.json").read_text())
    private = rc.unwrap_private_key(alpha_key["wrapped_private_key"], PASSPHRASE, organisation=world.org_a.slug)
    colleague_key = json.loads((colleague_home / f"{world.org_a.slug}.record-key.json").read_text())
    colleague_private = rc.unwrap_private_key(
        colleague_key["wrapped_private_key"], PASSPHRASE, organisation=world.org_a.slug
    )
    record_key = base64.b64decode(_record_key_of(world, private))
    dump = _database_dump()
    assert "bc1qar0srrr7" not in dump.lower()
    assert "52908400098527886e0f7030069857d2e4169ee7" not in dump.lower()
    for secret in _spellings(private, colleague_private, record_key, rc.recovery_private_key(recovery_secret)):
        assert secret not in dump
    assert Entry.objects.first().ciphertext in dump  # the dump is of the database the hub wrote to


def _record_key_of(world, private: bytes) -> str:
    from apps.records.models import WrappedKey

    wrapped = WrappedKey.objects.filter(member__api_key=world.key_a, generation=1).get().wrapped_key
    return base64.b64encode(
        rc.unwrap_record_key(private, wrapped, organisation=world.org_a.slug, generation=1)
    ).decode()


def test_sync_rotates_after_a_client_is_revoked_and_rewraps_older_entries(
    hub_env, capsys, monkeypatch, tmp_path
) -> None:
    world = hub_env
    alpha_home, leaver_home = tmp_path / "alpha", tmp_path / "leaver"
    leaver_key, leaver_secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["report", "read"])
    _run(capsys, monkeypatch, world.secret_a, alpha_home, "record", "init")
    wallets = _file(tmp_path, "w.txt", f"{WALLET_UPPER}\n")
    _run(
        capsys, monkeypatch, world.secret_a, alpha_home, "report", "--namespace", "btc", "--category", "other", wallets
    )
    member_id = _run(capsys, monkeypatch, leaver_secret, leaver_home, "record", "join")[1][-1]
    _run(capsys, monkeypatch, world.secret_a, alpha_home, "record", "grant", member_id)

    from apps.common.actors import Actor
    from apps.organisations.services import api_key_revoke

    api_key_revoke(actor=Actor(organisation=world.org_a, user=world.alice), api_key=leaver_key)
    code, _, err = _run(capsys, monkeypatch, world.secret_a, alpha_home, "record", "sync")
    assert code == 0
    assert "rotated to generation 2, 1 entr(ies) re-wrapped" in err
    assert "1 of 1 under the current key" in err
    assert list(Entry.objects.values_list("generation", flat=True)) == [2]


def test_without_a_shared_record_the_local_one_is_used(hub_env, capsys, monkeypatch, tmp_path) -> None:
    world = hub_env
    home = tmp_path / "alone"
    wallets = _file(tmp_path, "w.txt", f"{WALLET_UPPER}\n")
    assert _run(capsys, monkeypatch, world.secret_a, home, "report", "--namespace", "btc", "--category", "other",
                wallets)[0] == 0  # fmt: skip
    assert not Entry.objects.exists()
    assert (home / f"{world.org_a.slug}.sqlite3").exists()


def test_a_short_new_passphrase_is_refused(hub_env, capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("VIGIL_RECORD_PASSPHRASE", "short")
    code, _, err = _run(capsys, monkeypatch, hub_env.secret_a, tmp_path / "h", "record", "init")
    assert code == 2
    assert "at least 12 characters" in err


def test_retokenize_after_a_key_rotation_keeps_every_match_and_resumes_where_it_stopped(
    hub_env, capsys, monkeypatch, tmp_path
) -> None:
    from apps.common.actors import SYSTEM
    from apps.indicators.models import Report
    from apps.matching.models import Match
    from apps.oprf.services import oprf_key_rotate

    world = hub_env
    alpha_home, beta_home = tmp_path / "alpha", tmp_path / "beta"
    addresses = f"{WALLET_UPPER}\n{EVM_MIXED}\n1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n"
    for secret, home in ((world.secret_a, alpha_home), (world.secret_b, beta_home)):
        assert _run(capsys, monkeypatch, secret, home, "record", "init")[0] == 0
    lines = addresses.splitlines()
    for secret, home in ((world.secret_a, alpha_home), (world.secret_b, beta_home)):
        for namespace, address in zip(("btc", "evm", "btc"), lines, strict=True):
            path = _file(tmp_path, f"{namespace}-{address[:6]}.txt", f"{address}\n")
            code, *_ = _run(capsys, monkeypatch, secret, home, "report", "--namespace", namespace, "--category",
                            "sextortion", "--visibility", "named", path)  # fmt: skip
            assert code == 0
    old_key = Report.objects.first().key_id
    new_key = oprf_key_rotate(actor=SYSTEM).key_id

    code, _, err = _run(capsys, monkeypatch, world.secret_a, alpha_home, "retokenize", "--batch-size", "1",
                        "--batches", "1")  # fmt: skip
    assert code == 0
    assert "1 report(s) moved" in err
    assert Report.objects.filter(organisation=world.org_a, status="active", key_id=old_key).count() == 2
    code, _, err = _run(capsys, monkeypatch, world.secret_a, alpha_home, "retokenize", "--batch-size", "1")
    assert "2 report(s) moved" in err
    assert _run(capsys, monkeypatch, world.secret_b, beta_home, "retokenize")[0] == 0

    assert not Report.objects.filter(status="active", key_id=old_key).exists()
    assert Match.objects.filter(key_id=new_key, status="active").count() == 3
    code, lines_a, _ = _run(capsys, monkeypatch, world.secret_a, alpha_home, "matches")
    assert sorted(line.split("\t")[2] for line in lines_a if line.split("\t")[1] == "active") == sorted(
        [WALLET_UPPER, EVM_MIXED, "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"]
    )
