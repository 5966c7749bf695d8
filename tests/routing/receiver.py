"""A real local HTTP webhook receiver that verifies Standard Webhooks signatures."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    verified: bool
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    secret: str = ""
    status: int = 200
    delay_first: float = 0.0  # hold the first request this long before answering
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/vigil"

    def ids(self) -> list[str]:
        return [item.webhook_id for item in self.received]

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.05)
        return False


def start_receiver(receiver: Receiver) -> Receiver:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {key.lower(): value for key, value in self.headers.items()}
            verified = True
            try:
                Webhook(receiver.secret).verify(body, headers)
            except (WebhookVerificationError, ValueError):
                verified = False
            first = not receiver.received
            receiver.received.append(Received(headers.get("webhook-id", ""), verified, body, headers))
            if first and receiver.delay_first:
                time.sleep(receiver.delay_first)
            self.send_response(receiver.status if verified else 400)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver
