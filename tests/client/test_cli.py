"""The `vigil` command end to end against a live hub: tokenize, report, matches, screen, withdraw."""

import json
import stat
import sys
from pathlib import Path

import httpx
import pytest
from vigil_client.cli import main

from apps.indicators.models import Report
from apps.matching.models import Sighting
from apps.oprf.models import OprfKey

WALLET_UPPER = "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"
WALLET_LOWER = WALLET_UPPER.lower()


@pytest.fixture
def hub_env(transactional_db, live_server, rfc_key: OprfKey, world, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("VIGIL_URL", live_server.url)
    monkeypatch.setenv("VIGIL_API_KEY", world.secret_a)
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "home"))
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


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _run(capsys, monkeypatch, secret: str, *argv: str) -> tuple[int, list[str], str]:
    """Run `vigil` as the organisation holding `secret`: exit code, stdout lines, stderr."""
    monkeypatch.setenv("VIGIL_API_KEY", secret)
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_two_members_report_one_wallet_and_each_sees_the_match_with_its_own_address(
    hub_env, capsys, monkeypatch, tmp_path
) -> None:
    world = hub_env
    plain = _file(tmp_path, "a.txt", f"{WALLET_UPPER}\n")
    csv = _file(tmp_path, "b.csv", f"address,namespace,category\n{WALLET_LOWER},btc,csam_marketplace\n")

    code, out, err = _run(
        capsys, monkeypatch, world.secret_a, "report", "--namespace", "btc", "--category", "sextortion", plain
    )
    assert (code, out) == (0, [])
    assert "1 created, 0 updated; 0 in matches you can see" in err
    code, _, err = _run(capsys, monkeypatch, world.secret_b, "report", "--visibility", "named", csv)
    assert code == 0
    assert "1 created, 0 updated; 1 in matches you can see" in err

    code, lines_b, _ = _run(capsys, monkeypatch, world.secret_b, "matches")
    [line_b] = lines_b
    match_id, status, address, category, counterparts = line_b.split("\t")
    assert (status, address, category, counterparts) == ("active", WALLET_LOWER, "csam_marketplace", "bank/GB")
    _, lines_a, _ = _run(capsys, monkeypatch, world.secret_a, "matches")
    assert lines_a == [f"{match_id}\tactive\t{WALLET_UPPER}\tsextortion\tBeta Exchange"]


def test_a_silent_report_is_hidden_from_the_counterparts_matches_and_screening(
    hub_env, capsys, monkeypatch, tmp_path
) -> None:
    world = hub_env
    wallets = _file(tmp_path, "w.txt", f"{WALLET_UPPER}\n")
    report = ["report", "--namespace", "btc", "--category", "grooming", wallets]
    assert _run(capsys, monkeypatch, world.secret_a, *report, "--visibility", "silent")[0] == 0
    assert _run(capsys, monkeypatch, world.secret_b, *report)[0] == 0

    assert _run(capsys, monkeypatch, world.secret_b, "matches") == (0, [], "")
    code, out, _ = _run(capsys, monkeypatch, world.secret_b, "screen", WALLET_LOWER)
    assert (code, out) == (0, [f"{WALLET_LOWER}\tnot reported\t-\t0\t-"])
    _, [line], _ = _run(capsys, monkeypatch, world.secret_a, "matches")
    assert line.endswith(f"\t{WALLET_UPPER}\tgrooming\texchange/MT")


def test_an_invalid_line_refuses_the_whole_file_before_anything_is_sent(hub_env, capsys, monkeypatch, tmp_path) -> None:
    sent: list[httpx.Request] = []
    original = httpx.Client.send

    def recording(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        sent.append(request)
        return original(self, request, **kwargs)

    monkeypatch.setattr(httpx.Client, "send", recording)
    text = f"{WALLET_UPPER}\nnot-a-wallet\n1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2\n{WALLET_LOWER}\n"
    code, out, err = _run(
        capsys,
        monkeypatch,
        hub_env.secret_a,
        "report",
        "--namespace",
        "btc",
        "--category",
        "other",
        _file(tmp_path, "w", text),
    )
    assert code == 1
    assert len(out) == 2
    assert out[0].startswith("not-a-wallet\terror: line 2: ")
    assert out[1] == f"{WALLET_LOWER}\terror: line 4: the same wallet as line 1"
    assert "2 invalid line(s); nothing was sent" in err
    assert sent == []
    assert Report.objects.count() == 0
    assert not (tmp_path / "home").exists()


def test_the_record_is_private_and_a_finished_file_is_not_reported_again_unless_restarted(
    hub_env, capsys, monkeypatch, tmp_path
) -> None:
    world = hub_env
    report = ["report", "--namespace", "btc", "--category", "other", _file(tmp_path, "w.txt", WALLET_UPPER)]
    assert _run(capsys, monkeypatch, world.secret_a, *report)[0] == 0
    record = tmp_path / "home" / f"{world.org_a.slug}.sqlite3"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700

    code, _, err = _run(capsys, monkeypatch, world.secret_a, *report)
    assert code == 0
    assert "already reported with these options, nothing sent" in err
    code, _, err = _run(capsys, monkeypatch, world.secret_a, *report, "--restart")
    assert "0 created, 1 updated" in err
    assert Report.objects.count() == 1


def test_quarantined_and_unrecorded_matches_are_marked(hub_env, capsys, monkeypatch, tmp_path, settings) -> None:
    settings.VIGIL_FLOOD_THRESHOLD = 2
    world = hub_env
    report = ["report", "--namespace", "btc", "--category", "other", _file(tmp_path, "w.txt", WALLET_UPPER)]
    _run(capsys, monkeypatch, world.secret_a, *report)
    _run(capsys, monkeypatch, world.secret_b, *report)

    _, [line], _ = _run(capsys, monkeypatch, world.secret_a, "matches")
    assert line.split("\t")[1:3] == ["QUARANTINED", WALLET_UPPER]
    monkeypatch.setenv("VIGIL_HOME", str(tmp_path / "another-machine"))
    _, [line], _ = _run(capsys, monkeypatch, world.secret_a, "matches", "--json")
    match = json.loads(line)
    assert (match["address"], match["quarantined"]) == (None, True)
    _, [line], _ = _run(capsys, monkeypatch, world.secret_a, "matches")
    assert "\t(not in local record)\t" in line


def test_screen_json_with_a_recorded_sighting_and_withdraw(hub_env, capsys, monkeypatch, tmp_path) -> None:
    world = hub_env
    report = ["report", "--namespace", "btc", "--category", "other", _file(tmp_path, "w.txt", WALLET_UPPER)]
    _run(capsys, monkeypatch, world.secret_a, *report, "--visibility", "named")

    code, out, _ = _run(
        capsys, monkeypatch, world.secret_b, "screen", "--json", "--record-sighting", "--namespace", "btc", WALLET_LOWER
    )
    answer = json.loads(out[0])
    assert (code, answer["address"], answer["reported"], answer["organisations"]) == (0, WALLET_LOWER, True, 1)
    assert Sighting.objects.filter(organisation=world.org_b, token=answer["token"]).count() == 1

    code, out, _ = _run(capsys, monkeypatch, world.secret_a, "withdraw", WALLET_LOWER, "nonsense")
    assert code == 1
    assert out[0] == f"{WALLET_LOWER}\twithdrawn"
    assert out[1].startswith("nonsense\terror: ")
    assert Report.objects.get().status == "withdrawn"
    _, out, _ = _run(capsys, monkeypatch, world.secret_b, "screen", WALLET_LOWER)
    assert out == [f"{WALLET_LOWER}\tnot reported\t-\t0\t-"]


def test_report_shows_a_progress_bar_on_a_terminal_only(hub_env, capsys, monkeypatch, tmp_path) -> None:
    wallets = _file(tmp_path, "w.txt", "\n".join(f"0x{n:040x}" for n in range(1, 4)))
    report = ["report", "--namespace", "evm", "--category", "other", "--batch-size", "2", wallets]
    assert "3/3" not in _run(capsys, monkeypatch, hub_env.secret_a, *report)[2]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert "3/3" in _run(capsys, monkeypatch, hub_env.secret_a, *report, "--restart")[2]


def test_record_export_names_the_organisation_the_hub_says_and_another_organisation_cannot_import_it(
    hub_env, capsys, monkeypatch, tmp_path
) -> None:
    world = hub_env
    wallets = _file(tmp_path, "w.txt", f"{WALLET_UPPER}\n")
    report = ["report", "--namespace", "btc", "--category", "other", wallets]
    assert _run(capsys, monkeypatch, world.secret_a, *report)[0] == 0
    exported = tmp_path / "record.json"
    assert _run(capsys, monkeypatch, world.secret_a, "record", "export", str(exported))[0] == 0
    document = json.loads(exported.read_text())
    assert document["organisation"] == world.org_a.slug
    [wallet] = document["wallets"]
    assert (wallet["canonical"], wallet["address"], wallet["status"]) == (WALLET_LOWER, WALLET_UPPER, "reported")
    assert isinstance(wallet["report_id"], str)
    assert wallet["report_id"]  # the hub's opaque id, kept so the member can withdraw from anywhere

    code, _, err = _run(capsys, monkeypatch, world.secret_b, "record", "import", str(exported))
    assert code == 2
    assert f"the file is the record of organisation '{world.org_a.slug}', not of '{world.org_b.slug}'" in err
