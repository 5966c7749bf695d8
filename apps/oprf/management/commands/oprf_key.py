"""Manage OPRF keys: generate, import, rotate, list, retire, ensure, split one among trustees, or adopt one
the trustees generated jointly."""

import json
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.db import transaction

from apps.common.actors import SYSTEM
from apps.common.commands import ServiceCommand
from apps.common.errors import ValidationFailed
from apps.oprf import ceremony, services
from apps.oprf.models import KeyStatus, OprfKey


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
        split = sub.add_parser(
            "split", help="Split a key among trustees: one share file each, and the hub's copy erased."
        )
        split.add_argument("--key-id", help="The key to split (default: the current one).")
        split.add_argument("--threshold", type=int, required=True, help="How many trustees must answer (t).")
        split.add_argument(
            "--trustee", action="append", required=True, metavar="NAME=URL", help="One per trustee, in index order."
        )
        split.add_argument("--out-dir", required=True, type=Path, help="Where the share files are written (0600).")
        adopt = sub.add_parser(
            "adopt", help="Take on a key the trustees generated jointly: its public key and trustee set, pending."
        )
        adopt.add_argument("--public-key", required=True, help="As every trustee's import-generated printed it.")
        adopt.add_argument("--threshold", type=int, required=True)
        adopt.add_argument("--trustee", action="append", required=True, metavar="INDEX:NAME=URL:COMMITMENT")
        trustees = sub.add_parser("trustees", help="Publish a re-shared trustee set (checked against the key).")
        trustees.add_argument("key_id")
        trustees.add_argument("--threshold", type=int, required=True)
        trustees.add_argument("--trustee", action="append", required=True, metavar="INDEX:NAME=URL:COMMITMENT")

    def run(self, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list()
            return
        if action == "split":
            self._split(options)
            return
        if action == "trustees":
            specs = [_trustee_with_share(text) for text in options["trustee"]]
            key = ceremony.oprf_key_trustees_set(
                actor=SYSTEM, key_id=options["key_id"], threshold_count=options["threshold"], trustees=specs
            )
            self.stdout.write(f"{key.key_id} {key.threshold}-of-{len(specs)}")
            return
        if action == "adopt":
            try:
                public_key = bytes.fromhex(options["public_key"])
            except ValueError:
                raise ValidationFailed("--public-key must be hex.") from None
            specs = [_trustee_with_share(text) for text in options["trustee"]]
            key = ceremony.oprf_key_adopt(
                actor=SYSTEM, public_key=public_key, threshold_count=options["threshold"], trustees=specs
            )
            self.stdout.write(f"{key.key_id} {key.status}, {key.threshold}-of-{len(specs)} trustees")
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
        for key in OprfKey.objects.prefetch_related("trustees").order_by("created_at"):
            split = f"  {key.threshold}-of-{key.trustees.count()} trustees" if key.threshold else ""
            self.stdout.write(
                f"{key.key_id}  {key.status:8}  public {bytes(key.public_key).hex()}  "
                f"created {key.created_at:%Y-%m-%d}  retire after {key.retire_after or '-'}{split}"
            )

    def _split(self, options: dict[str, Any]) -> None:
        current = OprfKey.objects.filter(status=KeyStatus.CURRENT).first()
        key_id = options["key_id"] or (current.key_id if current is not None else "")
        if not key_id:
            raise ValidationFailed("There is no current key to split; name one with --key-id.")
        specs = [_trustee(text) for text in options["trustee"]]
        out: Path = options["out_dir"]
        out.mkdir(parents=True, exist_ok=True)
        # One transaction: if any file cannot be written the key stays whole at the hub, not lost.
        with transaction.atomic():
            documents = ceremony.oprf_key_split(
                actor=SYSTEM, key_id=key_id, threshold_count=options["threshold"], trustees=specs
            )
            for document in documents:
                path = out / f"{key_id}-{document['index']}-{document['trustee']}.share.json"
                # O_EXCL: never overwrite an earlier share; 0600: the share is a secret until its trustee imports it.
                with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
                    json.dump(document, file, indent=2)
                self.stdout.write(f"share {document['index']} for {document['trustee']}: {path}")
        self.stdout.write(f"{key_id} split {options['threshold']}-of-{len(specs)}; the hub holds no copy of it")


def _trustee(text: str) -> ceremony.TrusteeSpec:
    name, _, url = text.partition("=")
    if not name or not url.startswith(("http://", "https://")):
        raise ValidationFailed(f"--trustee must be NAME=URL with an http(s) URL, got {text!r}.")
    return ceremony.TrusteeSpec(name=name, url=url)


def _trustee_with_share(text: str) -> ceremony.TrusteeSpec:
    index, _, rest = text.partition(":")
    spec, _, commitment = rest.rpartition(":")
    try:
        parsed = _trustee(spec)
        return ceremony.TrusteeSpec(parsed.name, parsed.url, int(index), bytes.fromhex(commitment))
    except ValueError:
        raise ValidationFailed(f"--trustee must be INDEX:NAME=URL:COMMITMENT_HEX, got {text!r}.") from None


def _parse_secret(text: str) -> bytes:
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise ValidationFailed("--secret-hex must be hex.") from None
    if len(secret) != 32:
        raise ValidationFailed(f"--secret-hex must be 32 bytes (64 hex characters); got {len(secret)} bytes.")
    return secret
