"""Export a signed checkpoint of the audit chain's newest event, to a file or by e-mail."""

from argparse import ArgumentParser
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError

from apps.audit.checkpoints import CheckpointError, checkpoint_create, checkpoint_export, public_key_hex


class Command(BaseCommand):
    help = (
        "Sign the chain's newest event (id, MAC, count, time) with VIGIL_AUDIT_SIGNING_KEY. Keep checkpoints "
        "away from the hub; `verify_audit --checkpoint FILE` then detects deleted or rewritten events."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", type=Path, help="write the checkpoint to this file ('-' for stdout)")
        parser.add_argument("--email", action="append", default=[], help="e-mail it to this address (repeatable)")
        parser.add_argument("--public-key", action="store_true", help="print the public key that verifies them")

    def handle(self, *args: object, output: Path | None, email: list[str], public_key: bool, **options: object) -> None:
        try:
            if public_key:
                self.stdout.write(public_key_hex())
                return
            if output is None and not email:
                raise CommandError("Say where the checkpoint goes: --output PATH and/or --email ADDRESS.")
            checkpoint = checkpoint_create()
            document = checkpoint_export(checkpoint)
        except CheckpointError as exc:
            raise CommandError(str(exc)) from None
        name = f"audit-checkpoint-{checkpoint.event_id}.json"
        if output is not None and str(output) == "-":
            self.stdout.write(document, ending="")
        elif output is not None:
            output.write_text(document)
            self.stderr.write(f"checkpoint of event {checkpoint.event_id} written to {output}")
        if email:
            message = EmailMessage(
                subject=f"Vigil audit checkpoint: event {checkpoint.event_id}",
                body=f"Keep the attached file: `manage.py verify_audit --checkpoint {name}` checks the trail.",
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=email,
            )
            message.attach(name, document, "application/json")
            message.send()
            self.stderr.write(f"checkpoint of event {checkpoint.event_id} e-mailed to {', '.join(email)}")
