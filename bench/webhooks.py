"""Webhook latency: a report that creates a match until the counterpart's receiver has it, against bare HTTP."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import psycopg2
from psycopg2 import sql
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

if TYPE_CHECKING:
    from apps.common.actors import Actor

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
MATCHES = 200
WARMUP = 5  # uncounted first matches: the worker's first tasks open connections and import code
FLOOR_POSTS = 200
CLIENT_BUILDS = 50
MATCH_TIMEOUT = 30.0  # seconds per match: past the first retry (10 s), so a retried delivery shows as late
START_TIMEOUT = 60.0
POLL_SECONDS = 0.005
GOAL_P95 = 2.0
HOOK_PATH = "/hooks/vigil"
FLOOR_PATH = "/hooks/floor"  # same handler, kept apart so floor POSTs never count as deliveries
NAMED = {"visibility": "named"}
WORKER = ["-m", "celery", "-A", "hub", "worker", "-B", "--pool", "solo", "--loglevel", "INFO"]


@dataclass(frozen=True)
class Arrival:
    webhook_id: str
    event: str
    match_id: int | None
    verified: bool
    body: bytes
    at: float  # time.monotonic() once the body is read
    wall: float  # time.time() at the same moment, to compare with the hub's own timestamps


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    secret: str = ""
    arrivals: list[Arrival] = field(default_factory=list)
    first_by_match: dict[int, Arrival] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def record(self, arrival: Arrival) -> None:
        with self.changed:
            self.arrivals.append(arrival)
            if arrival.match_id is not None:
                self.first_by_match.setdefault(arrival.match_id, arrival)
            self.changed.notify_all()

    def wait_for_match(self, match_id: int, timeout: float) -> Arrival | None:
        with self.changed:
            self.changed.wait_for(lambda: match_id in self.first_by_match, timeout)
            return self.first_by_match.get(match_id)


@dataclass(frozen=True)
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text()[-3000:]


@dataclass(frozen=True)
class World:
    key_id: str
    reporter: Actor  # organisation A, which reports each token first
    counterpart: Actor  # organisation B, whose report makes the match and whose webhook is timed


@dataclass(frozen=True)
class Sample:
    match_id: int
    seconds: float  # clock start to the receiver having the event
    submit: float  # seconds inside report_submit (match, outbox, commit, publish)
    started_wall: float


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def database() -> Iterator[str]:
    """A fresh PostgreSQL database of our own, dropped afterwards whoever is still connected."""
    name = f"vigil_bench_webhooks_{os.getpid()}"
    admin = psycopg2.connect(dbname="postgres", **POSTGRES)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield "postgres://{user}@{host}:{port}/{name}".format(name=name, **POSTGRES)
        finally:
            with admin.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.close()


@contextmanager
def redis_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: redis_answers(port), 10, "redis-server to answer")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _match_pk(public: object) -> int | None:
    """The match row behind the payload's public id (the hub never sends its row ids)."""
    from apps.common.errors import NotFound
    from apps.common.public_ids import internal_id

    try:
        return internal_id("match", public)  # type: ignore[arg-type]
    except NotFound:
        return None


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A threaded local receiver that verifies every POST as the README's example does."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            at, wall = time.monotonic(), time.time()
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                event = Webhook(receiver.secret).verify(body, headers)
            except (WebhookVerificationError, ValueError):
                event = None
            if self.path == HOOK_PATH:
                data = (event or {}).get("data", {})
                receiver.record(
                    Arrival(
                        webhook_id=headers.get("webhook-id", ""),
                        event=(event or {}).get("type", ""),
                        match_id=_match_pk(data.get("id")),
                        verified=event is not None,
                        body=body,
                        at=at,
                        wall=wall,
                    )
                )
            self.send_response(204 if event is not None else 400)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    receiver = Receiver(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(timeout=10)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown of the worker's process group (worker and embedded beat); whatever lingers is killed."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def celery_worker(work: Path) -> Iterator[Worker]:
    """One solo-pool worker with beat embedded, against this run's database, Redis and key."""
    from django.conf import settings

    from hub.celery import app

    # DATABASE_URL and REDIS_URL are already in the environment, set before Django loaded.
    env = {**os.environ, "VIGIL_KEY_ENCRYPTION_KEY": settings.KEY_ENCRYPTION_KEY}
    log = work / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, *WORKER, "--schedule", str(work / "beat-schedule")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, log)
    try:
        wait_until(
            lambda: process.poll() is not None or bool(app.control.ping(timeout=0.5)), START_TIMEOUT, "the worker"
        )
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with {process.returncode}:\n{worker.tail()}")
        yield worker
    finally:
        stop_group(process)


def django_setup(database_url: str, redis_url: str, work: Path) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,  # before Django loads, so tasks go to the broker instead of running eagerly
            "VIGIL_ENV": "development",  # the only mode that allows a plain-http loopback receiver
            "DEBUG": "false",  # as in production: DEBUG keeps every SQL query in memory
            "VIGIL_VAR_DIR": str(work / "var"),  # nothing is written into the repository's var/
            "DJANGO_SETTINGS_MODULE": "hub.settings",
        }
    )
    # Given rather than generated, so settings do not warn about creating local ones.
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("VIGIL_KEY_ENCRYPTION_KEY", secrets.token_hex(32))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from hub.celery import app

    if app.conf.task_always_eager or app.conf.broker_url != redis_url:
        raise RuntimeError(f"Celery is not publishing to {redis_url}: {app.conf.broker_url}")


def world_create(receiver: Receiver) -> World:
    """Migrate, ensure an OPRF key, and make two organisations, B with a webhook to the receiver."""
    from django.core.management import call_command

    from apps.common.actors import SYSTEM, Actor
    from apps.oprf.services import oprf_key_ensure
    from apps.organisations.services import organisation_create
    from apps.routing.services import webhook_create

    call_command("migrate", verbosity=0)
    key = oprf_key_ensure(actor=SYSTEM)
    a, b = (
        organisation_create(
            actor=SYSTEM, name=name, sector=sector, jurisdiction="GB", contact_email=f"desk@{sector}.example.org"
        )
        for name, sector in (("Bench Bank", "bank"), ("Bench Exchange", "exchange"))
    )
    _, receiver.secret = webhook_create(actor=Actor(organisation=b), url=receiver.url(HOOK_PATH), events=[])
    return World(key.key_id, Actor(organisation=a), Actor(organisation=b))


def outbox_empty() -> bool:
    from apps.routing.models import Delivery, DeliveryStatus

    return not Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING]).exists()


def measure_match(world: World, receiver: Receiver, worker: Worker) -> Sample:
    """A reports a fresh token, then B reports it (the clock runs from B's call to the receiver having it)."""
    from apps.matching.models import Match
    from apps.matching.reporting import report_submit

    items = [{"token": secrets.token_hex(32), "key_id": world.key_id, "namespace": "btc", "category": "osec_payment"}]
    report_submit(actor=world.reporter, items=items, policy=NAMED)
    started_wall, started = time.time(), time.monotonic()
    report_submit(actor=world.counterpart, items=items, policy=NAMED)
    submitted = time.monotonic()
    match_id = Match.objects.get(key_id=world.key_id, token=items[0]["token"]).pk
    arrival = receiver.wait_for_match(match_id, MATCH_TIMEOUT)
    if arrival is None:
        raise RuntimeError(f"match {match_id} did not reach the receiver in {MATCH_TIMEOUT:.0f} s:\n{worker.tail()}")
    # One match at a time: the next report starts with the worker idle and nothing left to deliver.
    wait_until(outbox_empty, MATCH_TIMEOUT, "the outbox to drain")
    return Sample(match_id, arrival.at - started, submitted - started, started_wall)


def http_floor(receiver: Receiver, body: bytes) -> list[float]:
    """POSTs of a delivered body, freshly signed, to the same receiver; one new TCP connection each.

    The receiver speaks HTTP/1.0 and closes every connection, as it does for the hub's POSTs, so
    the reused client saves only its own construction, which the hub pays per delivery.
    """
    from apps.routing.senders import WEBHOOK_TIMEOUT, webhook_headers

    url, times = receiver.url(FLOOR_PATH), []
    with httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False) as client:
        for index in range(FLOOR_POSTS):
            headers = webhook_headers(secret=receiver.secret, message_id=f"msg_floor_{index}", body=body.decode())
            started = time.monotonic()
            response = client.post(url, content=body, headers=headers)
            times.append(time.monotonic() - started)
            if response.status_code != 204:
                raise RuntimeError(f"the receiver answered the floor POST with {response.status_code}")
    return times


def client_build_seconds() -> list[float]:
    """What the sender's per-delivery `httpx.Client(...)` costs before any byte is sent."""
    from apps.routing.senders import WEBHOOK_TIMEOUT

    times = []
    for _ in range(CLIENT_BUILDS):
        started = time.monotonic()
        with httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False):
            pass
        times.append(time.monotonic() - started)
    return times


def check_deliveries(receiver: Receiver, ids: set[int]) -> list[str]:
    """Every delivery verified, each match's event received exactly once, and no delivery retried."""
    from apps.routing.models import Channel, Delivery, DeliveryStatus

    problems = []
    if unverified := [arrival.webhook_id for arrival in receiver.arrivals if not arrival.verified]:
        problems.append(f"{len(unverified)} deliveries failed verification: {unverified[:5]}")
    counts = Counter(arrival.match_id for arrival in receiver.arrivals)
    if wrong := {match: count for match, count in counts.items() if count != 1 or match not in ids}:
        problems.append(f"matches not received exactly once (match: count): {dict(list(wrong.items())[:5])}")
    if missing := ids - set(counts):
        problems.append(f"{len(missing)} matches never received")
    if events := {arrival.event for arrival in receiver.arrivals} - {"match.created"}:
        problems.append(f"unexpected events: {sorted(events)}")
    deliveries = Delivery.objects.filter(notification__match_id__in=ids)
    sent = {str(m) for m in deliveries.filter(channel=Channel.WEBHOOK).values_list("message_id", flat=True)}
    if sent != {arrival.webhook_id for arrival in receiver.arrivals}:
        problems.append("the webhook-ids received differ from the hub's webhook deliveries")
    if unsettled := deliveries.exclude(status=DeliveryStatus.DELIVERED, attempts=1).count():
        problems.append(f"{unsettled} deliveries were retried or not delivered")
    return problems


def stages(receiver: Receiver, samples: list[Sample]) -> list[tuple[str, list[float]]]:
    """Milestones in seconds from the clock's start, from the hub's own delivery timestamps."""
    from apps.routing.models import Channel, Delivery, DeliveryAttempt

    ids = [sample.match_id for sample in samples]
    claims: dict[int, list[float]] = {}
    hook_claim: dict[int, float] = {}
    rows = Delivery.objects.filter(notification__match_id__in=ids)
    for match_id, channel, claimed_at in rows.values_list("notification__match_id", "channel", "claimed_at"):
        claims.setdefault(match_id, []).append(claimed_at.timestamp())
        if channel == Channel.WEBHOOK:
            hook_claim[match_id] = claimed_at.timestamp()
    attempts = DeliveryAttempt.objects.filter(
        delivery__channel=Channel.WEBHOOK, delivery__notification__match_id__in=ids
    )
    per_match = len(claims[ids[0]])
    return [
        ("report_submit returned (match, outbox, commit, publish)", [sample.submit for sample in samples]),
        (
            f"worker claimed the first of the match's {per_match} deliveries",
            [min(claims[sample.match_id]) - sample.started_wall for sample in samples],
        ),
        (
            "worker claimed the webhook delivery",
            [hook_claim[sample.match_id] - sample.started_wall for sample in samples],
        ),
        (
            "receiver had the event",
            [receiver.first_by_match[sample.match_id].wall - sample.started_wall for sample in samples],
        ),
        (
            "  of which webhook_post: target check, new client, POST (latency_ms)",
            [latency / 1000 for latency in attempts.values_list("latency_ms", flat=True)],
        ),
        ("    of which httpx.Client() construction, measured here alone", client_build_seconds()),
    ]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def run(work: Path) -> None:
    with receiving() as receiver:
        world = world_create(receiver)
        print(f"worker: python {' '.join(WORKER)} (one process, one task at a time; beat embedded for the sweeper)")
        print("each match: an e-mail to A and to B (default channels) and B's webhook, all on the one worker's queue")
        with celery_worker(work) as worker:
            warmup = [measure_match(world, receiver, worker) for _ in range(WARMUP)]
            samples = [measure_match(world, receiver, worker) for _ in range(MATCHES)]
        floor = http_floor(receiver, receiver.arrivals[-1].body)
        problems = check_deliveries(receiver, {sample.match_id for sample in warmup + samples})
    if problems:
        raise RuntimeError("delivery checks failed:\n  " + "\n  ".join(problems))
    print(
        f"checks: {len(receiver.arrivals)} deliveries ({WARMUP} warm-up, not timed), every signature verified, "
        "each match received exactly once, no retries"
    )
    print(f"body: {len(receiver.arrivals[-1].body)} bytes of JSON, signed")
    print("\nwhere the time goes (since the clock started; p50 / p95):")
    milestones = stages(receiver, samples)
    width = max(len(name) for name, _ in milestones)
    for name, values in milestones:
        print(f"  {name:<{width}}  {ms(percentile(values, 50)):>9} / {ms(percentile(values, 95))}")
    latencies = [sample.seconds for sample in samples]
    p95, floor_p95 = percentile(latencies, 95), percentile(floor, 95)
    print()
    print_table(
        [
            ("measure", "p50", "p95", "max", "p95 / floor p95", "goal", "met"),
            (
                f"report -> receiver has it ({MATCHES} matches)",
                ms(percentile(latencies, 50)),
                ms(p95),
                ms(max(latencies)),
                f"{p95 / floor_p95:.1f}",
                f"p95 < {GOAL_P95:.0f} s",
                "yes" if p95 < GOAL_P95 else "NO",
            ),
            (
                f"HTTP floor: bare signed POST ({FLOOR_POSTS})",
                ms(percentile(floor, 50)),
                ms(floor_p95),
                ms(max(floor)),
                "1.0",
                "-",
                "-",
            ),
        ]
    )


def main() -> int:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with (
        tempfile.TemporaryDirectory(prefix="vigil-bench-webhooks-") as tmp,
        database() as database_url,
        redis_server() as redis_url,
    ):
        django_setup(database_url, redis_url, Path(tmp))
        from django.db import connections

        try:
            run(Path(tmp))
        finally:
            connections.close_all()
    # Other processes on the machine share its cores with the worker, Redis and PostgreSQL.
    print(f"load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
