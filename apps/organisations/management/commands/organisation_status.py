"""Approve, suspend or reinstate an organisation from the command line."""

from argparse import ArgumentParser
from typing import Any

from apps.common.actors import SYSTEM
from apps.common.commands import ServiceCommand
from apps.organisations.selectors import organisation_get_by_slug
from apps.organisations.services import organisation_change_status


class Command(ServiceCommand):
    help = "Change an organisation's status: approve, suspend or reinstate."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("transition", choices=["approve", "suspend", "reinstate"])
        parser.add_argument("slug")
        parser.add_argument("--reason", default="")

    def run(self, **options: Any) -> None:
        organisation = organisation_get_by_slug(slug=options["slug"])
        organisation = organisation_change_status(
            actor=SYSTEM, organisation=organisation, transition=options["transition"], reason=options["reason"]
        )
        self.stdout.write(f"{organisation.slug}: {organisation.status}")
