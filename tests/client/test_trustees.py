"""Three trustee processes over real HTTP, each with its own database, organisations, API keys and audit.

The hub (the test's live server) splits the RFC 9497 key 2-of-3 among them; the client evaluates at
two, verifies each share's proof and combines, and must give exactly the single key's tokens. Each
trustee is `manage.py runserver` with VIGIL_ROLE=trustee on a free port, its database
`<test database>_t<n>` and, when the suite runs on Redis, Redis database 8 + n of the same server.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from vigil_client import cli
from vigil_client.hub import Hub, KeyMismatchError
from vigil_client.tokens import Tokenizer
from vigil_client.trustees import TrusteeQuorumError

from apps.oprf.models import OprfKey, Trustee

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "tests" / "vectors" / "address-tokens.json").read_text(encoding="utf-8"))
pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class TrusteeProcess:
    name: str
    number: int
    database: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    api_keys: dict[str, str] = field(default_factory=dict)  # organisation slug -> its API key here
    slugs: dict[str, str] = field(default_factory=dict)  # organisation name -> slug here

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        db = connection.settings_dict
        env = {
            **os.environ,
            "VIGIL_ROLE": "trustee",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{self.database}",
            "VIGIL_KEY_ENCRYPTION_KEY": settings.KEY_ENCRYPTION_KEY,
        }
        env.pop("REDIS_URL", None)
        if settings.REDIS_URL:
            parts = urlsplit(settings.REDIS_URL)
            env["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{8 + self.number}"))
        return env

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{self.name}: manage.py {args[0]} failed: {done.stderr}"
        return done.stdout

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"trustee {self.name} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def add_member(self, name: str, sector: str) -> None:
        slug = self.manage("create_organisation", "--name", name, "--sector", sector, "--jurisdiction", "GB").strip()
        self.slugs[name] = slug
        self.api_keys[name] = self.manage(
            "create_api_key", "--organisation", slug, "--name", "vigil", "--scopes", "report,screen"
        ).splitlines()[-1]


def _admin(sql: str) -> None:
    db = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql)
    admin.close()


@pytest.fixture(scope="module")
def trustees(django_db_blocker) -> Iterator[list[TrusteeProcess]]:
    with django_db_blocker.unblock():
        base = connection.settings_dict["NAME"]
    processes = [TrusteeProcess(name, n, f"{base}_t{n}") for n, name in enumerate(["hub", "ngo", "regulator"], 1)]

    def prepare(trustee: TrusteeProcess) -> None:
        _admin(f'DROP DATABASE IF EXISTS "{trustee.database}"')
        _admin(f'CREATE DATABASE "{trustee.database}"')
        trustee.manage("migrate", "--noinput")
        trustee.add_member("Alpha Bank", "bank")
        trustee.start()

    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(prepare, processes))
        yield processes
    finally:
        for trustee in processes:
            trustee.stop()
            _admin(f'DROP DATABASE IF EXISTS "{trustee.database}"')


@dataclass
class Consortium:
    hub_url: str
    api_key: str
    key: OprfKey
    trustees: list[TrusteeProcess]

    def trustee_keys(self, *names: str) -> dict[str, str]:
        return {t.name: t.api_keys["Alpha Bank"] for t in self.trustees if not names or t.name in names}

    def tokenizer(self, *names: str) -> Tokenizer:
        return Tokenizer(Hub(self.hub_url, self.api_key, trustee_keys=self.trustee_keys(*names)))


def _split_among(trustees: list[TrusteeProcess], key: OprfKey, out: Path) -> None:
    """The ceremony: the hub splits its key 2-of-3 and each trustee imports its own share file."""
    args = ["split", "--key-id", key.key_id, "--threshold", "2", "--out-dir", str(out)]
    for trustee in trustees:
        args += ["--trustee", f"{trustee.name}={trustee.url}"]
    call_command("oprf_key", *args, stdout=open(os.devnull, "w"))  # noqa: SIM115
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(
            pool.map(
                lambda t: t.manage("oprf_share", "import", str(out / f"{key.key_id}-{t.number}-{t.name}.share.json")),
                trustees,
            )
        )


@pytest.fixture
def consortium(trustees, live_server, rfc_key: OprfKey, world, tmp_path: Path) -> Consortium:
    _split_among(trustees, rfc_key, tmp_path)
    return Consortium(live_server.url, world.secret_a, rfc_key, trustees)


@pytest.fixture(autouse=True)
def _no_waiting_for_a_stopped_trustee(monkeypatch) -> None:
    monkeypatch.setenv("VIGIL_RETRY_SECONDS", "0")


@contextmanager
def stopped(*processes: TrusteeProcess) -> Iterator[None]:
    for trustee in processes:
        trustee.stop()
    try:
        yield
    finally:
        for trustee in processes:
            trustee.start()


def _tokens(tokenizer: Tokenizer) -> list[str | None]:
    results = []
    for namespace in sorted({item["namespace"] for item in VECTORS["tokens"]}):
        inputs = [item["input"] for item in VECTORS["tokens"] if item["namespace"] == namespace]
        results += [(namespace, r.address, r.token) for r in tokenizer.tokenize(namespace, inputs)]
    return [token for _, _, token in sorted(results)]


EXPECTED = [item["token"] for item in sorted(VECTORS["tokens"], key=lambda item: (item["namespace"], item["input"]))]


def test_every_address_vector_gets_the_single_key_token_from_every_pair_of_trustees(consortium) -> None:
    assert VECTORS["key"]["key_id"] == consortium.key.key_id
    assert _tokens(consortium.tokenizer()) == EXPECTED
    for pair in (("hub", "regulator"), ("ngo", "regulator")):
        assert _tokens(consortium.tokenizer(*pair)) == EXPECTED


def test_a_trustee_audits_how_many_it_evaluated_and_never_the_elements(consortium) -> None:
    consortium.tokenizer("hub", "ngo").tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"] * 3)
    listing = consortium.trustees[1].manage(
        "shell",
        "-c",
        "import json; from apps.audit.models import AuditEvent; "
        "print(json.dumps([[e.action, e.data] for e in AuditEvent.objects.filter(action__startswith='oprf')]))",
    )
    events = json.loads(listing.splitlines()[-1])  # after the shell's own banner
    assert ["oprf.evaluated", {"key_id": consortium.key.key_id, "count": 3}] in events
    assert any(action == "oprf_share.imported" for action, _ in events)


def test_a_trustee_serves_only_the_key_service_and_publishes_its_own_commitment(consortium) -> None:
    ngo = consortium.trustees[1]
    headers = {"Authorization": f"Bearer {ngo.api_keys['Alpha Bank']}"}
    [share] = httpx.get(f"{ngo.url}/api/v1/oprf/shares", headers=headers).json()
    published = consortium.key.trustees.get(name="ngo")
    assert (share["key_id"], share["index"], share["commitment"]) == (
        consortium.key.key_id,
        published.index,
        bytes(published.commitment).hex(),
    )
    for path in ("/api/v1/reports", "/api/v1/oprf/keys", "/admin/", "/"):
        assert httpx.get(f"{ngo.url}{path}", headers=headers).status_code == 404, path


def test_a_hub_publishing_commitments_that_do_not_give_its_key_is_refused(consortium) -> None:
    Trustee.objects.filter(key=consortium.key, index=3).update(
        commitment=bytes(consortium.key.trustees.get(index=1).commitment)
    )
    with pytest.raises(KeyMismatchError, match="do not give its public key"):
        Hub(consortium.hub_url, consortium.api_key).current_key()


def test_one_trustee_stopped_still_tokenises_and_two_stopped_fail_naming_them(consortium) -> None:
    hub, _, regulator = consortium.trustees
    with stopped(hub):
        assert _tokens(consortium.tokenizer()) == EXPECTED
        with stopped(regulator), pytest.raises(TrusteeQuorumError) as refused:
            consortium.tokenizer().tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])
    assert set(refused.value.failures) == {"hub", "regulator"}
    assert "needs 2 of its 3 trustees and only 1 gave a verified answer" in str(refused.value)
    assert "cannot reach the trustee hub at" in refused.value.failures["hub"]


def test_a_trustee_evaluating_with_a_tampered_share_is_caught_dropped_and_named(consortium) -> None:
    hub, _, regulator = consortium.trustees
    hub.manage(
        "shell",
        "-c",
        "from apps.oprf.models import KeyShare; from apps.oprf.crypto import secret_encrypt, share_key_id; "
        "from vigil_client import voprf; s = KeyShare.objects.get(); "
        "s.secret_ciphertext = secret_encrypt(voprf.generate_key_pair()[0], key_id=share_key_id(s.key_id, s.index)); "
        "s.save()",
    )
    tokenizer = consortium.tokenizer()
    assert _tokens(tokenizer) == EXPECTED
    assert list(tokenizer.consortium.caught) == ["hub"]
    with stopped(regulator), pytest.raises(TrusteeQuorumError) as refused:
        consortium.tokenizer().tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])
    assert "trustee hub's proof did not verify" in refused.value.failures["hub"]


def test_a_member_refused_by_one_trustee_is_served_by_the_others_and_by_none_below_t(consortium) -> None:
    hub, _, regulator = consortium.trustees
    hub.manage("organisation_status", "suspend", hub.slugs["Alpha Bank"])
    try:
        assert _tokens(consortium.tokenizer()) == EXPECTED
        regulator.manage("organisation_status", "suspend", regulator.slugs["Alpha Bank"])
        try:
            with pytest.raises(TrusteeQuorumError) as refused:
                consortium.tokenizer().tokens_for("btc", ["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])
            assert set(refused.value.failures) == {"hub", "regulator"}
            assert all(f"trustee {name} answered 403" in reason for name, reason in refused.value.failures.items())
        finally:
            regulator.manage("organisation_status", "reinstate", regulator.slugs["Alpha Bank"])
    finally:
        hub.manage("organisation_status", "reinstate", hub.slugs["Alpha Bank"])


def test_resharing_to_a_new_trustee_set_keeps_every_token(consortium, tmp_path: Path) -> None:
    hub, _, regulator = consortium.trustees
    key_id = consortium.key.key_id
    for holder in (hub, regulator):  # the ngo takes no part; each holder writes one file per new trustee
        holder.manage(
            "oprf_share", "reshare", key_id, "--holders", "1,3", "--threshold", "2", "--trustees", "3",
            "--out-dir", str(tmp_path / holder.name),
        )  # fmt: skip
    published = []
    for new_index, trustee in enumerate(consortium.trustees, start=1):
        files = [str(tmp_path / h.name / f"{key_id}-from-{h.number}-to-{new_index}.sub.json") for h in (hub, regulator)]
        line = trustee.manage("oprf_share", "import-reshared", *files, "--delete")
        published.append(f"{new_index}:{trustee.name}={trustee.url}:{line.split('commitment ')[1].strip()}")
    old_commitments = list(consortium.key.trustees.values_list("commitment", flat=True))
    call_command("oprf_key", "trustees", key_id, "--threshold", "2", *[a for p in published for a in ("--trustee", p)])

    assert set(OprfKey.objects.get(pk=consortium.key.pk).trustees.values_list("commitment", flat=True)).isdisjoint(
        old_commitments
    )
    assert _tokens(consortium.tokenizer()) == EXPECTED
    assert _tokens(consortium.tokenizer("hub", "ngo")) == EXPECTED


def test_vigil_tokenize_prints_the_single_key_token(consortium, capsys) -> None:
    item = VECTORS["tokens"][0]
    argv = ["--url", consortium.hub_url, "--api-key", consortium.api_key]
    for name, secret in consortium.trustee_keys("ngo", "regulator").items():
        argv += ["--trustee-key", f"{name}={secret}"]
    assert cli.main([*argv, "tokenize", "--namespace", item["namespace"], item["input"]]) == 0
    assert capsys.readouterr().out == f"{item['input']}\t{item['token']}\n"
