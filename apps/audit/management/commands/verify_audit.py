"""Verify the audit MAC chain, and that it still holds every signed checkpoint given."""

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.audit.checkpoints import CheckpointError, checkpoint_holds, checkpoint_load, public_key_hex
from apps.audit.services import audit_chain_verify

CHAIN_BROKEN = 1
CHECKPOINT_UNUSABLE = 2
CHECKPOINT_MISSING = 3


class Command(BaseCommand):
    help = (
        "Walk the audit MAC chain and check signed checkpoints against it. Exit 0 when all holds; "
        f"{CHAIN_BROKEN} when a link or event is broken; {CHECKPOINT_UNUSABLE} when a checkpoint cannot be read "
        f"or its signature fails; {CHECKPOINT_MISSING} when the chain lost or changed a checkpointed event."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--checkpoint", type=Path, action="append", default=[], help="checkpoint file (repeatable)")
        parser.add_argument("--public-key", help="hex Ed25519 public key (default: derived from the signing key)")

    def handle(self, *args: object, checkpoint: list[Path], public_key: str | None, **options: object) -> None:
        verdict = audit_chain_verify()
        if not verdict.ok:
            raise CommandError(
                f"audit chain broken at event {verdict.broken_id}: {verdict.reason} "
                f"({verdict.checked} events verified before it)",
                returncode=CHAIN_BROKEN,
            )
        self.stdout.write(f"audit chain intact: {verdict.checked} events verified")
        if not checkpoint:
            return
        try:
            public_key = public_key or public_key_hex()
        except CheckpointError as exc:
            raise CommandError(f"{exc} Give --public-key.", returncode=CHECKPOINT_UNUSABLE) from None
        for path in checkpoint:
            try:
                loaded = checkpoint_load(path.read_text(), public_key=public_key)
            except (OSError, CheckpointError) as exc:
                raise CommandError(f"checkpoint {path}: {exc}", returncode=CHECKPOINT_UNUSABLE) from None
            problem = checkpoint_holds(loaded)
            if problem:
                raise CommandError(f"checkpoint {path} ({loaded.created_at}): {problem}", returncode=CHECKPOINT_MISSING)
            self.stdout.write(f"checkpoint {path}: event {loaded.event_id} of {loaded.created_at} is in the chain")
