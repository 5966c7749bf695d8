"""The organisation's shared record on the hub, end-to-end encrypted: this client's side of it.

The client's X25519 key pair is made here and kept in `$VIGIL_HOME/<slug>.record-key.json`
(0600), its private key wrapped under the record passphrase like a person's; the hub holds the
public key, the record keys sealed to it, and entries encrypted under them (recordcrypto.py).
"""

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

from vigil_client import recordcrypto as rc
from vigil_client.hub import Hub
from vigil_client.record import Wallet, record_path

BATCH = 1000
TAMPERED = "TAMPERED"  # what an entry that does not authenticate is shown as, never an address


class SharedRecordError(Exception):
    """The shared record cannot be used as asked (not set up, no key granted yet, a bad grant)."""


@dataclass(frozen=True)
class Tampered:
    """An entry stored under a token that does not authenticate there: shown as such, never read."""

    key_id: str
    token: str


def key_path(slug: str, home: str | None = None) -> Path:
    return record_path(slug, home).with_suffix(".record-key.json")


def _write_private(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2)
        file.write("\n")


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    source = iter(items)
    while chunk := list(islice(source, size)):
        yield chunk


def _entry(wallet: Wallet, note: str | None = None) -> dict[str, Any]:
    return {
        "namespace": wallet.namespace,
        "canonical": wallet.canonical,
        "address": wallet.address,
        "key_id": wallet.key_id,
        "token": wallet.token,
        "report_id": None if wallet.report_id is None else str(wallet.report_id),
        "status": wallet.status,
        "note": note,
    }


def _wallet(entry: dict[str, Any]) -> Wallet:
    return Wallet(
        entry["namespace"],
        entry["canonical"],
        entry["address"],
        entry["key_id"],
        entry["token"],
        entry.get("report_id"),
        entry.get("status") or "pending",
    )


class SharedRecord:
    """The record as this member holds it: its private key and the record keys it was granted."""

    def __init__(self, hub: Hub, organisation: str, private_key: bytes, state: dict[str, Any]) -> None:
        self.hub = hub
        self.organisation = organisation
        self.private_key = private_key
        self._load(state)

    def _load(self, state: dict[str, Any]) -> None:
        self.generation: int = state["generation"]
        self.rotation_required: bool = state["rotation_required"]
        self.progress: dict[str, int] = state["entries"]
        member = state["member"]
        if member is None:
            raise SharedRecordError("this client is not a member of the shared record: run `vigil record join`")
        if member["public_key"] != rc.public_key(self.private_key).hex():
            raise SharedRecordError("the hub holds another public key for this client than its own key file")
        self.member_id: str = member["id"]
        self.keys: dict[int, bytes] = {}
        checks = state["key_checks"]
        for item in member["keys"]:
            generation = item["generation"]
            key = rc.unwrap_record_key(
                self.private_key, item["wrapped_key"], organisation=self.organisation, generation=generation
            )
            if rc.key_check(key, organisation=self.organisation, generation=generation) != checks.get(str(generation)):
                raise SharedRecordError(f"the record key granted for generation {generation} is not the record's")
            self.keys[generation] = key

    def refresh(self) -> None:
        state = self.hub.record()
        if state is None:
            raise SharedRecordError("the organisation has no shared record any more")
        self._load(state)

    @property
    def readable(self) -> bool:
        return self.generation in self.keys

    def _current_key(self) -> bytes:
        return self._key(self.generation)

    def _key(self, generation: int) -> bytes:
        if generation not in self.keys:
            raise SharedRecordError(
                f"no key of the record's generation {generation} has been granted to this client "
                f"(member {self.member_id}): ask a colleague to run `vigil record grant {self.member_id}`"
            )
        return self.keys[generation]

    # Writing.

    def rotate(self) -> int:
        """A new record key sealed to every current member (and the recovery kit); returns its generation."""
        self._current_key()
        generation = self.generation + 1
        key = rc.new_record_key()
        members = self.hub.record_members()
        body = {
            "generation": generation,
            "key_check": rc.key_check(key, organisation=self.organisation, generation=generation),
            "keys": {
                member["id"]: rc.wrap_record_key(
                    bytes.fromhex(member["public_key"]), key, organisation=self.organisation, generation=generation
                )
                for member in members
            },
        }
        self.hub.record_rotate(body)
        self.refresh()
        return generation

    def ensure_writable(self) -> None:
        """Rotate first when a member left: nothing may be written under a key a former member holds."""
        self._current_key()
        if self.rotation_required:
            self.rotate()

    def save(self, wallets: Iterable[Wallet]) -> int:
        """Encrypt and store the wallets' entries under the current key, 1,000 to a request."""
        self.ensure_writable()
        written = 0
        for chunk in _chunks(wallets, BATCH):
            key = self._current_key()
            entries = [
                {
                    "key_id": wallet.key_id,
                    "token": wallet.token,
                    "generation": self.generation,
                    "ciphertext": rc.encrypt_entry(
                        key, _entry(wallet), organisation=self.organisation, generation=self.generation
                    ),
                }
                for wallet in chunk
            ]
            written += self.hub.record_write(entries)
        return written

    def rewrap(self) -> tuple[int, int]:
        """Re-encrypt every entry under an older key with the current one: (re-wrapped, tampered).

        Resumable by construction: each batch that lands is no longer "below the current generation".
        """
        self.ensure_writable()
        done = tampered = 0
        old = list(self.hub.record_entries(below_generation=self.generation))
        for chunk in _chunks(old, BATCH):
            wallets = []
            for item in chunk:
                found = self._decrypt(item)
                if isinstance(found, Tampered):
                    tampered += 1
                else:
                    wallets.append(found)
            if wallets:
                done += self.save(wallets)
        return done, tampered

    # Reading.

    def _decrypt(self, item: dict[str, Any]) -> Wallet | Tampered:
        key = self._key(item["generation"])
        try:
            entry = rc.decrypt_entry(
                key,
                item["ciphertext"],
                organisation=self.organisation,
                key_id=item["key_id"],
                token=item["token"],
                generation=item["generation"],
            )
        except rc.TamperedError:
            return Tampered(item["key_id"], item["token"])
        return _wallet(entry)

    def wallets_for_tokens(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Wallet | Tampered]:
        """The entries of these (key id, token) pairs that the record holds."""
        found: dict[tuple[str, str], Wallet | Tampered] = {}
        for chunk in _chunks(dict.fromkeys(pairs), BATCH):
            for item in self.hub.record_lookup(chunk):
                found[(item["key_id"], item["token"])] = self._decrypt(item)
        return found

    def wallets(self) -> Iterator[Wallet | Tampered]:
        for item in self.hub.record_entries():
            yield self._decrypt(item)

    # Members.

    def grant(self, member_id: str) -> dict[str, Any]:
        """Seal every record key this client holds to the member's public key."""
        self._current_key()
        member = self.hub.record_member(member_id)
        public = bytes.fromhex(member["public_key"])
        keys = [
            {
                "generation": generation,
                "wrapped_key": rc.wrap_record_key(public, key, organisation=self.organisation, generation=generation),
            }
            for generation, key in sorted(self.keys.items())
        ]
        return self.hub.record_grant(member_id, keys)


def _passphrase_blob(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SharedRecordError(f"{path}: cannot read this client's record key ({exc})") from None


def open_shared(hub: Hub, slug: str, passphrase: str, home: str | None = None) -> SharedRecord:
    """The shared record as this client holds it; SharedRecordError if it has not joined."""
    path = key_path(slug, home)
    if not path.exists():
        raise SharedRecordError("this client has no record key: run `vigil record init` or `vigil record join`")
    document = _passphrase_blob(path)
    private = rc.unwrap_private_key(document["wrapped_private_key"], passphrase, organisation=slug)
    state = hub.record()
    if state is None:
        raise SharedRecordError("the organisation has no shared record: run `vigil record init`")
    return SharedRecord(hub, slug, private, state)


def is_set_up(slug: str, home: str | None = None) -> bool:
    return key_path(slug, home).exists()


def _save_key(path: Path, private: bytes, passphrase: str, slug: str, member_id: str) -> None:
    blob = rc.wrap_private_key(private, passphrase, organisation=slug)
    _write_private(path, {"organisation": slug, "member": member_id, "wrapped_private_key": blob})


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise SharedRecordError(f"{path} exists: this client already has a record key")


def init(hub: Hub, slug: str, passphrase: str, home: str | None = None) -> tuple[SharedRecord, str]:
    """Create the organisation's record: returns it and the recovery secret, to be shown once."""
    path = key_path(slug, home)
    _refuse_existing(path)
    private, public = rc.keypair()
    recovery_private, recovery_public = rc.keypair()
    key = rc.new_record_key()
    state = hub.record_create(
        {
            "public_key": public.hex(),
            "wrapped_key": rc.wrap_record_key(public, key, organisation=slug, generation=1),
            "key_check": rc.key_check(key, organisation=slug, generation=1),
            "recovery_public_key": recovery_public.hex(),
            "recovery_wrapped_key": rc.wrap_record_key(recovery_public, key, organisation=slug, generation=1),
        }
    )
    _save_key(path, private, passphrase, slug, state["member"]["id"])
    return SharedRecord(hub, slug, private, state), rc.recovery_secret(recovery_private)


def join(hub: Hub, slug: str, passphrase: str, home: str | None = None) -> tuple[str, str]:
    """Register a new key pair of this client: (member id, fingerprint to compare with the granter)."""
    path = key_path(slug, home)
    _refuse_existing(path)
    private, public = rc.keypair()
    member = hub.record_join({"public_key": public.hex()})
    _save_key(path, private, passphrase, slug, member["id"])
    return member["id"], rc.fingerprint(public)


def recover(hub: Hub, slug: str, secret: str, passphrase: str, home: str | None = None) -> str:
    """Open the record keys with the recovery secret and re-key this client with them: its member id."""
    recovery_private = rc.recovery_private_key(secret)
    kit = hub.record_recovery()
    if kit["public_key"] != rc.public_key(recovery_private).hex():
        raise SharedRecordError("this is not the recovery secret of the organisation's record")
    keys = {
        item["generation"]: rc.unwrap_record_key(
            recovery_private, item["wrapped_key"], organisation=slug, generation=item["generation"]
        )
        for item in kit["keys"]
    }
    private, public = rc.keypair()
    wrapped = [
        {"generation": g, "wrapped_key": rc.wrap_record_key(public, key, organisation=slug, generation=g)}
        for g, key in sorted(keys.items())
    ]
    member = hub.record_rekey({"public_key": public.hex(), "keys": wrapped})
    _save_key(key_path(slug, home), private, passphrase, slug, member["id"])
    return member["id"]


def fingerprint_of(member: dict[str, Any]) -> str:
    return rc.fingerprint(bytes.fromhex(member["public_key"]))


def merged(wallet: Wallet, known: Wallet | Tampered | None) -> Wallet:
    """A wallet about to be written, keeping the report id and status the record already knows."""
    if not isinstance(known, Wallet) or known.token != wallet.token:
        return wallet
    report_id = wallet.report_id if wallet.report_id is not None else known.report_id
    status = known.status if wallet.status == "pending" and known.status != "pending" else wallet.status
    return replace(wallet, report_id=report_id, status=status)
