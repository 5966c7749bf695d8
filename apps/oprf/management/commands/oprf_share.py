"""A trustee's side of the key ceremony: generate a key jointly or import a dealer's share, re-share to a
new trustee set, list, retire."""

import json
import os
from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction

from apps.common.actors import SYSTEM
from apps.common.commands import ServiceCommand
from apps.common.errors import ValidationFailed
from apps.oprf import ceremony
from apps.oprf.selectors import key_share_list


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValidationFailed(f"Cannot read share document {path}: {error}") from None
    if not isinstance(document, dict):
        raise ValidationFailed(f"{path} is not a share document.")
    return document


class Command(ServiceCommand):
    help = "Manage this trustee's shares of split OPRF keys (shares are stored encrypted and never printed)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser("import", help="Take this trustee's share from the dealer's share file.")
        imported.add_argument("file", type=Path)
        imported.add_argument("--delete", action="store_true", help="Delete the share file once stored.")
        reshare = sub.add_parser("reshare", help="Send this share's part to a new trustee set (one file each).")
        reshare.add_argument("key_id")
        reshare.add_argument(
            "--holders", required=True, help="Comma-separated indexes of the old trustees taking part."
        )
        reshare.add_argument("--threshold", type=int, required=True, help="t of the new set.")
        reshare.add_argument("--trustees", type=int, required=True, help="n of the new set.")
        reshare.add_argument("--out-dir", required=True, type=Path)
        combine = sub.add_parser("import-reshared", help="Become a new trustee from every holder's sub-share file.")
        combine.add_argument("files", nargs="+", type=Path)
        combine.add_argument("--delete", action="store_true", help="Delete the sub-share files once stored.")
        deal = sub.add_parser(
            "deal", help="Deal this trustee's part of a key generated jointly, so no one ever holds it (one file each)."
        )
        deal.add_argument("--ceremony", required=True, help="A name for this generation, the same at every trustee.")
        deal.add_argument("--index", type=int, required=True, help="This trustee's index, 1..n.")
        deal.add_argument("--threshold", type=int, required=True, help="How many trustees must answer (t).")
        deal.add_argument("--trustees", type=int, required=True, help="How many trustees take part (n).")
        deal.add_argument("--out-dir", required=True, type=Path)
        generated = sub.add_parser(
            "import-generated", help="Take this trustee's share of a jointly generated key from every dealt file."
        )
        generated.add_argument("files", nargs="+", type=Path)
        generated.add_argument("--delete", action="store_true", help="Delete the dealt files once stored.")
        sub.add_parser("list", help="List the shares this trustee holds.")
        retire = sub.add_parser("retire", help="Erase this trustee's share of a key.")
        retire.add_argument("key_id")

    def run(self, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for share in key_share_list():
                self.stdout.write(
                    f"{share.key_id}  share {share.index}  {share.threshold}-of-{len(share.commitments)}  "
                    f"commitment {bytes(share.commitment).hex()}"
                )
            return
        if action == "reshare":
            self._reshare(options)
            return
        if action == "deal":
            self._deal(options)
            return
        if action == "retire":
            share = ceremony.key_share_retire(actor=SYSTEM, key_id=options["key_id"])
            self.stdout.write(f"{share.key_id} share {share.index} erased")
            return
        files = [options["file"]] if action == "import" else options["files"]
        documents = [_read(path) for path in files]
        if action == "import":
            share = ceremony.key_share_import(actor=SYSTEM, document=documents[0])
        elif action == "import-generated":
            share = ceremony.key_share_import_generated(actor=SYSTEM, documents=documents)
        else:
            share = ceremony.key_share_import_reshared(actor=SYSTEM, documents=documents)
        if options["delete"]:
            for path in files:
                path.unlink()
        self.stdout.write(
            f"{share.key_id} share {share.index} stored, {share.threshold}-of-{len(share.commitments)}; "
            f"commitment {bytes(share.commitment).hex()}"
        )
        if action == "import-generated":
            # What the hub administrator needs to adopt the key: public values only.
            self.stdout.write(f"public key {bytes(share.public_key).hex()}")

    def _deal(self, options: dict[str, Any]) -> None:
        self._write_documents(
            options["out_dir"],
            lambda: ceremony.key_share_deal(
                actor=SYSTEM,
                ceremony=options["ceremony"],
                index=options["index"],
                threshold_count=options["threshold"],
                count=options["trustees"],
            ),
            lambda d: f"{d['ceremony']}-from-{d['from_index']}-to-{d['index']}.deal.json",
            "dealt to trustee",
        )

    def _reshare(self, options: dict[str, Any]) -> None:
        try:
            holders = [int(index) for index in options["holders"].split(",")]
        except ValueError:
            raise ValidationFailed("--holders must be comma-separated share indexes.") from None
        self._write_documents(
            options["out_dir"],
            lambda: ceremony.key_share_reshare(
                actor=SYSTEM,
                key_id=options["key_id"],
                holders=holders,
                threshold_count=options["threshold"],
                count=options["trustees"],
            ),
            lambda d: f"{d['key_id']}-from-{d['from_index']}-to-{d['index']}.sub.json",
            "sub-share for new trustee",
        )

    def _write_documents(
        self,
        out: Path,
        make: Callable[[], list[dict[str, Any]]],
        name: Callable[[dict[str, Any]], str],
        label: str,
    ) -> None:
        """One private file per receiving trustee, in the transaction that audits making them: a failed
        write leaves no record of documents that were never handed over."""
        out.mkdir(parents=True, exist_ok=True)
        with transaction.atomic():
            for document in make():
                path = out / name(document)
                _write_private(path, document)
                self.stdout.write(f"{label} {document['index']}: {path}")


def _write_private(path: Path, document: dict[str, Any]) -> None:
    """O_EXCL: never overwrite an earlier document; 0600: it holds a secret until its trustee imports it."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        json.dump(document, file, indent=2)
