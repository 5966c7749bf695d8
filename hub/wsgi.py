"""WSGI entry point (gunicorn hub.wsgi)."""

import gc
import os
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.signals import request_started
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()

# What a worker has loaded lives as long as the worker: frozen, the collector stops walking it. A
# 1,000-token screening allocates enough to set off a full collection every few requests, and walking
# the whole loaded hub each time was a quarter of that screening's CPU. The URLconf, which imports every
# view, would otherwise load with the first request, after the freeze: a third of what a worker holds.
import_module(settings.ROOT_URLCONF)
gc.freeze()

# Garbage is collected between requests rather than every 700 allocations during them, while what the
# request holds is still alive: a 1,000-token screening was walked about eight times a request, 2-3 ms
# of its 18 ms of CPU. At the start of each request the previous one's objects are all garbage; the
# older generations are collected on the collector's own schedule (every 10th and 100th time), which
# the raised threshold would otherwise leave to the rare request that allocates this much (a
# 10,000-report batch), for which the collector still runs during the request.
YOUNG_THRESHOLD = 100_000
gc.set_threshold(YOUNG_THRESHOLD)
_, _OLDER_EVERY, _OLDEST_EVERY = gc.get_threshold()


def _collect_between_requests(**kwargs: Any) -> None:
    _, young_collections, middle_collections = gc.get_count()
    if middle_collections >= _OLDEST_EVERY:
        gc.collect(2)
    elif young_collections >= _OLDER_EVERY:
        gc.collect(1)
    else:
        gc.collect(0)


request_started.connect(_collect_between_requests, dispatch_uid="hub.wsgi.collect_between_requests")
