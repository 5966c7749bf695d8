"""The client rides out a briefly unavailable hub, within a time bound, and re-sends only what is safe."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from vigil_client.hub import Hub, HubError, RetryPolicy

FAST = RetryPolicy(total_seconds=5, first_delay=0.01, max_delay=0.05)


class FlakyHub(ThreadingHTTPServer):
    """Answers `failures` (status codes, or 0 to drop the connection) in turn, then 200."""

    def __init__(self, failures: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        self.failures = list(failures)
        self.seen: list[tuple[str, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FlakyHandler(BaseHTTPRequestHandler):
    server: FlakyHub

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.seen.append((self.command, dict(self.headers)))
        status = self.server.failures.pop(0) if self.server.failures else 200
        if status == 0:
            self.connection.shutdown(socket.SHUT_RDWR)  # the connection breaks with no answer
            return
        body = json.dumps({"slug": "alpha-bank"} if status == 200 else {"detail": "briefly down"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer


@pytest.fixture
def flaky() -> Iterator[callable]:
    servers: list[FlakyHub] = []

    def start(failures: list[int]) -> FlakyHub:
        server = FlakyHub(failures)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_read_is_retried_through_503_502_504_and_a_dropped_connection(flaky) -> None:
    server = flaky([503, 502, 0, 504])
    hub = Hub(server.url, "vigil_x_y", retry=FAST)
    assert hub.organisation() == {"slug": "alpha-bank"}
    assert len(server.seen) == 5


def test_a_report_batch_is_retried_with_the_same_idempotency_key(flaky) -> None:
    server = flaky([503, 503])
    hub = Hub(server.url, "vigil_x_y", retry=FAST)
    hub.report_batch({"items": []}, "run-1-batch-1")
    keys = [headers.get("Idempotency-Key") for method, headers in server.seen]
    assert keys == ["run-1-batch-1"] * 3


def test_a_screen_recording_a_sighting_is_not_blindly_re_sent_after_a_503(flaky) -> None:
    server = flaky([503])
    hub = Hub(server.url, "vigil_x_y", retry=FAST)
    with pytest.raises(HubError, match="503"):
        hub.screen("k", ["t"], record_sighting=True)
    assert len(server.seen) == 1


def test_it_gives_up_with_a_clear_error_once_the_time_bound_is_spent(flaky) -> None:
    server = flaky([503] * 1_000)
    hub = Hub(server.url, "vigil_x_y", retry=RetryPolicy(total_seconds=0.5, first_delay=0.05, max_delay=0.1))
    started = time.monotonic()
    with pytest.raises(HubError, match=r"Gave up after \d+ attempt\(s\) over .*retry bound 0.5s.*503") as error:
        hub.organisation()
    assert time.monotonic() - started < 1.5
    assert error.value.status == 503
    assert len(server.seen) > 2


def test_an_unreachable_hub_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again on leaving: nothing listens there
    hub = Hub(f"http://127.0.0.1:{port}", "vigil_x_y", retry=RetryPolicy(total_seconds=0.3, first_delay=0.05))
    with pytest.raises(HubError, match=r"Gave up after .*cannot reach the hub"):
        hub.organisation()


def test_a_hub_address_that_cannot_work_is_reported_at_once_not_retried() -> None:
    hub = Hub("127.0.0.1:8000", "vigil_x_y", retry=RetryPolicy(total_seconds=30, first_delay=5))
    started = time.monotonic()
    with pytest.raises(HubError, match="Cannot talk to the hub"):
        hub.organisation()
    assert time.monotonic() - started < 2  # no backoff: a URL without a scheme does not heal by waiting


def test_the_bound_comes_from_vigil_retry_seconds(monkeypatch) -> None:
    monkeypatch.setenv("VIGIL_RETRY_SECONDS", "7.5")
    assert RetryPolicy.from_env().total_seconds == 7.5
    monkeypatch.setenv("VIGIL_RETRY_SECONDS", "soon")
    with pytest.raises(HubError, match="VIGIL_RETRY_SECONDS"):
        RetryPolicy.from_env()
