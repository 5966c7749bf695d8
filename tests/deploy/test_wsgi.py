"""The web worker's entry point: the hub it loads, views included, is kept out of garbage collection."""

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


def test_a_worker_freezes_the_loaded_hub_its_views_included(tmp_path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env | {"VIGIL_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    # Frozen objects are in the permanent generation, which the collector (and get_objects) leaves out.
    assert probe.stdout.split() == ["True", "False", "False"]
