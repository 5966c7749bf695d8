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
import hub.wsgi
from django.test import Client
young = []
for _ in range(3):
    Client().get("/api/v1/organisation")
    young.append(gc.get_count()[0])
print(gc.get_threshold()[0] == hub.wsgi.YOUNG_THRESHOLD, max(young))
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


def test_a_worker_collects_young_objects_when_each_response_is_done(tmp_path) -> None:
    raised, young = _probe(BETWEEN_REQUESTS, tmp_path)
    # A request allocates thousands of objects, far fewer than the threshold: only the collection at its
    # end leaves the young generation nearly empty.
    assert raised == "True"
    assert int(young) < 100
