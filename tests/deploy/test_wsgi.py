"""The web worker's entry point: the hub it loads, views included, is kept out of garbage collection, and
young objects are collected between requests."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc
import hub.wsgi
from apps.matching.api import views
tracked = {id(obj) for obj in gc.get_objects()}
print(gc.get_freeze_count() > 0, id(views.ScreenApi) in tracked, id(hub.wsgi.application) in tracked)
"""

BETWEEN_REQUESTS = """
import gc
import weakref
import hub.garbage
import hub.wsgi
from django.test import Client
first = Client().get("/api/v1/organisation")
left = weakref.ref(first)
del first
Client().get("/api/v1/organisation")
collections = []
for _ in range(120):
    Client().get("/api/v1/organisation")
    collections.append(gc.get_count())
older_bounded = all(count[1] <= 10 and count[2] <= 10 for count in collections)
print(gc.get_threshold()[0] == hub.garbage.YOUNG_THRESHOLD, left() is None, older_bounded)
"""


def _probe(code: str, tmp_path: Path) -> list[str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    probe = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"VIGIL_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    return probe.stdout.split()


def test_a_worker_freezes_the_loaded_hub_its_views_included(tmp_path) -> None:
    # Frozen objects are in the permanent generation, which the collector (and get_objects) leaves out.
    assert _probe(PROBE, tmp_path) == ["True", "False", "False"]


def test_a_worker_collects_between_requests_what_the_last_one_left(tmp_path) -> None:
    # The threshold is far above what a request allocates: only the collection as the next request starts
    # frees the first response (held in reference cycles); and the older generations are collected in
    # turn, or what survives a young collection would pile up there.
    assert _probe(BETWEEN_REQUESTS, tmp_path) == ["True", "True", "True"]
