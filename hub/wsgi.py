"""WSGI entry point (gunicorn hub.wsgi)."""

import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()

# What a worker has loaded lives as long as the worker: frozen, the collector stops walking it. A
# 1,000-token screening allocates enough to set off a full collection every few requests, and walking
# the whole loaded hub each time was a quarter of that screening's CPU. The URLconf, which imports every
# view, would otherwise load with the first request, after the freeze: a third of what a worker holds.
import_module(settings.ROOT_URLCONF)
gc.freeze()
