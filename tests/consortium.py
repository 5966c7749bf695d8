"""Fixtures: three trustee processes over real HTTP, each with its own database, organisations, API keys
and audit, holding 2-of-3 shares of the RFC 9497 key that the hub (the test's live server) split.

Each trustee is `manage.py runserver` with VIGIL_ROLE=trustee on a free port and its database
`<test database>_t<n>`, so suites run side by side on other databases never share one. It keeps its
cache in memory and runs its tasks in-process rather than take a Redis database number another suite
may be using. It admits the live hub's origin to its evaluation endpoint (VIGIL_TRUSTEE_ALLOWED_ORIGINS),
as a trustee does for its consortium's portal, so chromium on the portal's pages reaches it directly.
The three processes live for the whole session (tests/conftest.py); each test splits the key anew.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from vigil_client.hub import Hub
from vigil_client.tokens import Tokenizer

from apps.oprf.models import OprfKey

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
VECTORS = json.loads((ROOT / "tests" / "vectors" / "address-tokens.json").read_text(encoding="utf-8"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class TrusteeProcess:
    name: str
    number: int
    database: str
    portal_origin: str
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
            "VIGIL_TRUSTEE_ALLOWED_ORIGINS": self.portal_origin,
        }
        env.pop("REDIS_URL", None)
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


@pytest.fixture(scope="session")
def trustees(django_db_setup, django_db_blocker, live_server) -> Iterator[list[TrusteeProcess]]:
    with django_db_blocker.unblock():
        base = connection.settings_dict["NAME"]
    names = ["hub", "ngo", "regulator"]
    processes = [TrusteeProcess(name, n, f"{base}_t{n}", live_server.url) for n, name in enumerate(names, 1)]

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

    def tokenizer(self, *names: str, **options: int) -> Tokenizer:
        return Tokenizer(Hub(self.hub_url, self.api_key, trustee_keys=self.trustee_keys(*names)), **options)


def _split_among(trustees: list[TrusteeProcess], key: OprfKey, out: Path) -> None:
    """The ceremony: the hub splits its key 2-of-3 and each trustee imports its own share file."""
    args = ["split", "--key-id", key.key_id, "--threshold", "2", "--out-dir", str(out)]
    for trustee in trustees:
        args += ["--trustee", f"{trustee.name}={trustee.url}"]
    call_command("oprf_key", *args, stdout=open(os.devnull, "w"))  # noqa: SIM115
    each_trustee(
        trustees, lambda t: t.manage("oprf_share", "import", str(out / f"{key.key_id}-{t.number}-{t.name}.share.json"))
    )


def each_trustee(trustees: list[TrusteeProcess], step: Callable[[TrusteeProcess], T]) -> list[T]:
    """A ceremony step at every trustee at once, as independent parties would take it; results in order."""
    with ThreadPoolExecutor(max_workers=len(trustees)) as pool:
        return list(pool.map(step, trustees))


@pytest.fixture
def consortium(trustees, live_server, rfc_key: OprfKey, world, tmp_path: Path) -> Consortium:
    _split_among(trustees, rfc_key, tmp_path)
    return Consortium(live_server.url, world.secret_a, rfc_key, trustees)
