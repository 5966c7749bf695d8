"""WSGI entry point (gunicorn hub.wsgi)."""

import gc
import os
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()

# What a worker has loaded lives as long as the worker: frozen, the collector stops walking it. A
# 1,000-token screening allocates enough to set off a full collection every few requests, and walking
# the whole loaded hub each time was a quarter of that screening's CPU. The URLconf, which imports every
# view, would otherwise load with the first request, after the freeze: a third of what a worker holds.
import_module(settings.ROOT_URLCONF)
gc.freeze()

# Young objects are collected once each response is done, when what the request held is gone, rather
# than every 700 allocations while it is still alive: a 1,000-token screening was walked about eight
# times a request, 2-3 ms of its 18 ms of CPU, and now about 0.2 ms. Beyond this many allocations (a
# 10,000-report batch) the collector still runs during a request.
YOUNG_THRESHOLD = 100_000
gc.set_threshold(YOUNG_THRESHOLD)


def _collect_young(**kwargs: Any) -> None:
    gc.collect(0)


request_finished.connect(_collect_young, dispatch_uid="hub.wsgi.collect_young")
