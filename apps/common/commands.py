"""Base for management commands: domain errors become clean CommandErrors, acts are audited as system."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import VigilError


class ServiceCommand(BaseCommand):
    """Subclasses implement `run`; a VigilError ends the command with its message and exit code 1."""

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.run(**options)
        except VigilError as exc:
            raise CommandError(exc.detail) from None

    def run(self, **options: Any) -> None:
        raise NotImplementedError
