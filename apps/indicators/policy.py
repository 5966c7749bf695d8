"""Sharing policies: defaults, merging (hub < organisation < batch < item) and validation."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.indicators.models import Tlp, Visibility
from apps.organisations.models import Sector

DEFAULT_EXPIRY = timedelta(days=365)
MAX_EXPIRY = timedelta(days=5 * 365)
POLICY_FIELDS = (
    "visibility",
    "audience_sectors",
    "audience_include",
    "audience_exclude",
    "tlp",
    "expires_at",
    "sighting_alerts",
)
HUB_DEFAULTS: dict[str, Any] = {
    "visibility": Visibility.ANONYMOUS,
    "audience_sectors": [],
    "audience_include": [],
    "audience_exclude": [],
    "tlp": Tlp.AMBER,
    "sighting_alerts": True,
}


@dataclass
class CleanPolicy:
    visibility: str
    audience_sectors: list[str]
    audience_include: list[int]  # organisation ids
    audience_exclude: list[int]
    tlp: str
    expires_at: datetime
    sighting_alerts: bool
    errors: list[tuple[str, str]] = field(default_factory=list)


# Enum `.values` rebuilds its list on every call; a batch checks these 10,000 times.
_VISIBILITIES = tuple(Visibility.values)
_TLPS = tuple(Tlp.values)
_SECTORS = tuple(Sector.values)


def policy_merge(*layers: dict[str, Any] | None) -> dict[str, Any]:
    merged = dict(HUB_DEFAULTS)
    for layer in layers:
        merged.update({key: value for key, value in (layer or {}).items() if key in POLICY_FIELDS})
    return merged


def policy_clean(raw: dict[str, Any], *, slugs_to_ids: dict[str, int], now: datetime | None = None) -> CleanPolicy:
    """Validate a merged policy; problems are returned as (field, message) pairs, not raised."""
    now = now or timezone.now()
    errors: list[tuple[str, str]] = []
    visibility = raw.get("visibility")
    if visibility not in _VISIBILITIES:
        errors.append(("visibility", f"must be one of {', '.join(_VISIBILITIES)}"))
    tlp = raw.get("tlp")
    if tlp not in _TLPS:
        errors.append(("tlp", f"must be one of {', '.join(_TLPS)}"))
    sectors = raw.get("audience_sectors") or []
    if not isinstance(sectors, list) or any(sector not in _SECTORS for sector in sectors):
        errors.append(("audience_sectors", f"must be a list of sectors: {', '.join(_SECTORS)}"))
        sectors = []
    include = _organisation_ids(raw.get("audience_include"), "audience_include", slugs_to_ids, errors)
    exclude = _organisation_ids(raw.get("audience_exclude"), "audience_exclude", slugs_to_ids, errors)
    if set(include) & set(exclude):
        errors.append(("audience_exclude", "an organisation cannot be both included and excluded"))
    expires_at = _expiry(raw.get("expires_at"), now, errors)
    sighting_alerts = raw.get("sighting_alerts", True)
    if not isinstance(sighting_alerts, bool):
        errors.append(("sighting_alerts", "must be true or false"))
    return CleanPolicy(
        visibility=str(visibility),
        audience_sectors=sorted(set(sectors)),
        audience_include=include,
        audience_exclude=exclude,
        tlp=str(tlp),
        expires_at=expires_at,
        sighting_alerts=bool(sighting_alerts),
        errors=errors,
    )


def _organisation_ids(value: Any, name: str, slugs_to_ids: dict[str, int], errors: list[tuple[str, str]]) -> list[int]:
    if not value:
        return []
    if not isinstance(value, list) or not all(isinstance(slug, str) for slug in value):
        errors.append((name, "must be a list of organisation slugs"))
        return []
    unknown = [slug for slug in value if slug not in slugs_to_ids]
    if unknown:
        errors.append((name, f"unknown organisation(s): {', '.join(unknown)}"))
    return sorted({slugs_to_ids[slug] for slug in value if slug in slugs_to_ids})


def _expiry(value: Any, now: datetime, errors: list[tuple[str, str]]) -> datetime:
    if value in (None, ""):
        return now + DEFAULT_EXPIRY
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is None or parsed.tzinfo is None:
        errors.append(("expires_at", "must be an ISO 8601 date-time with a time zone"))
        return now + DEFAULT_EXPIRY
    if parsed <= now:
        errors.append(("expires_at", "must be in the future"))
    elif parsed - now > MAX_EXPIRY:
        errors.append(("expires_at", "must be within five years"))
    return parsed


def referenced_slugs(*layers: dict[str, Any] | None) -> set[str]:
    slugs: set[str] = set()
    for layer in layers:
        for name in ("audience_include", "audience_exclude"):
            value = (layer or {}).get(name)
            if isinstance(value, list):
                slugs.update(slug for slug in value if isinstance(slug, str))
    return slugs
