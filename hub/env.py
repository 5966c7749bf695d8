"""Typed environment readers that fail loudly and remember every variable the settings read."""

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str | None
    help: str


# Every variable read through these helpers, so tests can check the README and docker-compose.yml.
REGISTRY: dict[str, EnvVar] = {}


def _read(name: str, default: str | None, help: str) -> str | None:
    REGISTRY[name] = EnvVar(name, default, help)
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_str(name: str, default: str | None = None, *, help: str) -> str | None:
    return _read(name, default, help)


def env_bool(name: str, default: bool, *, help: str) -> bool:
    value = _read(name, "true" if default else "false", help)
    lowered = (value or "").strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {value!r}")


def env_int(name: str, default: int, *, help: str) -> int:
    value = _read(name, str(default), help)
    try:
        return int(value or "")
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str, *, help: str) -> list[str]:
    value = _read(name, default, help) or ""
    return [item.strip() for item in value.split(",") if item.strip()]
