"""Sending one delivery: a signed webhook POST to a checked address, or an e-mail."""

import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import certifi
import httpx
from django.conf import settings
from django.core.mail import send_mail
from standardwebhooks.webhooks import Webhook

from apps.common.errors import ValidationFailed
from apps.routing.ssrf import webhook_target

WEBHOOK_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
# Loading the CA bundle costs tens of milliseconds; do it once, not per delivery. Each delivery
# still gets its own client and connection, since connections go to a checked address.
_TLS = ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class AttemptResult:
    success: bool
    latency_ms: int
    status_code: int | None = None
    error: str = ""


def webhook_headers(*, secret: str, message_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers for `body`."""
    at = at or datetime.now(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
        "user-agent": "Vigil-Webhooks/1",
    }


def webhook_post(*, url: str, secret: str, message_id: str, body: str) -> AttemptResult:
    started = time.monotonic()
    try:
        target = webhook_target(url)
    except ValidationFailed as exc:
        return AttemptResult(False, 0, error=f"refused target: {exc.detail}")
    parts = urlsplit(url)
    # Connect to the address that was checked, naming the host for HTTP and TLS (no DNS rebinding).
    literal = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    pinned = urlunsplit((parts.scheme, f"{literal}:{target.port}", parts.path or "/", parts.query, ""))
    headers = webhook_headers(secret=secret, message_id=message_id, body=body)
    headers["host"] = parts.netloc
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False, verify=_TLS) as client:
            response = client.post(pinned, content=body.encode(), headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return AttemptResult(False, _elapsed(started), error=f"{exc.__class__.__name__}: {exc}"[:500])
    success = 200 <= response.status_code < 300
    return AttemptResult(
        success, _elapsed(started), response.status_code, "" if success else f"HTTP {response.status_code}"
    )


def email_send(*, to: str, subject: str, text: str) -> AttemptResult:
    started = time.monotonic()
    if not to:
        return AttemptResult(False, 0, error="the organisation has no contact e-mail")
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except Exception as exc:  # any mail transport failure is retried like a webhook failure
        return AttemptResult(False, _elapsed(started), error=f"{exc.__class__.__name__}: {exc}"[:500])
    return AttemptResult(True, _elapsed(started))


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
