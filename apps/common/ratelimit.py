"""Fixed-window rate limits in the cache for what DRF's throttles do not guard (public portal forms)."""

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


def rate_consume(*, key: str, rate: str, what: str) -> None:
    """Count one use of `key`; over the rate, LimitExceeded with the seconds until the window ends."""
    limit, period = rate_parse(rate)
    now = int(time.time())
    window_key = f"vigil-rate:{key}:{now // period}"
    cache.add(window_key, 0, timeout=period)
    if cache.incr(window_key) > limit:
        raise LimitExceeded(f"Too many {what}; try again later.", retry_after=period - now % period)
