"""Create an API key for an organisation; the secret alone is printed on the last line."""

from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from apps.common.actors import SYSTEM
from apps.common.commands import ServiceCommand
from apps.common.errors import ValidationFailed
from apps.organisations.selectors import organisation_get_by_slug
from apps.organisations.services import api_key_create


def _parse_expiry(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise ValidationFailed(f"--expires must be an ISO 8601 date-time with a time zone, got {value!r}.")
    return parsed


class Command(ServiceCommand):
    help = "Create an API key; prints the secret alone on the last line of standard output."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--organisation", required=True, help="Organisation slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", required=True, help="Comma-separated: report,screen,read,manage")
        parser.add_argument("--expires", help="ISO 8601 date-time with zone, e.g. 2027-01-01T00:00:00Z")

    def run(self, **options: Any) -> None:
        organisation = organisation_get_by_slug(slug=options["organisation"])
        api_key, secret = api_key_create(
            actor=SYSTEM,
            organisation=organisation,
            name=options["name"],
            scopes=options["scopes"],
            expires_at=_parse_expiry(options["expires"]),
        )
        self.stdout.write(f"API key {api_key.name!r} for {organisation.slug}, scopes {','.join(api_key.scopes)}:")
        self.stdout.write(secret)
