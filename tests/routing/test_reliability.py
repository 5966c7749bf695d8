"""Delivery survives a broker outage and a worker killed mid-delivery (real Redis, worker, HTTP).

Each test runs its own Redis on a spare port and real `celery worker -B` processes against the
test database, so the rest of the suite keeps its broker.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.common.actors import Actor
from apps.matching.models import Match
from apps.matching.reporting import report_submit
from apps.routing.models import Delivery, DeliveryStatus
from apps.routing.services import webhook_create
from hub.celery import app as celery_app
from tests.factories import report_item, token_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server program"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        _wait(self._answers, 10, "redis to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Worker:
    """`celery worker -B` (beat embedded, so the sweeper runs) in its own process group."""

    def __init__(self, redis: RedisServer, tmp: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
            "REDIS_URL": redis.url,
            "VIGIL_KEY_ENCRYPTION_KEY": settings.KEY_ENCRYPTION_KEY,
            "VIGIL_DELIVERY_SWEEP_SECONDS": "1",
            "VIGIL_DELIVERY_CLAIM_TIMEOUT": "3",
        }
        self.log = (tmp / f"worker-{time.monotonic_ns()}.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "hub", "worker", "-B", "--pool", "solo",
                "--loglevel", "INFO", "--schedule", str(tmp / f"beat-{time.monotonic_ns()}"),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


@contextmanager
def _broker(redis: RedisServer) -> Iterator[None]:
    """Point this process's Celery app at the test's own Redis, as the web process would be."""
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    _drop_connections()
    celery_app.conf.update(broker_url=redis.url, task_always_eager=False)
    try:
        yield
    finally:
        _drop_connections()
        celery_app.conf.update(broker_url=previous[0], task_always_eager=previous[1])


def _drop_connections() -> None:
    # app.close() forgets the connection pool but not the producer pool, which would keep
    # publishing to the broker an earlier test used.
    celery_app.close()
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def _match_for_webhook(world, rfc_key, receiver) -> None:
    _, receiver.secret = webhook_create(actor=Actor(organisation=world.org_b), url=receiver.url, events=[])
    for organisation in (world.org_a, world.org_b):
        report_submit(
            actor=Actor(organisation=organisation),
            items=[report_item(token_for(1), rfc_key.key_id)],
            policy={"visibility": "named"},
        )


def _webhook_delivery() -> Delivery:
    return Delivery.objects.get(channel="webhook")


def test_a_report_made_while_redis_is_down_is_delivered_once_it_is_back(
    world, rfc_key, receiver, redis, tmp_path
) -> None:
    worker = Worker(redis, tmp_path)
    try:
        with _broker(redis):
            redis.stop()
            started = time.monotonic()
            _match_for_webhook(world, rfc_key, receiver)  # must not raise with the broker down
            assert time.monotonic() - started < 15
            assert Match.objects.count() == 1
            assert _webhook_delivery().status == DeliveryStatus.PENDING
            redis.start()
            assert receiver.wait_for(1, timeout=90), Path(worker.log.name).read_text()[-3000:]
            _wait(lambda: _webhook_delivery().status == DeliveryStatus.DELIVERED, 30, "the delivery to be recorded")
            time.sleep(3)  # several sweeps later, still exactly once
    finally:
        worker.kill()
    assert len(receiver.received) == 1
    assert receiver.received[0].verified
    assert receiver.received[0].webhook_id == str(_webhook_delivery().message_id)


def test_a_worker_killed_mid_delivery_leaves_the_event_delivered_under_one_webhook_id(
    world, rfc_key, receiver, redis, tmp_path
) -> None:
    receiver.delay_first = 8  # the first worker dies while the receiver holds this request
    first = Worker(redis, tmp_path)
    second = None
    try:
        with _broker(redis):
            _match_for_webhook(world, rfc_key, receiver)
            assert receiver.wait_for(1, timeout=60), Path(first.log.name).read_text()[-3000:]
            first.kill()
            assert _webhook_delivery().status == DeliveryStatus.DELIVERING
            second = Worker(redis, tmp_path)
            _wait(lambda: _webhook_delivery().status == DeliveryStatus.DELIVERED, 90, "redelivery by the new worker")
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert len(receiver.received) >= 1
    assert len(set(receiver.ids())) == 1
    assert all(item.verified for item in receiver.received)
