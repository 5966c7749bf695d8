"""A briefly unreachable database or broker is a 503 with Retry-After, never a 500 or a debug page."""

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as BrokerError

# Clients back off and retry (the Idempotency-Key makes a retried write safe).
RETRY_AFTER_SECONDS = 5

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionInterrupted,
    BrokerError,
)


def is_transient(exc: BaseException | None) -> bool:
    return isinstance(exc, TRANSIENT_ERRORS)
