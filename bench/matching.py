"""Matching benchmark: COPY seeding, ingestion against COPY, screening latency, web memory, hub against PSI."""

import argparse
import io
import itertools
import json
import os
import random
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv running this script also holds gunicorn and vigil
# The PostgreSQL server to seed and measure on: the machine's own unless told otherwise, e.g. one whose
# shared_buffers holds the token index.
POSTGRES = os.environ.get("VIGIL_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PG_DATA = Path("/var/lib/postgresql")
MIN_FREE_GB = 15.0
CAPPED_ROWS = 3_000_000  # the largest table when the disk is short
SIZES = (1_000_000, 10_000_000)
SEED_CHUNK = 500_000  # rows generated, then copied, at a time: generation stays out of the timing
SEED_ORGS = 20
SHARE_EVERY = 100  # every 100th token is reported by a second organisation too: ~1% shared
SAMPLE_EVERY = 1_000  # one unshared token in this many is kept for screening and overlaps
BATCH = 10_000  # the reports endpoint's maximum batch
INGEST_ROUNDS = 3  # timed, after one untimed warm-up round
OVERLAP = 50  # per batch and kind: tokens one other organisation reported (a new match) and shared ones (a join)
# Ingest takes OVERLAP sampled tokens a round, and screening needs some left: a quarter more than ingest takes.
MIN_ROWS = (INGEST_ROUNDS + 1) * OVERLAP * SAMPLE_EVERY * 5 // 4
SCREEN_WARMUP = 200
SCREEN_WARMUP_SECONDS = 20.0
SCREEN_REQUESTS = 2_000
SCREEN_BUDGET_SECONDS = 240.0  # per table size: a slow hub ends the loop early, and the output says so
HUB_START_ATTEMPTS = 300  # x HUB_POLL_SECONDS
HUB_POLL_SECONDS = 0.1
WORKERS = 2
HUB_TIMEOUT = 60  # seconds, as docker-compose.yml runs the web process; gunicorn's default is 30
PSI_FPR = 1e-9
PSI_VERSION = "2.0.6"
INGEST_GOAL = 0.5
SCREEN_P50_GOAL = 1.3  # x the floor's p50
SCREEN_P99_GOAL = 1.5  # x the floor's p99
CONCURRENCY = 8
THROUGHPUT_SECONDS = 20.0
THROUGHPUT_GOAL = 0.7  # screens/s over floor requests/s, both at CONCURRENCY
SOAK_SECONDS = 600.0  # the full run's soak at the largest table; --quick soaks for half a minute
QUICK_SOAK_SECONDS = 30.0
SOAK_INTERVALS = 10
SOAK_GOAL = 0.95  # the last interval's screens/s over the first's: flat
BATCH_SCREEN = 1_000
BATCH_SCREEN_REQUESTS = 20
BATCH_SCREEN_GOAL = 20_000  # tokens/s
RSS_GROWTH_GOAL = 1.10  # "flat": at most 10% above the smallest table's figure
CATEGORIES = ("osec_payment", "csam_marketplace", "sextortion", "trafficking", "grooming", "other")
SECTORS = ("bank", "exchange", "payment_provider", "ngo", "law_enforcement")
COPY_SQL = (
    "COPY indicators_report (organisation_id, key_id, token, namespace, category, confidence, value_currency,"
    " reference, visibility, audience_sectors, audience_include, audience_exclude, tlp, sighting_alerts,"
    " expires_at, status, created_at, updated_at, active_since) FROM STDIN"
)
MATCH_COPY_SQL = "COPY matching_match (key_id, token, status, created_at, updated_at) FROM STDIN"
PARTICIPANTS_SQL = """
INSERT INTO matching_matchparticipant (match_id, token, report_id, organisation_id, active, joined_at)
SELECT m.id, m.token, r.id, r.organisation_id, true, m.created_at
FROM matching_match m JOIN indicators_report r ON r.key_id = m.key_id AND r.token = m.token
WHERE m.id > %s
"""


@dataclass(frozen=True)
class Consortium:
    """Members with a file of EVM addresses each; every two of them share `shared` addresses no third holds."""

    members: int
    addresses: int  # per member
    shared: int  # per pair of members
    goal: float  # hub seconds over PSI seconds, PSI run once per pair
    quick: bool = False  # smaller than the figure, to keep --quick short

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return list(itertools.combinations(range(self.members), 2))

    @property
    def name(self) -> str:
        return f"{self.members} x {self.addresses:,}"


# The two figures. Every member reports and every pair needs its own PSI run, so five members
# cost the hub 2.5 times two members' work and PSI 10 times: hence the goal of 1.0 / 4.
CONSORTIA = (Consortium(2, 100_000, 10_000, 1.0), Consortium(5, 100_000, 2_000, 0.25))
QUICK_CONSORTIA = (Consortium(2, 20_000, 2_000, 1.0, quick=True), Consortium(5, 5_000, 100, 0.25, quick=True))


@dataclass(frozen=True)
class Member:
    letter: str
    api_key: str
    shown_as: frozenset[str]  # what a counterpart's `vigil matches` prints: its name, or sector/jurisdiction


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    reference: str
    ratio: float | None
    goal: str
    met: bool | None


@dataclass
class Table:
    """What was seeded: enough to generate more rows and to pick tokens whose answers are known."""

    key_id: str
    organisation_ids: list[int]
    rows: int = 0
    next_index: int = 0  # over all seeding, so sharing and sampling continue where they stopped
    singles: list[str] = field(default_factory=list)  # reported by one organisation
    shared: list[str] = field(default_factory=list)  # reported by two, with a match

    def copy_text(self, rows: list[tuple[int, str]]) -> str:
        """COPY text rows, every NOT NULL column given; the nullable ones are left NULL."""
        now = datetime.now(UTC)
        created, expires = (now - timedelta(days=30)).isoformat(), (now + timedelta(days=335)).isoformat()
        prefixes = [f"{org}\t{self.key_id}\t" for org in self.organisation_ids]
        suffixes = [
            f"\tevm\t{CATEGORIES[i % len(CATEGORIES)]}\tmedium\t\t\t{('named', 'anonymous')[i % 2]}\t[]\t[]\t[]"
            f"\tamber\tt\t{expires}\tactive\t{created}\t{created}\t{created}\n"
            for i in range(len(self.organisation_ids))
        ]
        return "".join(prefixes[org] + token + suffixes[org] for org, token in rows)

    def generate(self, count: int) -> list[tuple[int, str]]:
        """Exactly `count` (organisation index, token) rows of fresh tokens, ~1% of them shared by two."""
        rows: list[tuple[int, str]] = []
        hexes = os.urandom(32 * count).hex()
        for start in range(0, len(hexes), 64):
            if len(rows) >= count:
                break
            token = hexes[start : start + 64]
            index, org = self.next_index, self.next_index % SEED_ORGS
            self.next_index += 1
            rows.append((org, token))
            if index % SHARE_EVERY == 0 and len(rows) < count:
                rows.append(((org + 1) % SEED_ORGS, token))
                self.shared.append(token)
            elif index % SAMPLE_EVERY == 1:
                self.singles.append(token)
        return rows


@dataclass(frozen=True)
class Hub:
    url: str
    pid: int  # the gunicorn master
    log: Path

    def workers(self) -> list[str]:
        return Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()

    def _worker_status_mb(self, field: str) -> list[float]:
        sizes = []
        for worker in self.workers():
            for line in Path(f"/proc/{worker}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    sizes.append(int(line.split()[1]) / 1024)  # kB
        return sizes

    def worker_peak_rss_mb(self) -> list[float]:
        """VmHWM of each worker: its peak resident set since it started (Linux /proc)."""
        return self._worker_status_mb("VmHWM")

    def worker_rss_mb(self) -> list[float]:
        """VmRSS of each worker now."""
        return self._worker_status_mb("VmRSS")

    def worker_cpu_seconds(self) -> float:
        """User + system CPU of the workers so far; the master only supervises."""
        total = 0
        for worker in self.workers():
            # Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
            fields = Path(f"/proc/{worker}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def step(name: str) -> Iterator[None]:
    """Print a step's name and, when it ends, its wall time."""
    print(f"== {name}", flush=True)
    start = time.perf_counter()
    yield
    print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def size_label(rows: int) -> str:
    return f"{rows / 1e6:.0f}M" if rows >= 1_000_000 else f"{rows:,}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def bench_database(prefix: str = "vigil_bench_matching") -> Iterator[str]:
    """A fresh PostgreSQL database for this run, dropped afterwards whatever happens."""
    name = f"{prefix}_{os.getpid()}"
    admin = psycopg2.connect(f"{POSTGRES}/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        try:
            yield f"{POSTGRES}/{name}"
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.close()


def hub_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """The hub's settings for this process and for gunicorn alike; limits far above the benchmark's load."""
    return {
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        "DATABASE_URL": database_url,
        "VIGIL_VAR_DIR": str(var_dir),
        # Given rather than generated: gunicorn must decrypt the OPRF key this process creates.
        "SECRET_KEY": secrets.token_hex(32),
        "VIGIL_KEY_ENCRYPTION_KEY": secrets.token_hex(32),
        "DEBUG": "false",  # as deployed: no query log, no debug pages
        "VIGIL_SCREEN_RATE": "1000000/min",
        "VIGIL_REPORT_RATE": "1000000/min",
        "VIGIL_OPRF_RATE": "1000000/min",
        "VIGIL_OPRF_DAILY_QUOTA": str(10**9),
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def running_hub(env: dict[str, str], log_path: Path) -> Iterator[Hub]:
    """gunicorn with its own workers, stopped on the way out."""
    url = f"http://127.0.0.1:{free_port()}"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                *(str(BIN / "gunicorn"), "hub.wsgi", "--bind", url.removeprefix("http://")),
                *("--workers", str(WORKERS), "--timeout", str(HUB_TIMEOUT)),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(HUB_START_ATTEMPTS):
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(HUB_POLL_SECONDS)
        else:
            raise RuntimeError(f"the hub did not answer /healthz:\n{log_path.read_text()[-2000:]}")
        yield Hub(url, server.pid, log_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def memory_reclaim() -> str:
    """Whether the kernel pages out memory left idle (DAMON): then the OS page cache keeps only what was
    touched in the last seconds, and a lookup outside shared_buffers may wait on the disk."""
    schemes = sorted(Path("/sys/kernel/mm/damon/admin/kdamonds").glob("[0-9]*/contexts/[0-9]*/schemes/[0-9]*"))
    try:
        running = [s for s in schemes if (s.parents[3] / "state").read_text().strip() == "on"]
        paging_out = [s for s in running if (s / "action").read_text().strip() == "pageout"]
        if not paging_out:
            return "no proactive page-out by the kernel seen"
        quota = int((paging_out[0] / "quotas" / "bytes").read_text()) / 2**20
        period = int((paging_out[0] / "quotas" / "reset_interval_ms").read_text()) / 1000
    except OSError as exc:
        return f"the kernel's page-out settings could not be read ({exc.strerror})"
    return f"the kernel pages out idle memory, page cache included (DAMON, up to {quota:,.0f} MiB each {period:g} s)"


def lookup_index() -> str:
    """The reports' index that screening and matching look tokens up by, as the model names it."""
    from apps.indicators.models import Report

    return next(index.name for index in Report._meta.indexes if index.fields == ["key_id", "token"])


def copy_reports(text: str) -> float:
    """Seconds to COPY these rows into the reports table, in its own transaction."""
    from django.db import connection

    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.copy_expert(COPY_SQL, io.StringIO(text))
        return time.perf_counter() - start


def seed(table: Table, target: int) -> Row:
    """Grow the reports table to `target` rows by COPY, give the shared tokens their matches, VACUUM ANALYZE,
    CHECKPOINT.

    The vacuum is what any bulk load is followed by: left to autovacuum, it would run over the 10M-row
    table for minutes during the timed steps, the soak's above all. The checkpoint writes out the load's
    dirty pages, which would otherwise be flushed during the first timed steps, ingest's above all."""
    from django.db import connection

    count = target - table.rows
    with step(f"seed: COPY {count:,} rows into indicators_report (to {size_label(target)})"):
        shared_before = len(table.shared)
        seconds = 0.0
        while table.rows < target:
            rows = table.generate(min(SEED_CHUNK, target - table.rows))
            seconds += copy_reports(table.copy_text(rows))
            table.rows += len(rows)
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM matching_match")
            last_match = cursor.fetchone()[0]
            now = datetime.now(UTC).isoformat()
            matches = "".join(
                f"{table.key_id}\t{token}\tactive\t{now}\t{now}\n" for token in table.shared[shared_before:]
            )
            cursor.copy_expert(MATCH_COPY_SQL, io.StringIO(matches))
            cursor.execute(PARTICIPANTS_SQL, [last_match])
            analyze_start = time.perf_counter()
            cursor.execute("VACUUM (ANALYZE)")
            analyze = time.perf_counter() - analyze_start
            cursor.execute("CHECKPOINT")
            cursor.execute(
                "SELECT count(*), pg_size_pretty(pg_total_relation_size('indicators_report')) FROM indicators_report"
            )
            rows, size = cursor.fetchone()
            index_name = lookup_index()
            cursor.execute(
                "SELECT pg_size_pretty(pg_relation_size(%(index)s)), pg_relation_size(%(index)s),"
                " current_setting('shared_buffers'), pg_size_bytes(current_setting('shared_buffers'))",
                {"index": index_name},
            )
            index, index_bytes, buffers, buffer_bytes = cursor.fetchone()
            # COPY and VACUUM pass through a small ring of buffers, so the index starts on disk. Where
            # PostgreSQL can hold it, load it as an operator would (pg_prewarm), or the first lookups
            # pay the reads that later ones do not.
            prewarmed = index_bytes <= buffer_bytes // 2
            if prewarmed:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
                cursor.execute("SELECT pg_prewarm(%s)", [index_name])
        rate = count / seconds
        print(f"   COPY {seconds:.1f} s = {rate:,.0f} rows/s; VACUUM ANALYZE {analyze:.1f} s")
        print(f"   table now {rows:,} rows, {size} with indexes; {len(table.shared):,} shared tokens with matches")
        # What a lookup costs at this size depends on where the token index lives: say where it can.
        held = "prewarmed into them" if prewarmed else "too large to be held there"
        print(f"   token index {index}; PostgreSQL's shared_buffers {buffers}, {held}; {memory_reclaim()}")
    return Row(f"seed COPY to {size_label(target)}", f"{rate:,.0f} rows/s", "-", None, "-", None)


def ingest(table: Table, organisation: Any) -> Row:
    """report_submit at the maximum batch against COPY of as many rows, alternating, at this table size."""
    from apps.common.actors import Actor
    from apps.matching.reporting import report_submit
    from hub.garbage import collect_between_requests

    actor = Actor(organisation=organisation)
    size = size_label(table.rows)
    # Collect garbage as a web worker does (hub/garbage.py): with the heap frozen, or each batch's
    # collections walk the benchmark's own samples, and with the worker's threshold.
    collect_between_requests()
    with step(f"ingest at {size}: report_submit, batch {BATCH:,}, against COPY of {BATCH:,} rows"):
        service_seconds = copy_seconds = 0.0
        for round_ in range(INGEST_ROUNDS + 1):
            # Unshared fresh tokens: the seeded shared ones are the only tokens with matches to join.
            copied = [(i % SEED_ORGS, secrets.token_hex(32)) for i in range(BATCH)]
            copy_time = copy_reports(table.copy_text(copied))
            table.rows += BATCH
            overlap = [table.singles.pop() for _ in range(OVERLAP)] + [table.shared.pop() for _ in range(OVERLAP)]
            tokens = overlap + [secrets.token_hex(32) for _ in range(BATCH - len(overlap))]
            items = [
                {"token": token, "key_id": table.key_id, "namespace": "evm", "category": "osec_payment"}
                for token in tokens
            ]
            start = time.perf_counter()
            result = report_submit(actor=actor, items=items)
            service_time = time.perf_counter() - start
            table.rows += BATCH
            # A fast wrong answer would not count: every item stored, and each overlap matched.
            if result.created != BATCH or result.matched != 2 * OVERLAP:
                raise RuntimeError(f"report_submit answered {result.created} created, {result.matched} matched")
            label = "warm-up" if round_ == 0 else f"round {round_}"
            print(
                f"   {label}: report_submit {service_time:.2f} s ({BATCH / service_time:,.0f}/s, "
                f"{result.matched} matched); COPY {copy_time:.3f} s ({BATCH / copy_time:,.0f}/s)"
            )
            if round_:
                service_seconds += service_time
                copy_seconds += copy_time
        service_rate = INGEST_ROUNDS * BATCH / service_seconds
        copy_rate = INGEST_ROUNDS * BATCH / copy_seconds
        ratio = service_rate / copy_rate
        print(f"   {service_rate:,.0f} reports/s through the service, COPY {copy_rate:,.0f} rows/s: {ratio:.3f}")
    return Row(
        f"ingest at {size}",
        f"{service_rate:,.0f} /s",
        f"COPY {copy_rate:,.0f} /s",
        ratio,
        f">= {INGEST_GOAL}",
        ratio >= INGEST_GOAL,
    )


def screening_tokens(table: Table, count: int) -> list[tuple[str, bool]]:
    """Half reported (a quarter shared), half never reported; each with whether it was reported."""
    mix = []
    for i in range(count):
        if i % 2:
            mix.append((secrets.token_hex(32), False))
        else:
            mix.append((random.choice(table.shared if i % 4 == 0 else table.singles), True))
    return mix


def screen_once(client: httpx.Client, key_id: str, token: str, reported: bool) -> tuple[float, float]:
    """Milliseconds for a floor request, then for screening one token, whose answer is checked.

    The floor, GET /api/v1/organisation, pays for HTTP, gunicorn, Django, DRF and API-key
    authentication but reads no report.
    """
    start = time.perf_counter()
    floor = client.get("organisation")
    middle = time.perf_counter()
    answer = client.post("screen", json={"key_id": key_id, "tokens": [token]})
    end = time.perf_counter()
    if floor.status_code != 200 or answer.status_code != 200:
        raise RuntimeError(f"hub answered {floor.status_code}, {answer.status_code}: {answer.text[:500]}")
    if answer.json()["results"][0]["reported"] != reported:
        raise RuntimeError(f"screening {token} did not answer reported={reported}: {answer.text[:500]}")
    return (middle - start) * 1000, (end - middle) * 1000


def screen(hub: Hub, table: Table, api_key: str) -> tuple[list[float], list[float]]:
    """Floor and screening latencies in ms, alternating on one persistent client, after a warm-up."""
    headers = {"Authorization": f"Bearer {api_key}"}
    floors, screens = [], []
    with httpx.Client(base_url=f"{hub.url}/api/v1/", headers=headers, timeout=60.0) as client:
        deadline = time.perf_counter() + SCREEN_WARMUP_SECONDS
        for token, reported in screening_tokens(table, SCREEN_WARMUP):
            screen_once(client, table.key_id, token, reported)
            if time.perf_counter() > deadline:
                break
        deadline = time.perf_counter() + SCREEN_BUDGET_SECONDS
        for token, reported in screening_tokens(table, SCREEN_REQUESTS):
            floor, screened = screen_once(client, table.key_id, token, reported)
            floors.append(floor)
            screens.append(screened)
            if time.perf_counter() > deadline:
                break
    return screens, floors


def screen_step(hub: Hub, table: Table, api_key: str) -> tuple[Row, float]:
    size = size_label(table.rows)
    with step(f"screen at {size}: POST /api/v1/screen, one token a request, {SCREEN_REQUESTS:,} after warm-up"):
        screens, floors = screen(hub, table, api_key)
        if len(screens) < SCREEN_REQUESTS:
            print(f"   stopped after {len(screens):,} requests: the {SCREEN_BUDGET_SECONDS:.0f} s budget ran out")
        p50, p99 = percentile(screens, 0.5), percentile(screens, 0.99)
        floor50, floor99 = percentile(floors, 0.5), percentile(floors, 0.99)
        print(f"   screen p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {statistics.fmean(screens):.2f} ms")
        print(f"   floor (GET /api/v1/organisation, same client) p50 {floor50:.2f} ms, p99 {floor99:.2f} ms")
        peaks = hub.worker_peak_rss_mb()
        print(f"   web workers' peak RSS (VmHWM): {', '.join(f'{peak:.1f} MB' for peak in peaks)}")
    ratios = (p50 / floor50, p99 / floor99)
    met = ratios[0] <= SCREEN_P50_GOAL and ratios[1] <= SCREEN_P99_GOAL
    value = f"p50 {p50:.1f} / p99 {p99:.1f} ms"
    reference = f"floor p50 {floor50:.1f} / p99 {floor99:.1f} ms"
    goal = f"p50 <= {SCREEN_P50_GOAL}x, p99 <= {SCREEN_P99_GOAL}x (p50 {ratios[0]:.2f}x)"
    row = Row(f"screen at {size}", value, reference, ratios[1], goal, met)
    return row, max(peaks)


def concurrent_requests(
    connect: Callable[[], httpx.Client], request: Callable[[httpx.Client], httpx.Response], seconds: float, what: str
) -> tuple[int, float]:
    """Requests that CONCURRENCY clients, each on its own connection, complete in `seconds`; and the seconds."""
    counts = [0] * CONCURRENCY
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    def client_loop(index: int) -> None:
        with connect() as client:
            while time.perf_counter() < deadline:
                response = request(client)
                if response.status_code != 200:
                    failures.append(f"{response.status_code}: {response.text[:200]}")
                    return
                counts[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{what} answered {failures[0]}")
    return sum(counts), time.perf_counter() - started


def requests_per_second(hub: Hub, api_key: str, request: Callable[[httpx.Client], httpx.Response]) -> float:
    """Requests/s that CONCURRENCY clients complete in THROUGHPUT_SECONDS."""
    headers = {"Authorization": f"Bearer {api_key}"}

    def connect() -> httpx.Client:
        return httpx.Client(base_url=f"{hub.url}/api/v1/", headers=headers, timeout=60.0)

    done, seconds = concurrent_requests(connect, request, THROUGHPUT_SECONDS, "hub")
    return done / seconds


def throughput_step(hub: Hub, table: Table, api_key: str) -> Row:
    size = size_label(table.rows)
    with step(f"screening throughput at {size}: {CONCURRENCY} clients, one token a request, against the floor"):
        tokens = [token for token, _ in screening_tokens(table, 4_096)]
        floor = requests_per_second(hub, api_key, lambda client: client.get("organisation"))
        screens = requests_per_second(
            hub,
            api_key,
            lambda client: client.post("screen", json={"key_id": table.key_id, "tokens": [random.choice(tokens)]}),
        )
        print(f"   screen {screens:,.0f} requests/s, floor (GET /api/v1/organisation) {floor:,.0f} requests/s")
    ratio = screens / floor
    return Row(
        f"screen throughput at {size}",
        f"{screens:,.0f} /s",
        f"floor {floor:,.0f} /s",
        ratio,
        f">= {THROUGHPUT_GOAL}",
        ratio >= THROUGHPUT_GOAL,
    )


def audit_footprint() -> tuple[int, int, int]:
    """Chained audit events, screening tallies, and the bytes of both tables with their indexes."""
    from django.db import connection

    from apps.audit.models import AuditEvent
    from apps.matching.models import ScreenTally

    tables = (AuditEvent._meta.db_table, ScreenTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s) + pg_total_relation_size(%s)", tables)
        size = cursor.fetchone()[0]
    return AuditEvent.objects.count(), ScreenTally.objects.count(), size


def soak_step(hub: Hub, table: Table, api_key: str, seconds: float) -> Row:
    """Screening at CONCURRENCY for `seconds`: throughput per interval, worker memory and the audit it writes."""
    from django.utils import timezone

    from apps.matching.screen_tallies import screen_tallies_seal

    size = size_label(table.rows)
    interval = seconds / SOAK_INTERVALS
    with step(f"soak at {size}: {CONCURRENCY} clients screening one token a request for {seconds:.0f} s"):
        tokens = [token for token, _ in screening_tokens(table, 4_096)]
        events_before, tallies_before, bytes_before = audit_footprint()
        rss_before = hub.worker_rss_mb()
        headers = {"Authorization": f"Bearer {api_key}"}

        def connect() -> httpx.Client:
            return httpx.Client(base_url=f"{hub.url}/api/v1/", headers=headers, timeout=60.0)

        def request(client: httpx.Client) -> httpx.Response:
            return client.post("screen", json={"key_id": table.key_id, "tokens": [random.choice(tokens)]})

        # One round of clients per interval: each round's rate is that interval's.
        rounds = [concurrent_requests(connect, request, interval, "hub") for _ in range(SOAK_INTERVALS)]
        rates = [done / elapsed for done, elapsed in rounds]
        screens = sum(done for done, _ in rounds)
        shown = ", ".join(f"{rate:,.0f}" for rate in rates)
        print(f"   {screens:,} screens, 0 errors; screens/s in each {interval:.0f} s: {shown}")
        rss_after = hub.worker_rss_mb()
        print(
            "   web workers' RSS before -> after: "
            + ", ".join(f"{before:.1f} -> {after:.1f} MB" for before, after in zip(rss_before, rss_after, strict=False))
        )
        # What an auditor gets: each finished minute sealed into one chained event per screener.
        tallies = audit_footprint()[1] - tallies_before
        sealed = screen_tallies_seal(now=timezone.now() + timedelta(minutes=2))
        events, _, footprint = audit_footprint()
        print(
            f"   audit: {tallies} per-minute tallies, sealed into {sealed} chained events "
            f"({events - events_before} new events in all); {(footprint - bytes_before) / screens:.1f} bytes a screen"
        )
    ratio = rates[-1] / rates[0]
    return Row(
        f"soak {seconds:.0f} s at {size}",
        f"last {rates[-1]:,.0f} /s",
        f"first {rates[0]:,.0f} /s",
        ratio,
        f">= {SOAK_GOAL} (flat)",
        ratio >= SOAK_GOAL,
    )


def batch_screen_step(hub: Hub, table: Table, api_key: str) -> Row:
    size = size_label(table.rows)
    with step(f"batch screen at {size}: {BATCH_SCREEN:,} tokens a request, {BATCH_SCREEN_REQUESTS} requests"):
        headers = {"Authorization": f"Bearer {api_key}"}
        mix = screening_tokens(table, BATCH_SCREEN * BATCH_SCREEN_REQUESTS)
        with httpx.Client(base_url=f"{hub.url}/api/v1/", headers=headers, timeout=120.0) as client:
            client.post("screen", json={"key_id": table.key_id, "tokens": [t for t, _ in mix[:BATCH_SCREEN]]})
            start = time.perf_counter()
            for offset in range(0, len(mix), BATCH_SCREEN):
                chunk = mix[offset : offset + BATCH_SCREEN]
                answer = client.post("screen", json={"key_id": table.key_id, "tokens": [t for t, _ in chunk]})
                if answer.status_code != 200:
                    raise RuntimeError(f"hub answered {answer.status_code}: {answer.text[:500]}")
                if [r["reported"] for r in answer.json()["results"]] != [reported for _, reported in chunk]:
                    raise RuntimeError("a batch screening answer was wrong")
            rate = len(mix) / (time.perf_counter() - start)
        print(f"   {rate:,.0f} tokens/s")
    return Row(
        f"batch screen at {size}",
        f"{rate:,.0f} tokens/s",
        "-",
        None,
        f">= {BATCH_SCREEN_GOAL:,}/s",
        rate >= BATCH_SCREEN_GOAL,
    )


def screen_database_profile(table: Table, screener: Any) -> None:
    """Where the database time of one batch screening goes: each statement of an in-process
    `screen_lookup` explained as it first runs (EXPLAIN ANALYZE, BUFFERS), before its pages are warm."""
    from django.db import DatabaseError, connection

    from apps.matching.selectors import screen_lookup

    plans: list[dict[str, Any]] = []

    def explain_first(execute: Callable, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            raw = context["cursor"].cursor  # the driver's own cursor: not wrapped again
            raw.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
            (plan,) = raw.fetchone()
            plans.append((json.loads(plan) if isinstance(plan, str) else plan)[0])
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        try:
            cursor.execute("SET track_io_timing = on")
            timed = True
        except DatabaseError:  # only a superuser may; the blocks are counted all the same
            timed = False
    # Once unprofiled, as the hub's workers have by now: what they keep for minutes (the sectors'
    # precision) is then kept here too, and only what each screening reads is profiled.
    screen_lookup(organisation=screener, pairs=[(table.key_id, token) for token, _ in screening_tokens(table, 1)])
    pairs = [(table.key_id, token) for token, _ in screening_tokens(table, BATCH_SCREEN)]
    with connection.execute_wrapper(explain_first):
        screen_lookup(organisation=screener, pairs=pairs)
    print(f"   its database side, profiled in-process for {BATCH_SCREEN:,} other tokens, statement by statement:")
    for plan in plans:
        top = plan["Plan"]
        reading = f" in {top['I/O Read Time']:.1f} ms" if timed else ""
        print(
            f"     {first_relation(top)}: {plan['Planning Time'] + plan['Execution Time']:.1f} ms planning and "
            f"executing; {top['Shared Read Blocks']:,} blocks read from outside shared_buffers{reading}, "
            f"{top['Shared Hit Blocks']:,} found in them"
        )


def first_relation(node: dict[str, Any]) -> str:
    """The first table a plan reads, depth first: enough to tell a screening's statements apart."""
    if "Relation Name" in node:
        return node["Relation Name"]
    return next((first_relation(child) for child in node.get("Plans", [])), "(no table)")


def write_addresses(path: Path, addresses: list[str]) -> None:
    path.write_text("".join(f"{address}\n" for address in addresses))


def vigil(label: str, arguments: list[str], api_key: str, hub: Hub, home: Path) -> tuple[str, float]:
    """Run the `vigil` command against the hub; print where its time went; return its stdout and wall time."""
    env = {**os.environ, "VIGIL_URL": hub.url, "VIGIL_API_KEY": api_key, "VIGIL_HOME": str(home)}
    # Only finished children count in RUSAGE_CHILDREN: the running gunicorn is not in it, vigil is.
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    hub_before = hub.worker_cpu_seconds()
    start = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "vigil"), *arguments], env=env, capture_output=True, text=True, check=False, timeout=3600
    )
    seconds = time.perf_counter() - start
    hub_cpu = hub.worker_cpu_seconds() - hub_before
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = sum(getattr(client_after, f) - getattr(client_before, f) for f in ("ru_utime", "ru_stime"))
    if result.returncode != 0:
        raise RuntimeError(
            f"vigil {arguments[0]} exited with {result.returncode}: {result.stderr[-2000:]}\n"
            f"hub log:\n{hub.log.read_text()[-2000:]}"
        )
    print(
        f"   {label}: {seconds:.1f} s wall; CPU: vigil {client_cpu:.1f} s, "
        f"web workers {hub_cpu:.1f} s (the rest is PostgreSQL and waiting)"
    )
    if result.stderr.strip():
        print(f"     {result.stderr.strip().splitlines()[-1]}")
    return result.stdout, seconds


def consortium_sets(consortium: Consortium) -> tuple[list[list[str]], dict[tuple[int, int], set[str]]]:
    """Each member's addresses, shuffled, and each pair's true intersection."""

    def fresh(count: int) -> list[str]:
        return [f"0x{secrets.token_hex(20)}" for _ in range(count)]

    common = {pair: fresh(consortium.shared) for pair in consortium.pairs}
    sets = []
    for member in range(consortium.members):
        addresses = [address for pair, shared in common.items() if member in pair for address in shared]
        addresses += fresh(consortium.addresses - len(addresses))
        random.shuffle(addresses)
        sets.append(addresses)
    return sets, {pair: set(shared) for pair, shared in common.items()}


def hub_matches(hub: Hub, work: Path, members: list[Member], sets: list[list[str]]) -> tuple[list[dict], float]:
    """Every member's `vigil report`, one after another (the later of two makes their match), then every
    member's `vigil matches`: each member's matches as own address -> counterparts, and the seconds of all."""
    total = 0.0
    home = work / "records"
    for member, addresses in zip(members, sets, strict=True):
        path = work / f"wallets-{len(members)}-{member.letter}.txt"
        write_addresses(path, addresses)
        report = ["report", str(path), "--namespace", "evm", "--category", "osec_payment", "--batch-size", str(BATCH)]
        total += vigil(f"vigil report, member {member.letter}", report, member.api_key, hub, home)[1]
    found = []
    for member in members:
        out, seconds = vigil(f"vigil matches, member {member.letter}", ["matches"], member.api_key, hub, home)
        total += seconds
        # id<TAB>status<TAB>own address<TAB>category<TAB>counterparts: the address comes from the local record.
        found.append({fields[2]: fields[4] for fields in (line.split("\t") for line in out.splitlines())})
    return found, total


def wrong_matches(members: list[Member], found: list[dict], truth: dict[tuple[int, int], set[str]]) -> list[str]:
    """Members whose matches are not exactly their pairwise intersections, each with the member sharing it."""
    wrong = []
    for index, member in enumerate(members):
        expected = {
            address: members[second if first == index else first]
            for (first, second), shared in truth.items()
            if index in (first, second)
            for address in shared
        }
        mine = found[index]
        if mine.keys() != expected.keys() or any(mine[a] not in other.shown_as for a, other in expected.items()):
            wrong.append(f"member {member.letter}: {len(mine):,} matches, {len(expected):,} expected")
    return wrong


def psi_intersection(a: list[str], b: list[str]) -> tuple[set[str], float]:
    """openmined-psi in one process: B serves its set, A asks, A learns the intersection."""
    import private_set_intersection.python as psi

    start = time.perf_counter()
    server = psi.server.CreateWithNewKey(True)
    setup = server.CreateSetupMessage(PSI_FPR, len(a), b)
    client = psi.client.CreateWithNewKey(True)
    response = server.ProcessRequest(client.CreateRequest(a))
    found = client.GetIntersection(setup, response)
    return {a[index] for index in found}, time.perf_counter() - start


def e2e_step(hub: Hub, work: Path, consortium: Consortium, members: list[Member]) -> Row:
    pairs = consortium.pairs
    with step(
        f"end to end: {consortium.members} members, {consortium.addresses:,} EVM addresses each, "
        f"{consortium.shared:,} shared by each pair of them ({len(pairs)} pair(s))"
    ):
        print("   hub: each member's `vigil report` in turn, as nightly uploads arrive, then each `vigil matches`")
        sets, truth = consortium_sets(consortium)
        found, hub_seconds = hub_matches(hub, work, members, sets)
        wrong = wrong_matches(members, found, truth)
        print(f"   hub: {hub_seconds:.1f} s, {sum(map(len, found)):,} matches seen, each member's pairs: {not wrong}")
        row = f"e2e {consortium.name}{' (--quick)' if consortium.quick else ''}, hub"
        goal = f"<= {consortium.goal}"
        try:
            runs = [psi_intersection(sets[first], sets[second]) for first, second in pairs]
        except ImportError:
            print(f"   openmined-psi is not installed: .venv/bin/pip install openmined-psi=={PSI_VERSION}")
            return Row(row, f"{hub_seconds:.1f} s", "PSI not installed", None, goal, None)
        psi_seconds = sum(seconds for _, seconds in runs)
        psi_right = all(psi_found == truth[pair] for (psi_found, _), pair in zip(runs, pairs, strict=True))
        print(
            f"   openmined-psi {PSI_VERSION}, once per pair in turn: {psi_seconds:.1f} s, "
            f"{sum(len(psi_found) for psi_found, _ in runs):,} found, each pair's intersection: {psi_right}"
        )
        ratio = hub_seconds / psi_seconds
        print(f"   hub / PSI = {ratio:.2f}")
        peaks = hub.worker_peak_rss_mb()
        print(f"   web workers' peak RSS now: {', '.join(f'{peak:.1f} MB' for peak in peaks)}")
    if wrong or not psi_right:
        raise RuntimeError(f"not each pair's {consortium.shared:,} shared: {'; '.join(wrong) or 'PSI was wrong'}")
    return Row(row, f"{hub_seconds:.1f} s", f"PSI {psi_seconds:.1f} s", ratio, goal, ratio <= consortium.goal)


def yes_no(met: bool | None) -> str:
    return "-" if met is None else ("yes" if met else "NO")


def ratio_text(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.3f}"


def print_table(rows: list[Row]) -> None:
    header = ("measure", "value", "reference (floor)", "ratio", "goal", "met")
    cells = [header] + [
        (row.measure, row.value, row.reference, ratio_text(row.ratio), row.goal, yes_no(row.met)) for row in rows
    ]
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]
    for index, cell in enumerate(cells):
        print("  ".join(text.ljust(width) for text, width in zip(cell, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def table_sizes(quick: bool) -> tuple[int, ...]:
    free_gb = shutil.disk_usage(PG_DATA).free / 1e9
    print(f"free disk under {PG_DATA}: {free_gb:.0f} GB")
    sizes = SIZES[:1] if quick else SIZES
    if free_gb < MIN_FREE_GB:
        print(f"   under {MIN_FREE_GB:.0f} GB: the largest table is capped at {CAPPED_ROWS:,} rows")
        sizes = tuple(min(size, CAPPED_ROWS) for size in sizes)
    return sizes


def django_setup(env: dict[str, str]) -> None:
    """Set Django up on the database `env` names: the hub's imports can come only after this."""
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)  # tasks in-process: no broker needed
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def organisation(name: str, index: int) -> Any:
    """An organisation of one of the sectors in turn, notified in its inbox only: without a broker the hub
    would send every e-mail inside the request that caused it (about 20 ms each); deployed, Celery sends
    them afterwards. Inbox only keeps that out of the timings."""
    from apps.common.actors import SYSTEM, Actor
    from apps.organisations.services import organisation_create
    from apps.routing.models import Event
    from apps.routing.services import channels_set

    created = organisation_create(actor=SYSTEM, name=name, sector=SECTORS[index % len(SECTORS)], jurisdiction="GB")
    channels_set(actor=Actor(organisation=created), organisation=created, choices={event: [] for event in Event.values})
    return created


def measure(
    sizes: tuple[int, ...], work: Path, env: dict[str, str], consortia: tuple[Consortium, ...], soak_seconds: float
) -> list[Row]:
    """Everything, on the database `env` names."""
    django_setup(env)
    from django.db import connections

    try:
        return measure_all(sizes, work, consortia, soak_seconds)
    finally:
        connections.close_all()  # the database is dropped next


def measure_all(
    sizes: tuple[int, ...], work: Path, consortia: tuple[Consortium, ...], soak_seconds: float
) -> list[Row]:
    from django.core.management import call_command

    from apps.common.actors import SYSTEM
    from apps.oprf.services import oprf_key_ensure
    from apps.organisations.services import api_key_create

    def member(consortium: Consortium, index: int) -> Member:
        # Each consortium has members of its own, each of another sector: anonymous, they show one
        # another as sector/jurisdiction.
        letter = "ABCDE"[index]
        created = organisation(f"Bench {consortium.members}-Member {letter}", index)
        _, api_key = api_key_create(actor=SYSTEM, organisation=created, name="bench", scopes="report,read")
        return Member(letter, api_key, frozenset({created.name, f"{created.sector}/{created.jurisdiction}"}))

    with step("setup: migrate, organisations, OPRF key"):
        call_command("migrate", verbosity=0)
        key = oprf_key_ensure(actor=SYSTEM)
        seeders = [organisation(f"Bench Seed {i:02d}", i) for i in range(SEED_ORGS)]
        ingester = organisation("Bench Ingest", 0)
        screener = organisation("Bench Screener", 1)
        _, screen_key = api_key_create(actor=SYSTEM, organisation=screener, name="bench", scopes="screen")
        members = [[member(c, i) for i in range(c.members)] for c in consortia]
        print("   every organisation chose inbox-only notifications (no e-mail: no broker runs them here)")
    table = Table(key.key_id, [org.pk for org in seeders])
    rows: list[Row] = []
    peaks: list[float] = []
    for size in sizes:
        rows.append(seed(table, size))
        rows.append(ingest(table, ingester))
        with running_hub({**os.environ}, work / f"gunicorn-{size}.log") as hub:
            screen_row, peak = screen_step(hub, table, screen_key)
            rows.append(screen_row)
            rows.append(throughput_step(hub, table, screen_key))
            rows.append(batch_screen_step(hub, table, screen_key))
            screen_database_profile(table, screener)
            if size == sizes[-1]:
                rows.append(soak_step(hub, table, screen_key, soak_seconds))
            label = f"web peak RSS at {size_label(table.rows)}"
            if peaks:
                growth = peak / peaks[0]
                goal = f"<= {RSS_GROWTH_GOAL:.2f} x"
                rows.append(Row(label, f"{peak:.1f} MB", f"{peaks[0]:.1f} MB", growth, goal, growth <= RSS_GROWTH_GOAL))
            else:
                rows.append(Row(label, f"{peak:.1f} MB", "-", None, "-", None))
            peaks.append(peak)
            if size == sizes[-1]:
                rows.extend(e2e_step(hub, work, c, m) for c, m in zip(consortia, members, strict=True))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"stop at {SIZES[0]:,} rows; end to end, {' and '.join(c.name for c in QUICK_CONSORTIA)}",
    )
    parser.add_argument("--rows", type=int, help="one table of this many rows and no end-to-end run (a try-out)")
    args = parser.parse_args()
    if args.rows is not None and args.rows < MIN_ROWS:
        parser.error(f"--rows must be at least {MIN_ROWS:,}: ingest and screening draw on tokens sampled while seeding")
    # Every rate assumes the cores are ours: say so when something else was running.
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    sizes = (args.rows,) if args.rows else table_sizes(args.quick)
    consortia = () if args.rows else QUICK_CONSORTIA if args.quick else CONSORTIA
    with tempfile.TemporaryDirectory(prefix="vigil-bench-matching-") as tmp, bench_database() as database_url:
        soak_seconds = QUICK_SOAK_SECONDS if args.quick or args.rows else SOAK_SECONDS
        env = hub_env(database_url, Path(tmp) / "var")
        rows = measure(sizes, Path(tmp), env, consortia, soak_seconds)
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
