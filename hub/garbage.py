"""How a web worker collects garbage: what it loaded is frozen out of the collector, the rest is collected
between requests."""

import gc
from typing import Any

from django.core.signals import request_started

# Garbage is collected between requests rather than every 700 allocations during them, while what the
# request holds is still alive: a 1,000-token screening was walked about eight times a request, 2-3 ms
# of its 18 ms of CPU. At the start of each request the previous one's objects are all garbage; the
# older generations are collected on the collector's own schedule (every 10th and 100th time), which
# the raised threshold would otherwise leave to the rare request that allocates this much (a
# 10,000-report batch), for which the collector still runs during the request.
YOUNG_THRESHOLD = 100_000


def collect_between_requests() -> None:
    """Freeze what the process holds now and collect the rest as each request starts.

    What a worker has loaded lives as long as the worker: frozen, the collector stops walking it. A
    1,000-token screening allocates enough to set off a full collection every few requests, and walking
    the whole loaded hub each time was a quarter of that screening's CPU.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD)
    request_started.connect(_collect, dispatch_uid="hub.garbage.collect")


def _collect(**kwargs: Any) -> None:
    _, young_collections, middle_collections = gc.get_count()
    _, older_every, oldest_every = gc.get_threshold()
    if middle_collections >= oldest_every:
        gc.collect(2)
    elif young_collections >= older_every:
        gc.collect(1)
    else:
        gc.collect(0)
