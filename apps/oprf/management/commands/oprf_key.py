"""Manage OPRF keys: generate, import, rotate, list, retire, ensure."""

from argparse import ArgumentParser
from typing import Any

from apps.common.actors import SYSTEM
from apps.common.commands import ServiceCommand
from apps.common.errors import ValidationFailed
from apps.oprf import services
from apps.oprf.models import OprfKey


class Command(ServiceCommand):
    help = "Manage the hub's OPRF keys (secret keys are stored encrypted and never printed)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate", help="Add a key from the CSPRNG (current if none is).")
        generate.add_argument("--activate", action="store_true", help="Make it current now.")
        imported = sub.add_parser("import", help="Add a key from its secret scalar (migration, test vectors).")
        imported.add_argument("--secret-hex", required=True, help="32-byte little-endian scalar as hex")
        imported.add_argument("--no-activate", action="store_true", help="Keep it pending.")
        sub.add_parser("rotate", help="Make the newest pending key (or a new one) current.")
        sub.add_parser("list", help="List keys and their status.")
        retire = sub.add_parser("retire", help="Retire a key that is not current.")
        retire.add_argument("key_id")
        sub.add_parser("ensure", help="Create a current key if there is none (idempotent).")

    def run(self, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list()
            return
        if action == "generate":
            key = services.oprf_key_add(actor=SYSTEM, activate=options["activate"])
        elif action == "import":
            key = services.oprf_key_add(
                actor=SYSTEM, secret_key=_parse_secret(options["secret_hex"]), activate=not options["no_activate"]
            )
        elif action == "rotate":
            key = services.oprf_key_rotate(actor=SYSTEM)
        elif action == "retire":
            key = services.oprf_key_retire(actor=SYSTEM, key_id=options["key_id"])
        else:
            key = services.oprf_key_ensure(actor=SYSTEM)
        self.stdout.write(f"{key.key_id} {key.status}")

    def _list(self) -> None:
        for key in OprfKey.objects.order_by("created_at"):
            self.stdout.write(
                f"{key.key_id}  {key.status:8}  public {bytes(key.public_key).hex()}  "
                f"created {key.created_at:%Y-%m-%d}  retire after {key.retire_after or '-'}"
            )


def _parse_secret(text: str) -> bytes:
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise ValidationFailed("--secret-hex must be hex.") from None
    if len(secret) != 32:
        raise ValidationFailed(f"--secret-hex must be 32 bytes (64 hex characters); got {len(secret)} bytes.")
    return secret
