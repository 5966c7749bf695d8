"""The portal's JavaScript: the committed bundle is what the pinned sources build, and its Node tests pass.

Node.js and npm are part of the toolchain, like PostgreSQL: without them these tests fail, they never skip.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FRONTEND = ROOT / "frontend"
BUNDLE = ROOT / "apps" / "portal" / "static" / "portal" / "vigil.js"
NODE_MAJOR = 20  # @noble/curves 2 needs it


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not on PATH: building and testing the portal's JavaScript needs Node.js 20+ and npm")
    return path


def _run(*args: str, cwd: Path = FRONTEND) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"`{' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed() -> None:
    """The pinned packages of frontend/package-lock.json, installed once if they are missing."""
    version = _run(_tool("node"), "--version").stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < NODE_MAJOR:
        pytest.fail(f"Node.js {version} is too old: the portal's JavaScript needs Node.js {NODE_MAJOR}+")
    if not (FRONTEND / "node_modules").is_dir():
        _run(_tool("npm"), "ci", "--prefer-offline", "--no-audit", "--no-fund")


def test_the_committed_bundle_is_byte_for_byte_what_npm_run_build_makes(installed: None, tmp_path: Path) -> None:
    built = tmp_path / "vigil.js"
    _run(_tool("npm"), "run", "--silent", "build", "--", str(built))
    assert built.read_bytes() == BUNDLE.read_bytes(), "stale bundle: run `npm run build` in frontend/ and commit it"


def test_the_node_test_suite_passes(installed: None) -> None:
    result = _run(_tool("node"), "--test", "frontend/test/", cwd=ROOT)
    assert "# fail 0" in result.stdout
