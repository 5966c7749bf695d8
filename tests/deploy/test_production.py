"""Production configuration: check --deploy, docker-compose.yml and the README agree with the settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hub.env import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "VIGIL_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "VIGIL_KEY_ENCRYPTION_KEY": "ab" * 32,
    "VIGIL_AUDIT_MAC_KEY": "cd" * 32,
    "DATABASE_URL": "postgres://vigil:pw@postgres:5432/vigil",
    "REDIS_URL": "redis://redis:6379/0",
    "ALLOWED_HOSTS": "hub.example.org",
    "POSTGRES_PASSWORD": "pw",
    "POSTGRES_APP_PASSWORD": "app-pw",
}


# Set for the browser tests' sake in this process; a production process never has it.
_TEST_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in REGISTRY and key not in _TEST_ONLY}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=120
    )


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Docker Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} forms."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise AssertionError(f"compose requires {name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", replace, text)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(_interpolate((ROOT / "docker-compose.yml").read_text(), PRODUCTION_ENV))


def test_check_deploy_is_clean_in_production_mode() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_for_a_trustee_admitting_its_portal_origin() -> None:
    env = PRODUCTION_ENV | {"VIGIL_ROLE": "trustee", "VIGIL_TRUSTEE_ALLOWED_ORIGINS": "https://hub.example.org"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "VIGIL_KEY_ENCRYPTION_KEY", "VIGIL_AUDIT_MAC_KEY", "DATABASE_URL", "REDIS_URL"]
)
def test_production_refuses_to_start_without_a_required_variable(missing: str) -> None:
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


def test_compose_runs_web_worker_beat_postgres_and_redis(compose: dict) -> None:
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(services)
    assert services["web"]["command"][:2] == ["gunicorn", "hub.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "hub", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "hub", "beat"]
    assert services["migrate"]["command"] == [
        "sh",
        "-c",
        "python manage.py migrate --noinput && python manage.py db_app_role vigil_app",
    ]


@pytest.mark.parametrize("service", ["web", "worker", "beat", "migrate"])
def test_compose_gives_each_hub_process_a_valid_production_environment(compose: dict, service: str) -> None:
    # An empty value in compose means "not set", as Docker Compose treats it.
    environment = {
        key: str(value) for key, value in compose["services"][service]["environment"].items() if value is not None
    }
    unknown = set(environment) - set(REGISTRY)
    assert not unknown, f"compose sets variables the settings never read: {unknown}"
    assert environment["VIGIL_ENV"] == "production"
    assert environment["DATABASE_URL"].split("@")[1].startswith("postgres:5432/")
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=environment)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_migrates_as_the_owner_and_runs_the_hub_as_the_restricted_app_role(compose: dict) -> None:
    services = compose["services"]
    postgres = services["postgres"]["environment"]
    database = f"@postgres:5432/{postgres['POSTGRES_DB']}"
    owner = f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}{database}"
    app = f"postgres://{postgres['VIGIL_APP_DB_USER']}:{postgres['VIGIL_APP_DB_PASSWORD']}{database}"
    assert postgres["VIGIL_APP_DB_USER"] != postgres["POSTGRES_USER"]
    assert services["migrate"]["environment"]["DATABASE_URL"] == owner
    for service in ("web", "worker", "beat"):
        assert services[service]["environment"]["DATABASE_URL"] == app, service
    assert services["migrate"]["command"][-1].endswith(f"db_app_role {postgres['VIGIL_APP_DB_USER']}")


def test_compose_creates_the_app_role_when_postgres_first_starts(compose: dict) -> None:
    mounts = {mount.split(":")[1]: mount.split(":")[0] for mount in compose["services"]["postgres"]["volumes"]}
    script = mounts["/docker-entrypoint-initdb.d/10-app-role.sh"]
    text = (ROOT / script).read_text()
    assert "CREATE ROLE :\"app_user\" LOGIN PASSWORD :'app_password'" in text
    assert "$VIGIL_APP_DB_USER" in text
    assert "$VIGIL_APP_DB_PASSWORD" in text
    assert "SUPERUSER" not in text.replace("NOSUPERUSER", "")


def test_the_readme_documents_every_environment_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    undocumented = [name for name in REGISTRY if f"`{name}`" not in readme]
    assert not undocumented, f"README does not document: {undocumented}"
