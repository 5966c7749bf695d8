"""Verify the audit hash chain and name the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from apps.audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit non-zero naming the first broken event."

    def handle(self, *args: object, **options: object) -> None:
        verdict = audit_chain_verify()
        if not verdict.ok:
            raise CommandError(
                f"audit chain broken at event {verdict.broken_id}: {verdict.reason} "
                f"({verdict.checked} events verified before it)"
            )
        self.stdout.write(f"audit chain intact: {verdict.checked} events verified")
