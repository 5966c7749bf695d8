"""Fixed-window rate limits counted in the cache: one increment a use, whatever the rate."""

import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from apps.common.errors import LimitExceeded

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def rate_parse(rate: str) -> tuple[int, int]:
    """'5/hour' -> (5, 3600); the unit is read by its first letter, as DRF reads it."""
    try:
        count, unit = rate.split("/")
        return int(count), _PERIODS[unit.strip()[0].lower()]
    except (ValueError, KeyError, IndexError):
        raise ImproperlyConfigured(f"A rate is N/sec, N/min, N/hour or N/day; got {rate!r}") from None


def window_count(*, key: str, limit: int, period: int) -> int | None:
    """Count one use of `key` in this window; over `limit`, return the seconds until the window ends."""
    now = int(time.time())
    window_key = f"vigil-rate:{key}:{now // period}"
    try:
        used = cache.incr(window_key)
    except ValueError:  # the window's first use (or a race with it)
        used = 1 if cache.add(window_key, 1, timeout=period) else cache.incr(window_key)
    return period - now % period if used > limit else None


def rate_consume(*, key: str, rate: str, what: str) -> None:
    """Count one use of `key`; over the rate, LimitExceeded with the seconds until the window ends."""
    limit, period = rate_parse(rate)
    retry_after = window_count(key=key, limit=limit, period=period)
    if retry_after is not None:
        raise LimitExceeded(f"Too many {what}; try again later.", retry_after=retry_after)
