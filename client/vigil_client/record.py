"""The member's local record: which address is behind which token and report, and report runs."""

import json
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import astuple, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs

from vigil_client.addresses import AddressError, normalise
from vigil_client.contract import KEY_ID_LENGTH, NAMESPACES

SCHEMA_VERSION = 1
# The record holds raw addresses: it is read and written here only, and never sent anywhere.
SCHEMA = """
CREATE TABLE wallets (
    namespace  TEXT NOT NULL,
    canonical  TEXT NOT NULL,            -- the normalised address the token is computed from
    address    TEXT NOT NULL,            -- as the member last spelt it
    key_id     TEXT NOT NULL,            -- the OPRF key the token is under
    token      TEXT NOT NULL,
    report_id  INTEGER,                  -- the hub's (opaque, text) report id, once the hub acknowledged it
    status     TEXT NOT NULL,            -- pending (sent, not acknowledged), reported, withdrawn, expired
    updated_at TEXT NOT NULL,
    PRIMARY KEY (namespace, canonical, key_id)
);
CREATE INDEX wallets_by_token ON wallets (key_id, token);
CREATE TABLE runs (
    id          TEXT PRIMARY KEY,        -- random; batch n goes with Idempotency-Key vigil-report-<id>-<n>
    fingerprint TEXT NOT NULL,           -- SHA-256 of the file and the options: the same again resumes
    source      TEXT NOT NULL,           -- the file's name, for people reading the record
    key_id      TEXT NOT NULL,           -- every batch of a run is tokenised under this key
    batches     INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX runs_by_fingerprint ON runs (fingerprint);
CREATE TABLE batches (
    run_id          TEXT NOT NULL REFERENCES runs (id),
    number          INTEGER NOT NULL,    -- from 1
    created         INTEGER NOT NULL,
    updated         INTEGER NOT NULL,
    matches         TEXT NOT NULL,       -- the hub's match summary for the batch, as JSON ({"matched": n})
    acknowledged_at TEXT NOT NULL,
    PRIMARY KEY (run_id, number)
);
"""
_WALLET_COLUMNS = "namespace, canonical, address, key_id, token, report_id, status"  # Wallet's fields, in order
# Django's slug alphabet; anything else from the hub must not become part of a path.
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,100}")


# The one file format in which the CLI and the portal hand a record over (`vigil record export`).
FILE_FORMAT = "vigil-record"
FILE_VERSION = 1
_FILE_KEYS = {"format", "version", "organisation", "wallets"}
_HEX_TOKEN = re.compile(r"[0-9a-f]{64}")
_HEX_KEY_ID = re.compile(rf"[0-9a-f]{{{KEY_ID_LENGTH}}}")
_STATUS = re.compile(r"[a-z_]{1,32}")


class RecordError(Exception):
    """The local record cannot be used (a bad organisation slug, a newer schema, a file to refuse)."""


@dataclass(frozen=True)
class Wallet:
    namespace: str
    canonical: str
    address: str
    key_id: str
    token: str
    report_id: str | None = None
    status: str = "pending"


@dataclass(frozen=True)
class Run:
    id: str
    fingerprint: str
    key_id: str
    batches: int
    finished: bool


@dataclass(frozen=True)
class BatchAck:
    created: int
    updated: int
    matched: int  # tokens of the batch in a match the organisation can see


def record_path(slug: str, home: str | None = None) -> Path:
    """`$VIGIL_HOME/<slug>.sqlite3`, else the same name in the user's data directory."""
    if not _SLUG.fullmatch(slug):
        raise RecordError(f"The hub named the organisation {slug!r}, which cannot name a local file.")
    base = home or os.environ.get("VIGIL_HOME") or platformdirs.user_data_dir("vigil")
    return Path(base) / f"{slug}.sqlite3"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _create_private(path: Path) -> None:
    """The directory 0700 when created here, the file always 0600: it holds addresses."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)  # a file left from before may be looser


class Record:
    def __init__(self, path: Path) -> None:
        _create_private(path)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA foreign_keys = ON")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._db.close()
            raise RecordError(f"{path} was written by a newer vigil client (schema {version}).")
        if version == 0:
            self._db.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Record":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _wallets(self, where: str, params: tuple[Any, ...]) -> list[Wallet]:
        query = f"SELECT {_WALLET_COLUMNS} FROM wallets WHERE {where}"  # noqa: S608 - `where` is a fixed fragment
        return [Wallet(*row) for row in self._db.execute(query, params)]

    def tokens(self, key_id: str, wallets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Known tokens under `key_id` of (namespace, canonical) pairs: these need no evaluation."""
        found = {}
        for namespace, canonical in wallets:
            row = self._db.execute(
                "SELECT token FROM wallets WHERE namespace = ? AND canonical = ? AND key_id = ?",
                (namespace, canonical, key_id),
            ).fetchone()
            if row:
                found[(namespace, canonical)] = row[0]
        return found

    def save(self, wallets: Iterable[Wallet]) -> None:
        """Insert or update wallets; a report id already known is kept when the new one is None."""
        rows = [(*astuple(wallet), _now()) for wallet in wallets]
        with self._db:
            self._db.executemany(
                """INSERT INTO wallets (namespace, canonical, address, key_id, token, report_id, status, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (namespace, canonical, key_id) DO UPDATE SET
                    address = excluded.address, token = excluded.token,
                    report_id = COALESCE(excluded.report_id, report_id),
                    status = excluded.status, updated_at = excluded.updated_at""",
                rows,
            )

    def set_status(self, report_id: str, status: str) -> None:
        with self._db:
            self._db.execute(
                "UPDATE wallets SET status = ?, updated_at = ? WHERE report_id = ?", (status, _now(), report_id)
            )

    def wallet_for_token(self, key_id: str, token: str) -> Wallet | None:
        found = self._wallets("key_id = ? AND token = ?", (key_id, token))
        return found[0] if found else None

    def wallets(self) -> list[Wallet]:
        return self._wallets("1 = 1 ORDER BY namespace, canonical, key_id", ())

    def wallets_for_tokens(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Wallet]:
        """The recorded wallets of these (key id, token) pairs; the shared record answers the same."""
        found = {}
        for key_id, token in pairs:
            wallet = self.wallet_for_token(key_id, token)
            if wallet is not None:
                found[(key_id, token)] = wallet
        return found

    def wallets_for(self, namespace: str, canonical: str) -> list[Wallet]:
        return self._wallets("namespace = ? AND canonical = ?", (namespace, canonical))

    def latest_run(self, fingerprint: str) -> Run | None:
        row = self._db.execute(
            """SELECT id, fingerprint, key_id, batches, finished_at IS NOT NULL FROM runs
            WHERE fingerprint = ? ORDER BY started_at DESC, rowid DESC LIMIT 1""",
            (fingerprint,),
        ).fetchone()
        return Run(*row[:4], finished=bool(row[4])) if row else None

    def start_run(self, *, run_id: str, fingerprint: str, source: str, key_id: str, batches: int) -> Run:
        with self._db:
            self._db.execute(
                "INSERT INTO runs (id, fingerprint, source, key_id, batches, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, fingerprint, source, key_id, batches, _now()),
            )
        return Run(run_id, fingerprint, key_id, batches, finished=False)

    def acknowledged(self, run_id: str) -> dict[int, BatchAck]:
        rows = self._db.execute("SELECT number, created, updated, matches FROM batches WHERE run_id = ?", (run_id,))
        return {
            number: BatchAck(created, updated, json.loads(matches).get("matched", 0))
            for number, created, updated, matches in rows
        }

    def acknowledge(self, run_id: str, number: int, ack: BatchAck, reports: Iterable[tuple[str, str, str]]) -> None:
        """Record a batch the hub acknowledged and its report ids, by (key_id, token, report id), at once."""
        now = _now()
        with self._db:
            self._db.executemany(
                "UPDATE wallets SET report_id = ?, status = 'reported', updated_at = ? WHERE key_id = ? AND token = ?",
                [(report_id, now, key_id, token) for key_id, token, report_id in reports],
            )
            self._db.execute(
                """INSERT INTO batches (run_id, number, created, updated, matches, acknowledged_at)
                VALUES (?, ?, ?, ?, ?, ?)""",
                (run_id, number, ack.created, ack.updated, json.dumps({"matched": ack.matched}), now),
            )

    def finish_run(self, run_id: str) -> None:
        with self._db:
            self._db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (_now(), run_id))

    def export_document(self, organisation: str) -> dict[str, Any]:
        """Every wallet of the record as a `vigil-record` document, sorted so equal records give equal files."""
        return record_document(organisation, self.wallets())

    def import_document(self, document: object, organisation: str) -> "ImportSummary":
        """Merge a `vigil-record` document into the record, all or nothing; nothing already known is lost."""
        incoming = wallets_from_document(document, organisation)
        added = updated = 0
        merged = []
        for wallet in incoming:
            local = self._wallets("namespace = ? AND canonical = ? AND key_id = ?", _identity(wallet))
            result = merge_wallet(local[0] if local else None, wallet)
            if not local:
                added += 1
            elif result != local[0]:
                updated += 1
            else:
                continue
            merged.append(result)
        rows = [(*astuple(wallet), _now()) for wallet in merged]
        with self._db:  # one transaction: a refused file leaves the record as it was
            self._db.executemany(
                """INSERT OR REPLACE INTO wallets
                (namespace, canonical, address, key_id, token, report_id, status, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
        return ImportSummary(added=added, updated=updated, unchanged=len(incoming) - added - updated)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    updated: int
    unchanged: int


def _identity(wallet: Wallet) -> tuple[str, str, str]:
    return (wallet.namespace, wallet.canonical, wallet.key_id)


def record_document(organisation: str, wallets: Iterable[Wallet]) -> dict[str, Any]:
    """The export format, shared with the portal's record.js (frontend/src/record.js)."""
    return {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "organisation": organisation,
        "wallets": [
            {
                "namespace": wallet.namespace,
                "canonical": wallet.canonical,
                "address": wallet.address,
                "key_id": wallet.key_id,
                "token": wallet.token,
                # SQLite's INTEGER affinity turns a numeric id back into a number; the hub's ids are text.
                "report_id": None if wallet.report_id is None else str(wallet.report_id),
                "status": wallet.status,
            }
            for wallet in sorted(wallets, key=_identity)
        ],
    }


def dump_document(document: dict[str, Any]) -> str:
    """The file's text: two-space indented UTF-8 JSON and a newline, byte for byte what record.js writes."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def wallets_from_document(document: object, organisation: str) -> list[Wallet]:
    """The wallets of a `vigil-record` document of `organisation`; RecordError names what is wrong."""
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise RecordError(f"not a {FILE_FORMAT} file")
    version = document.get("version")
    if version != FILE_VERSION or isinstance(version, bool):
        raise RecordError(f"{FILE_FORMAT} version {version!r}; this client reads version {FILE_VERSION}")
    if set(document) != _FILE_KEYS:
        raise RecordError(f"a {FILE_FORMAT} file has exactly the fields {', '.join(sorted(_FILE_KEYS))}")
    owner = document["organisation"]
    if owner != organisation:
        raise RecordError(f"the file is the record of organisation {owner!r}, not of {organisation!r}; refusing it")
    if not isinstance(document["wallets"], list):
        raise RecordError("wallets must be a list")
    wallets = [_wallet_from_entry(entry, index) for index, entry in enumerate(document["wallets"])]
    seen: set[tuple[str, str, str]] = set()
    for index, wallet in enumerate(wallets):
        if _identity(wallet) in seen:
            raise RecordError(f"wallet {index}: the same wallet and key appear twice")
        seen.add(_identity(wallet))
    return wallets


def _wallet_from_entry(entry: object, index: int) -> Wallet:
    fields = _WALLET_COLUMNS.split(", ")
    if not isinstance(entry, dict) or set(entry) != set(fields):
        raise RecordError(f"wallet {index}: an object with exactly the fields {', '.join(fields)}")
    text = {name: entry[name] for name in fields if name != "report_id"}
    if not all(isinstance(value, str) for value in text.values()):
        raise RecordError(f"wallet {index}: every field but report_id is a string")
    if not (entry["report_id"] is None or (isinstance(entry["report_id"], str) and entry["report_id"])):
        raise RecordError(f"wallet {index}: report_id is a non-empty string or null")
    namespace = text["namespace"]
    if namespace not in NAMESPACES:
        raise RecordError(f"wallet {index}: unknown namespace {namespace!r}")
    try:
        canonical = normalise(namespace, text["canonical"])
        spelt = normalise(namespace, text["address"])
    except AddressError as error:
        raise RecordError(f"wallet {index}: {error}") from None
    if canonical != text["canonical"] or spelt != canonical:
        raise RecordError(f"wallet {index}: the address and its canonical form are not one {namespace} wallet")
    if not _HEX_KEY_ID.fullmatch(text["key_id"]) or not _HEX_TOKEN.fullmatch(text["token"]):
        raise RecordError(f"wallet {index}: key_id is {KEY_ID_LENGTH} and token 64 lowercase hex characters")
    if not _STATUS.fullmatch(text["status"]):
        raise RecordError(f"wallet {index}: status {text['status']!r} is not a status")
    return Wallet(**text, report_id=entry["report_id"])


def merge_wallet(local: Wallet | None, incoming: Wallet) -> Wallet:
    """One wallet after an import: what the record knows wins, and fills in only what it lacks.

    The hub's report id and a status past `pending` come from the file when the record has none;
    a different token for the same address and key means one side is wrong, so it is refused.
    """
    if local is None:
        return incoming
    if local.token != incoming.token:
        raise RecordError(
            f"{local.namespace} {local.canonical}: the file's token under key {local.key_id} differs from the record's"
        )
    report_id = local.report_id if local.report_id is not None else incoming.report_id
    status = incoming.status if local.status == "pending" else local.status
    return replace(local, report_id=report_id, status=status)
