"""Create a member of an organisation, or a hub administrator; prints a generated password once."""

from argparse import ArgumentParser
from typing import Any

from apps.common.actors import SYSTEM
from apps.common.commands import ServiceCommand
from apps.common.errors import ValidationFailed
from apps.organisations.models import Role
from apps.organisations.selectors import organisation_get_by_slug
from apps.organisations.services import user_create


class Command(ServiceCommand):
    help = "Create a user in an organisation (--organisation SLUG --role ROLE) or a hub administrator (--hub-admin)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--organisation", help="Slug of the user's organisation.")
        parser.add_argument("--role", choices=Role.values, default=Role.ANALYST)
        parser.add_argument("--hub-admin", action="store_true", help="A hub administrator, in no organisation.")
        parser.add_argument("--password", help="Omit to generate one; it is printed once.")

    def run(self, **options: Any) -> None:
        if bool(options["organisation"]) == options["hub_admin"]:
            raise ValidationFailed("Give exactly one of --organisation SLUG or --hub-admin.")
        organisation = organisation_get_by_slug(slug=options["organisation"]) if options["organisation"] else None
        user, password = user_create(
            actor=SYSTEM,
            organisation=organisation,
            username=options["username"],
            email=options["email"],
            role=options["role"],
            password=options["password"],
            hub_admin=options["hub_admin"],
        )
        if not options["password"]:
            self.stdout.write(f"password for {user.get_username()} (shown once):")
            self.stdout.write(password)
