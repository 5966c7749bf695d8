"""`vigil tokenize` end to end against a live hub."""

import pytest
from vigil_client.cli import main

from apps.oprf.models import OprfKey


@pytest.fixture
def hub_env(transactional_db, live_server, rfc_key: OprfKey, world, monkeypatch):
    monkeypatch.setenv("VIGIL_URL", live_server.url)
    monkeypatch.setenv("VIGIL_API_KEY", world.secret_a)
    return world


def test_it_prints_address_tab_token_and_exits_zero(hub_env, capsys) -> None:
    code = main(["tokenize", "--namespace", "evm", "0x52908400098527886e0f7030069857d2e4169ee7"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    address, token = out[0].split("\t")
    assert address == "0x52908400098527886e0f7030069857d2e4169ee7"
    assert len(token) == 64
    assert int(token, 16) >= 0


def test_it_reads_a_file_skips_blank_lines_and_exits_one_on_invalid_lines(hub_env, capsys, tmp_path) -> None:
    path = tmp_path / "wallets.txt"
    path.write_text("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq\n\nnot-an-address\n")
    code = main(["tokenize", "--namespace", "btc", "--file", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert len(lines) == 2
    assert lines[1].startswith("not-an-address\terror: ")


def test_it_reads_standard_input(hub_env, capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n"))
    assert main(["tokenize", "--namespace", "btc"]) == 0
    assert capsys.readouterr().out.startswith("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\t")


def test_a_wrong_key_is_a_clear_error(hub_env, capsys, monkeypatch) -> None:
    monkeypatch.setenv("VIGIL_API_KEY", "vigil_000000000000_nope")
    assert main(["tokenize", "--namespace", "btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"]) == 3
    assert "401" in capsys.readouterr().err


def test_a_missing_configuration_is_a_clear_error(capsys, monkeypatch) -> None:
    monkeypatch.delenv("VIGIL_URL", raising=False)
    assert main(["tokenize", "--namespace", "btc", "x"]) == 3
    assert "VIGIL_URL" in capsys.readouterr().err


def test_a_batch_size_out_of_range_is_refused(capsys) -> None:
    assert main(["tokenize", "--namespace", "btc", "--batch-size", "0", "x"]) == 2
