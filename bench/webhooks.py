"""Webhook latency: a report that creates a match until the counterpart's receiver has it, against bare HTTP,
with the worker idle and while another member's 100,000-address report is matched and its deliveries sent."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
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
QUICK_MATCHES = 40
LOAD_MATCHES = 100  # at most: the phase ends early once the load is reported and its deliveries are sent
QUICK_LOAD_MATCHES = 30
LOAD_ADDRESSES = 100_000
QUICK_LOAD_ADDRESSES = 20_000
LOAD_SHARE_EVERY = 10  # one load token in 10 was reported before by another member: ~10% shared
LOAD_PEERS = 4  # the members who reported those, a quarter each
BATCH = 10_000  # the reports endpoint's maximum batch, which `vigil report` sends
WARMUP = 5  # uncounted first matches: the worker's first tasks open connections and import code
FLOOR_POSTS = 200
CLIENT_BUILDS = 50
MATCH_TIMEOUT = 30.0  # seconds per match: past the first retry (10 s), so a retried delivery shows as late
LOAD_MATCH_TIMEOUT = 300.0  # under load, a match stuck behind the load's deliveries is measured, not an error
LOAD_PHASE_SECONDS = 600.0  # timed matches stop being started after this long under load
START_TIMEOUT = 60.0
POLL_SECONDS = 0.005
GOAL_IDLE_P95 = 0.5
GOAL_LOAD_P95 = 2.0
HOOK_PATH = "/hooks/vigil"
FLOOR_PATH = "/hooks/floor"  # same handler, kept apart so floor POSTs never count as deliveries
LOAD_PATH = "/hooks/load"  # the load's members' webhooks: counted, not timed
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
    load_arrivals: int = 0
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
class Load:
    reporter: Actor  # the member whose large report runs while A and B's matches are timed
    peers: list[Actor]  # members who reported a tenth of its addresses before, each with a webhook too

    @property
    def organisation_ids(self) -> list[int]:
        return [actor.organisation.pk for actor in (self.reporter, *self.peers)]  # type: ignore[union-attr]


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
            if self.path == LOAD_PATH:
                with receiver.changed:
                    receiver.load_arrivals += 1
                self.send_response(204)
                self.end_headers()
                return
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


def load_create(receiver: Receiver) -> Load:
    """The load's reporter and the peers it shares addresses with, each with a webhook, as A and B have."""
    from apps.common.actors import SYSTEM, Actor
    from apps.organisations.services import organisation_create
    from apps.routing.services import webhook_create

    actors = []
    for index in range(1 + LOAD_PEERS):
        organisation = organisation_create(
            actor=SYSTEM,
            name=f"Bench Load {index}",
            sector="payment_provider",
            jurisdiction="GB",
            contact_email=f"desk{index}@load.example.org",
        )
        actors.append(Actor(organisation=organisation))
        webhook_create(actor=actors[-1], url=receiver.url(LOAD_PATH), events=[])
    return Load(actors[0], actors[1:])


def items_for(tokens: list[str], key_id: str) -> list[dict[str, str]]:
    return [{"token": token, "key_id": key_id, "namespace": "evm", "category": "osec_payment"} for token in tokens]


def load_report(organisation_id: int, key_id: str, tokens: list[str], progress: multiprocessing.Queue) -> None:
    """The load's report in its own process, batch by batch, as a web worker runs `vigil report`'s requests."""
    import django

    django.setup()  # the parent's environment: same database, broker and keys
    from apps.common.actors import Actor
    from apps.matching.reporting import report_submit
    from apps.organisations.models import Organisation

    actor = Actor(organisation=Organisation.objects.get(pk=organisation_id))
    for start in range(0, len(tokens), BATCH):
        report_submit(actor=actor, items=items_for(tokens[start : start + BATCH], key_id), policy=NAMED)
        progress.put(time.monotonic())


def outbox_empty(organisation_ids: list[int] | None = None) -> bool:
    from apps.routing.models import Delivery, DeliveryStatus

    due = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING])
    if organisation_ids is not None:
        due = due.filter(notification__organisation_id__in=organisation_ids)
    return not due.exists()


def match_settled(match_id: int) -> bool:
    from apps.routing.models import Delivery, DeliveryStatus

    due = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERING])
    return not due.filter(notification__match_id=match_id).exists()


def measure_match(world: World, receiver: Receiver, worker: Worker, *, idle: bool = True) -> Sample:
    """A reports a fresh token, then B reports it (the clock runs from B's call to the receiver having it).

    With `idle`, the next match waits for the whole outbox to drain; under load, for this match's deliveries.
    """
    from apps.matching.models import Match
    from apps.matching.reporting import report_submit

    items = [{"token": secrets.token_hex(32), "key_id": world.key_id, "namespace": "btc", "category": "osec_payment"}]
    report_submit(actor=world.reporter, items=items, policy=NAMED)
    started_wall, started = time.time(), time.monotonic()
    report_submit(actor=world.counterpart, items=items, policy=NAMED)
    submitted = time.monotonic()
    match_id = Match.objects.get(key_id=world.key_id, token=items[0]["token"]).pk
    timeout = MATCH_TIMEOUT if idle else LOAD_MATCH_TIMEOUT
    arrival = receiver.wait_for_match(match_id, timeout)
    if arrival is None:
        raise RuntimeError(f"match {match_id} did not reach the receiver in {timeout:.0f} s:\n{worker.tail()}")
    # One match at a time: idle, the next report starts with the worker idle and nothing left to deliver.
    if idle:
        wait_until(outbox_empty, MATCH_TIMEOUT, "the outbox to drain")
    else:
        wait_until(lambda: match_settled(match_id), timeout, f"match {match_id}'s deliveries")
    return Sample(match_id, arrival.at - started, submitted - started, started_wall)


@dataclass(frozen=True)
class LoadRun:
    samples: list[Sample]
    during_submit: int  # of the samples, those started before the load's last batch had committed
    committed: list[float]  # seconds from the load's start to each of its batches committing
    ended: str  # why no further match was timed


def measure_under_load(
    world: World, load: Load, receiver: Receiver, worker: Worker, *, matches: int, addresses: int
) -> LoadRun:
    """Matches timed one after another from the load's first batch until its deliveries are all sent."""
    from apps.matching.reporting import report_submit

    tokens = [secrets.token_hex(32) for _ in range(addresses)]
    shared = tokens[::LOAD_SHARE_EVERY]
    # Untimed: the peers report their share first; fresh tokens make no match and nothing to deliver.
    for index, peer in enumerate(load.peers):
        theirs = shared[index::LOAD_PEERS]
        for start in range(0, len(theirs), BATCH):
            report_submit(actor=peer, items=items_for(theirs[start : start + BATCH], world.key_id), policy=NAMED)
    wait_until(outbox_empty, MATCH_TIMEOUT, "the outbox to drain")
    # Spawned, not forked: the child opens its own database and broker connections.
    context = multiprocessing.get_context("spawn")
    progress = context.Queue()
    reporter_id = load.reporter.organisation.pk  # type: ignore[union-attr]
    process = context.Process(target=load_report, args=(reporter_id, world.key_id, tokens, progress))
    batches = -(-addresses // BATCH)
    committed: list[float] = []

    def heard(timeout: float | None) -> None:
        """Take the load's news of committed batches, waiting up to `timeout` for one (None: none waiting)."""
        with suppress(queue.Empty):
            while True:
                committed.append((progress.get(timeout=timeout) if timeout else progress.get_nowait()) - started)
                timeout = None

    started = time.monotonic()
    process.start()
    try:
        while not committed:  # its first batch: from here its deliveries are on the worker's queues
            if process.exitcode not in (None, 0):
                raise RuntimeError(f"the load's process exited with {process.exitcode}")
            heard(1.0)
        samples: list[Sample] = []
        during_submit = 0
        ended = f"{matches} matches timed"
        while len(samples) < matches:
            heard(None)
            submitting = len(committed) < batches
            if not submitting and outbox_empty(load.organisation_ids):
                ended = "the load was reported and its deliveries all sent"
                break
            if time.monotonic() - started > LOAD_PHASE_SECONDS:
                ended = f"{LOAD_PHASE_SECONDS:.0f} s under load"
                break
            if process.exitcode not in (None, 0):
                raise RuntimeError(f"the load's process exited with {process.exitcode}")
            samples.append(measure_match(world, receiver, worker, idle=False))
            during_submit += submitting
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"the load's process exited with {process.exitcode}")
        while len(committed) < batches:
            heard(10.0)
    finally:
        if process.is_alive():
            process.kill()
            process.join()
    return LoadRun(samples, during_submit, committed, ended)


def load_summary(load: Load, receiver: Receiver, addresses: int) -> list[str]:
    """What the load made: its matches and the deliveries they put on the worker's queues, and how many went."""
    from apps.matching.models import Match
    from apps.routing.models import Channel, Delivery, DeliveryStatus

    reporter_id = load.reporter.organisation.pk  # type: ignore[union-attr]
    made = Match.objects.filter(participants__organisation_id=reporter_id).distinct().count()
    deliveries = Delivery.objects.filter(notification__organisation_id__in=load.organisation_ids)
    by_channel = Counter(deliveries.values_list("channel", flat=True))
    sent = deliveries.filter(status=DeliveryStatus.DELIVERED).count()
    return [
        f"{addresses:,} addresses in batches of {BATCH:,} by one member (a second process calling report_submit, "
        f"as the reports endpoint does), 1 in {LOAD_SHARE_EVERY} reported before by one of {LOAD_PEERS} others",
        f"{made:,} matches, each told to both members: {sum(by_channel.values()):,} deliveries "
        f"({by_channel[Channel.WEBHOOK]:,} webhooks, {by_channel[Channel.EMAIL]:,} e-mails); "
        f"{sent:,} sent by the end of the phase ({receiver.load_arrivals:,} webhooks received)",
    ]


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


def print_stages(receiver: Receiver, samples: list[Sample]) -> None:
    milestones = stages(receiver, samples)
    width = max(len(name) for name, _ in milestones)
    for name, values in milestones:
        print(f"  {name:<{width}}  {ms(percentile(values, 50)):>9} / {ms(percentile(values, 95))}")


def latency_row(measure: str, samples: list[Sample], floor_p95: float, goal: float) -> tuple[str, ...]:
    latencies = [sample.seconds for sample in samples]
    p95 = percentile(latencies, 95)
    return (
        f"{measure} ({len(samples)} matches)",
        ms(percentile(latencies, 50)),
        ms(p95),
        ms(max(latencies)),
        f"{p95 / floor_p95:.1f}",
        f"p95 <= {goal:g} s",
        "yes" if p95 <= goal else "NO",
    )


def run(work: Path, *, matches: int, load_matches: int, load_addresses: int) -> None:
    with receiving() as receiver:
        world = world_create(receiver)
        load = load_create(receiver)
        print(f"worker: python {' '.join(WORKER)} (one process, one task at a time; beat embedded for the sweeper)")
        print("each match: an e-mail to A and to B (default channels) and B's webhook")
        with celery_worker(work) as worker:
            warmup = [measure_match(world, receiver, worker) for _ in range(WARMUP)]
            idle = [measure_match(world, receiver, worker) for _ in range(matches)]
            print(f"\nunder load: {load_addresses:,} addresses reported while matches are timed")
            loaded = measure_under_load(world, load, receiver, worker, matches=load_matches, addresses=load_addresses)
            summary = load_summary(load, receiver, load_addresses)
        floor = http_floor(receiver, receiver.arrivals[-1].body)
        timed = warmup + idle + loaded.samples
        problems = check_deliveries(receiver, {sample.match_id for sample in timed})
    if problems:
        raise RuntimeError("delivery checks failed:\n  " + "\n  ".join(problems))
    print("\n".join(f"  {line}" for line in summary))
    print(
        f"  its {len(loaded.committed)} batches committed {loaded.committed[0]:.1f} s to {loaded.committed[-1]:.1f} s "
        f"after it started; {loaded.during_submit} of {len(loaded.samples)} timed matches started before the last "
        f"did, the rest while its deliveries were still being sent; timing stopped: {loaded.ended}"
    )
    print(
        f"checks: {len(receiver.arrivals)} deliveries to B ({WARMUP} warm-up, not timed), every signature verified, "
        "each match received exactly once, no retries"
    )
    print(f"body: {len(receiver.arrivals[-1].body)} bytes of JSON, signed")
    for name, samples in (("worker idle", idle), ("under load", loaded.samples)):
        print(f"\nwhere the time goes, {name} (since the clock started; p50 / p95):")
        print_stages(receiver, samples)
    floor_p95 = percentile(floor, 95)
    print()
    print_table(
        [
            ("measure", "p50", "p95", "max", "p95 / floor p95", "goal", "met"),
            latency_row("report -> receiver has it, worker idle", idle, floor_p95, GOAL_IDLE_P95),
            latency_row(
                f"report -> receiver has it, {load_addresses:,}-address report running",
                loaded.samples,
                floor_p95,
                GOAL_LOAD_P95,
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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_MATCHES} idle matches and a {QUICK_LOAD_ADDRESSES:,}-address load (at most "
        f"{QUICK_LOAD_MATCHES} matches under it), not {MATCHES} and {LOAD_ADDRESSES:,} (at most {LOAD_MATCHES})",
    )
    args = parser.parse_args()
    sizes = (
        {"matches": QUICK_MATCHES, "load_matches": QUICK_LOAD_MATCHES, "load_addresses": QUICK_LOAD_ADDRESSES}
        if args.quick
        else {"matches": MATCHES, "load_matches": LOAD_MATCHES, "load_addresses": LOAD_ADDRESSES}
    )
    if args.quick:
        print(f"--quick: {sizes['load_addresses']:,}-address load, not {LOAD_ADDRESSES:,}; fewer matches timed")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with (
        tempfile.TemporaryDirectory(prefix="vigil-bench-webhooks-") as tmp,
        database() as database_url,
        redis_server() as redis_url,
    ):
        django_setup(database_url, redis_url, Path(tmp))
        from django.db import connections

        try:
            run(Path(tmp), **sizes)
        finally:
            connections.close_all()
    # Other processes on the machine share its cores with the worker, Redis and PostgreSQL.
    print(f"load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
