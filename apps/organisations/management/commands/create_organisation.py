"""Create a member organisation (active unless --pending) and print its slug."""

from argparse import ArgumentParser
from typing import Any

from apps.common.actors import SYSTEM
from apps.common.commands import ServiceCommand
from apps.organisations.models import Sector
from apps.organisations.services import organisation_create


class Command(ServiceCommand):
    help = "Create a member organisation; prints its slug."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--sector", required=True, choices=Sector.values)
        parser.add_argument("--jurisdiction", required=True, help="ISO 3166-1 alpha-2, e.g. GB")
        parser.add_argument("--contact-name", default="")
        parser.add_argument("--contact-email", default="")
        parser.add_argument("--contact-phone", default="")
        parser.add_argument("--pending", action="store_true", help="Leave it pending approval by a hub administrator.")

    def run(self, **options: Any) -> None:
        organisation = organisation_create(
            actor=SYSTEM,
            name=options["name"],
            sector=options["sector"],
            jurisdiction=options["jurisdiction"],
            contact_name=options["contact_name"],
            contact_email=options["contact_email"],
            contact_phone=options["contact_phone"],
            pending=options["pending"],
        )
        self.stdout.write(organisation.slug)
