"""Give the application's database role its privileges: all it needs, but the audit table only SELECT and INSERT."""

from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.audit.roles import RoleError, app_role_grant


class Command(BaseCommand):
    help = (
        "Run as the owner after `migrate`: grant ROLE (which web, worker and beat connect as) ordinary privileges "
        "on every table and sequence, and only SELECT and INSERT on the audit table."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("role")

    def handle(self, *args: object, role: str, **options: object) -> None:
        try:
            with transaction.atomic():
                statements = app_role_grant(role=role)
        except RoleError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{role}: {len(statements)} grants; the audit table is SELECT and INSERT only")
