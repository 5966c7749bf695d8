"""WSGI entry point (gunicorn hub.wsgi)."""

import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from hub.garbage import collect_between_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
application = get_wsgi_application()

# The URLconf, which imports every view, would otherwise load with the first request, after the freeze:
# a third of what a worker holds.
import_module(settings.ROOT_URLCONF)
collect_between_requests()
