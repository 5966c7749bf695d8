"""Report files, screening, matches and withdrawal for one organisation: the library behind `vigil`."""

import csv
import hashlib
import io
import json
import re
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any, Protocol, TypeVar

from vigil_client.addresses import NAMESPACES, AddressError, normalise

# The hub's vocabularies and limits, checked here too so that a bad line is caught before anything is sent.
from vigil_client.contract import (
    CATEGORIES,
    CONFIDENCES,
    CURRENCY_MAX_LENGTH,
    PUBLIC_ID_PATTERN,
    REFERENCE_MAX_LENGTH,
    REPORT_BATCH_MAX,
    SCREEN_BATCH_MAX,
    SECTORS,
    TLPS,
    VISIBILITIES,
)
from vigil_client.hub import Hub, HubError
from vigil_client.record import BatchAck, Record, Run, Wallet, record_path
from vigil_client.tokens import Tokenizer

ITEM_FIELDS = (
    "namespace",
    "category",
    "confidence",
    "first_seen",
    "last_seen",
    "value_amount",
    "value_currency",
    "reference",
)
POLICY_FIELDS = (
    "visibility",
    "tlp",
    "expires_at",
    "audience_sectors",
    "audience_include",
    "audience_exclude",
    "sighting_alerts",
)
LIST_FIELDS = ("audience_sectors", "audience_include", "audience_exclude")
COLUMNS = ("address", *ITEM_FIELDS, *POLICY_FIELDS)
REPORT_BATCH = 1_000
TAMPERED = "TAMPERED"  # an entry of the shared record that does not authenticate: never shown as an address
MAX_SCREEN = SCREEN_BATCH_MAX
MATCH_PAGE = 500
T = TypeVar("T")


class AddressBook(Protocol):
    """Where the organisation's addresses are looked up: the local record, or the shared one."""

    def wallets_for_tokens(self, pairs: Iterable[tuple[str, str]]) -> Mapping[tuple[str, str], object]: ...


class ReportFileError(ValueError):
    """The file or the options cannot be read at all (a usage error, not a bad line)."""


@dataclass(frozen=True)
class InvalidLine:
    line: int
    address: str
    error: str


class InvalidFile(ValueError):
    """Some lines are invalid: the whole file is refused and nothing is sent."""

    def __init__(self, lines: list[InvalidLine]) -> None:
        super().__init__(f"{len(lines)} invalid line(s); nothing was sent")
        self.lines = lines


class NamespaceError(ValueError):
    """An address valid in no namespace, or in several when none was given."""


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    source = iter(items)
    while chunk := list(islice(source, size)):
        yield chunk


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return parse


def _datetime(text: str) -> str:
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC).isoformat()  # a day means its start, UTC
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("must be an ISO 8601 date or date-time") from None
    if value.tzinfo is None:
        raise ValueError("needs a time zone, e.g. 2024-05-01T12:00:00Z")
    return value.isoformat()


def _future(text: str) -> str:
    value = _datetime(text)
    if datetime.fromisoformat(value) <= datetime.now(UTC):
        raise ValueError("must be in the future")
    return value


def _bounded(length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > length:
            raise ValueError(f"must be at most {length} characters")
        return text

    return parse


def _amount(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError("must be a number of at least 0")
    return str(value)


def _boolean(text: str) -> bool:
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if text.lower() not in words:
        raise ValueError("must be true or false")
    return words[text.lower()]


_PARSERS: dict[str, Callable[[str], Any]] = {
    "namespace": _choice(NAMESPACES),
    "category": _choice(CATEGORIES),
    "confidence": _choice(CONFIDENCES),
    "first_seen": _datetime,
    "last_seen": _datetime,
    "value_amount": _amount,
    "value_currency": _bounded(CURRENCY_MAX_LENGTH),
    "reference": _bounded(REFERENCE_MAX_LENGTH),
    "visibility": _choice(VISIBILITIES),
    "tlp": _choice(TLPS),
    "expires_at": _future,
    "sighting_alerts": _boolean,
}


def parse_field(name: str, text: str, *, separator: str = ";") -> Any:
    """A report field from its text; lists are `separator`-separated. Raises ValueError naming the field."""
    try:
        if name not in LIST_FIELDS:
            return _PARSERS[name](text)
        items = sorted({item.strip() for item in text.split(separator) if item.strip()})
        if name == "audience_sectors":
            for item in items:
                _choice(SECTORS)(item)
        return items
    except ValueError as exc:
        raise ValueError(f"{name} {exc}") from None


@dataclass(frozen=True)
class ReportOptions:
    """Batch-wide values from the command line; a CSV cell overrides its own row's."""

    values: dict[str, Any] = field(default_factory=dict)
    batch_size: int = REPORT_BATCH

    @classmethod
    def from_text(cls, texts: dict[str, str], batch_size: int = REPORT_BATCH) -> "ReportOptions":
        """Options from flag texts (lists comma-separated); raises ReportFileError on a bad one."""
        if not 1 <= batch_size <= REPORT_BATCH_MAX:
            raise ReportFileError(f"--batch-size must be between 1 and {REPORT_BATCH_MAX}")
        try:
            return cls({name: parse_field(name, text, separator=",") for name, text in texts.items()}, batch_size)
        except ValueError as exc:
            raise ReportFileError(str(exc)) from None

    @property
    def policy(self) -> dict[str, Any]:
        return {name: value for name, value in self.values.items() if name in POLICY_FIELDS}


@dataclass(frozen=True)
class ReportRow:
    line: int
    address: str
    namespace: str
    canonical: str
    item: dict[str, Any]  # the report's fields but token and key_id
    policy: dict[str, Any]  # where this row departs from the batch policy


def _row(line: int, cells: dict[str, str], options: ReportOptions) -> ReportRow | InvalidLine:
    address = cells.get("address") or ""
    try:
        given = {
            name: parse_field(name, text.strip()) for name, text in cells.items() if name != "address" and text.strip()
        }
        values = options.values | given
        for name in ("namespace", "category"):
            if name not in values:
                raise ValueError(f"no {name}: give --{name} or a {name} column")
        canonical = normalise(values["namespace"], address)
    except ValueError as exc:  # AddressError is one
        return InvalidLine(line, address, str(exc))
    seen = [datetime.fromisoformat(values[name]) for name in ("first_seen", "last_seen") if name in values]
    if len(seen) == 2 and seen[0] > seen[1]:
        return InvalidLine(line, address, "last_seen is before first_seen")
    if ("value_amount" in values) != ("value_currency" in values):
        return InvalidLine(line, address, "give value_amount and value_currency together")
    return ReportRow(
        line=line,
        address=address,
        namespace=values["namespace"],
        canonical=canonical,
        item={name: values[name] for name in ITEM_FIELDS if name in values},
        policy={
            name: value for name, value in given.items() if name in POLICY_FIELDS and options.values.get(name) != value
        },
    )


def _is_csv(text: str) -> bool:
    first = text.partition("\n")[0]
    return "," in first and "address" in first.lower()


def _csv_rows(text: str, options: ReportOptions) -> Iterator[ReportRow | InvalidLine]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader)]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or "address" not in header or len(set(header)) != len(header):
        raise ReportFileError(
            f"the CSV header must name an address column, each column once, from: {', '.join(COLUMNS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        )
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            yield InvalidLine(reader.line_num, cells[0], f"{len(cells)} cells for {len(header)} columns")
            continue
        yield _row(reader.line_num, dict(zip(header, cells, strict=False)), options)


def read_rows(text: str, options: ReportOptions) -> Iterator[ReportRow | InvalidLine]:
    """Rows in file order: CSV when the first line has a comma and "address", else one address a line."""
    if _is_csv(text):
        yield from _csv_rows(text, options)
        return
    for line, address in enumerate(io.StringIO(text), 1):
        address = address.rstrip("\r\n")
        if address.strip():  # blank lines name no wallet
            yield _row(line, {"address": address}, options)


@dataclass(frozen=True)
class ReportPlan:
    """A report file checked whole: every line valid and no wallet twice. Building one sends nothing."""

    text: str
    options: ReportOptions
    rows: int
    fingerprint: str

    @classmethod
    def from_text(cls, text: str, options: ReportOptions) -> "ReportPlan":
        invalid: list[InvalidLine] = []
        seen: dict[tuple[str, str], int] = {}
        for row in read_rows(text, options):
            if isinstance(row, InvalidLine):
                invalid.append(row)
            elif (row.namespace, row.canonical) in seen:
                # The hub refuses a batch naming a token twice; two rows would also disagree on details.
                invalid.append(
                    InvalidLine(row.line, row.address, f"the same wallet as line {seen[row.namespace, row.canonical]}")
                )
            else:
                seen[(row.namespace, row.canonical)] = row.line
        if invalid:
            raise InvalidFile(invalid)
        if not seen:
            raise ReportFileError("the file names no wallet")
        settings = json.dumps({"values": options.values, "batch_size": options.batch_size}, sort_keys=True)
        fingerprint = hashlib.sha256(f"vigil-report-1\n{settings}\n{text}".encode()).hexdigest()
        return cls(text, options, len(seen), fingerprint)

    @property
    def batches(self) -> int:
        return -(-self.rows // self.options.batch_size)

    def batched_rows(self) -> Iterator[list[ReportRow]]:
        rows = (row for row in read_rows(self.text, self.options) if isinstance(row, ReportRow))
        return _chunks(rows, self.options.batch_size)


@dataclass(frozen=True)
class ReportOutcome:
    run_id: str
    resumed: bool  # the run of an earlier invocation with the same file and options
    batches: int
    first_sent: int | None  # the first batch sent this time; None when every batch was already acknowledged
    created: int
    updated: int
    matched: int  # reported tokens now in a match the organisation can see


def idempotency_key(run_id: str, number: int) -> str:
    return f"vigil-report-{run_id}-{number}"


def open_record(hub: Hub, home: str | None = None) -> Record:
    """The local record of the organisation the API key belongs to."""
    return Record(record_path(hub.organisation()["slug"], home))


def _tokens_started(
    evaluating: Executor, record: Record, tokenizer: Tokenizer, rows: list[ReportRow]
) -> Future[dict[tuple[str, str], str]]:
    """Start computing the rows' tokens, evaluating only those the record does not know under the run's key.

    The record is read here, on the caller's thread; the hub's evaluation and the proof checks run on
    `evaluating`, so the next batch is tokenised while this one is being stored at the hub.
    """
    tokens = record.tokens(tokenizer.key.key_id, [(row.namespace, row.canonical) for row in rows])
    missing: dict[str, list[str]] = {}
    for row in rows:
        if (row.namespace, row.canonical) not in tokens:
            missing.setdefault(row.namespace, []).append(row.canonical)

    def evaluate() -> dict[tuple[str, str], str]:
        for namespace, canonicals in missing.items():
            tokens.update(
                zip(((namespace, c) for c in canonicals), tokenizer.tokens_for(namespace, canonicals), strict=True)
            )
        return tokens

    return evaluating.submit(evaluate)


def _batch_body(
    rows: list[ReportRow], tokens: dict[tuple[str, str], str], key_id: str, policy: dict[str, Any]
) -> dict[str, Any]:
    items = [
        {"token": tokens[(row.namespace, row.canonical)], "key_id": key_id, **row.item}
        | ({"policy": row.policy} if row.policy else {})
        for row in rows
    ]
    return {"items": items} | ({"policy": policy} if policy else {})


def _send_batch(
    hub: Hub,
    record: Record,
    run: Run,
    number: int,
    rows: list[ReportRow],
    tokens: dict[tuple[str, str], str],
    policy: dict[str, Any],
    shared: Callable[[Iterable[Wallet]], Any] | None = None,
) -> BatchAck:
    key_id = run.key_id
    # Saved before sending: a crash after the hub stored the batch leaves the record knowing its tokens.
    record.save(
        Wallet(row.namespace, row.canonical, row.address, key_id, tokens[(row.namespace, row.canonical)])
        for row in rows
    )
    body = _batch_body(rows, tokens, key_id, policy)
    answer = hub.report_batch(body, idempotency_key(run.id, number))
    reports = answer.get("reports", [])
    if [report["token"] for report in reports] != [item["token"] for item in body["items"]]:
        raise HubError("The hub's answer does not list the reports that were sent.")
    ack = BatchAck(answer["created"], answer["updated"], answer["matched"])
    record.acknowledge(run.id, number, ack, [(key_id, report["token"], report["id"]) for report in reports])
    if shared is not None:
        ids = {report["token"]: report["id"] for report in reports}
        shared(
            Wallet(row.namespace, row.canonical, row.address, key_id, token, ids.get(token), "reported")
            for row in rows
            for token in [tokens[(row.namespace, row.canonical)]]
        )
    return ack


def _run_tokenizer(hub: Hub, run: Run) -> Tokenizer:
    """A resumed run keeps its key, so a re-sent batch is the same body under the same idempotency key."""
    key = hub.usable_key(run.key_id)
    if key is None:
        raise HubError(f"The hub has retired key {run.key_id}, which run {run.id} used; pass --restart to start over.")
    return Tokenizer(hub, key=key)


def report(
    hub: Hub,
    record: Record,
    plan: ReportPlan,
    *,
    source: str,
    restart: bool = False,
    progress: Callable[[int], Any] | None = None,
    shared: Callable[[Iterable[Wallet]], Any] | None = None,
) -> ReportOutcome:
    """Report a checked file in batches, resuming the run of the same file and options unless `restart`.

    The local record keeps the run (what to resume); `shared`, when given, stores each acknowledged
    batch's wallets in the organisation's shared record too.
    """
    run = None if restart else record.latest_run(plan.fingerprint)
    resumed = run is not None
    tokenizer = None
    if run is None:
        tokenizer = Tokenizer(hub)
        run = record.start_run(
            run_id=secrets.token_hex(8),
            fingerprint=plan.fingerprint,
            source=source,
            key_id=tokenizer.key.key_id,
            batches=plan.batches,
        )
    acknowledged = record.acknowledged(run.id)
    first_sent = None

    def unsent() -> Iterator[tuple[int, list[ReportRow]]]:
        for number, rows in enumerate(plan.batched_rows(), 1):
            if number not in acknowledged:
                yield number, rows
            elif progress:
                progress(len(rows))

    def send(number: int, rows: list[ReportRow], tokens: Future[dict[tuple[str, str], str]]) -> None:
        nonlocal first_sent
        acknowledged[number] = _send_batch(hub, record, run, number, rows, tokens.result(), plan.options.policy, shared)
        first_sent = first_sent or number
        if progress:
            progress(len(rows))

    # Two stages in step: batch n+1 is tokenised while batch n is stored and matched at the hub.
    with ExitStack() as stack:
        evaluating = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        started: deque[tuple[int, list[ReportRow], Future[dict[tuple[str, str], str]]]] = deque()
        running: Tokenizer | None = None  # entered at the first unsent batch: its processes serve every batch
        for number, rows in unsent():
            running = running or stack.enter_context(tokenizer or _run_tokenizer(hub, run))
            started.append((number, rows, _tokens_started(evaluating, record, running, rows)))
            if len(started) == 2:
                send(*started.popleft())
        while started:
            send(*started.popleft())
    if not run.finished:
        record.finish_run(run.id)
    return ReportOutcome(
        run_id=run.id,
        resumed=resumed,
        batches=plan.batches,
        first_sent=first_sent,
        created=sum(ack.created for ack in acknowledged.values()),
        updated=sum(ack.updated for ack in acknowledged.values()),
        matched=sum(ack.matched for ack in acknowledged.values()),
    )


def resolve(address: str, namespace: str | None) -> list[tuple[str, str]]:
    """(namespace, canonical) of the address in `namespace`, or in every namespace it is valid in."""
    if namespace:
        return [(namespace, normalise(namespace, address))]
    found = []
    for candidate in NAMESPACES:
        try:
            found.append((candidate, normalise(candidate, address)))
        except AddressError:
            continue
    if not found:
        raise NamespaceError("not a valid address in any namespace; give --namespace for the reason")
    return found


def _only(candidates: list[tuple[str, str]]) -> tuple[str, str]:
    if len(candidates) > 1:
        raise NamespaceError(f"valid in {', '.join(ns for ns, _ in candidates)}; give --namespace")
    return candidates[0]


@dataclass(frozen=True)
class Screened:
    address: str
    error: str | None = None
    result: dict[str, Any] | None = None  # the hub's answer for the address's token
    wallet: Wallet | None = None  # what the address was screened as, for the shared record


def _screen_chunk(
    hub: Hub, tokenizer: Tokenizer, addresses: list[str], namespace: str | None, options: dict[str, Any]
) -> list[Screened]:
    resolved: dict[int, tuple[str, str]] = {}
    answers = [Screened(address) for address in addresses]
    for index, address in enumerate(addresses):
        try:
            resolved[index] = _only(resolve(address, namespace))
        except ValueError as exc:  # AddressError or NamespaceError
            answers[index] = Screened(address, error=str(exc))
    by_namespace: dict[str, list[int]] = {}
    for index, (ns, _) in resolved.items():
        by_namespace.setdefault(ns, []).append(index)
    tokens: dict[int, str] = {}
    for ns, indexes in by_namespace.items():
        tokens.update(zip(indexes, tokenizer.tokens_for(ns, [resolved[i][1] for i in indexes]), strict=True))
    if tokens:
        order = sorted(tokens)
        results = hub.screen(tokenizer.key.key_id, [tokens[i] for i in order], **options)
        for index, result in zip(order, results, strict=True):
            ns, canonical = resolved[index]
            wallet = Wallet(ns, canonical, addresses[index], tokenizer.key.key_id, tokens[index], status="screened")
            answers[index] = Screened(addresses[index], result=result, wallet=wallet)
    return answers


def screen(
    hub: Hub,
    addresses: Iterable[str],
    *,
    namespace: str | None = None,
    record_sighting: bool = False,
    sighting_visibility: str = "anonymous",
    tokenizer: Tokenizer | None = None,
) -> Iterator[Screened]:
    """What the organisation may know of each address, in input order, screened 1,000 at a time."""
    tokenizer = tokenizer or Tokenizer(hub)
    options = {"record_sighting": record_sighting, "sighting_visibility": sighting_visibility}
    for chunk in _chunks(addresses, MAX_SCREEN):
        yield from _screen_chunk(hub, tokenizer, chunk, namespace, options)


def matches(hub: Hub, record: AddressBook, *, page_size: int = MATCH_PAGE) -> Iterator[dict[str, Any]]:
    """Every visible match, newest first, with `address`: the organisation's own, None if not recorded,
    or TAMPERED when the shared record's entry for it does not authenticate."""
    before = None
    cursors: set[str] = set()
    while True:
        page = hub.matches_page(before=before, page_size=page_size)
        found = record.wallets_for_tokens((match["key_id"], match["token"]) for match in page["results"])
        for match in page["results"]:
            wallet = found.get((match["key_id"], match["token"]))
            address = wallet.address if isinstance(wallet, Wallet) else (TAMPERED if wallet else None)
            yield match | {"address": address}
        following = page.get("next_before")
        if following is None:
            return
        if following in cursors:
            raise HubError("The hub's match cursor does not move on; stopping.")
        cursors.add(following)
        before = following


@dataclass(frozen=True)
class Withdrawal:
    address: str
    withdrawn: int = 0
    error: str | None = None


def _withdraw_recorded(hub: Hub, record: Record, address: str, wallets: list[Wallet]) -> Withdrawal:
    for wallet in wallets:
        try:
            answer = hub.report_withdraw(wallet.report_id)
        except HubError as exc:
            if exc.status != 404:
                raise
            return Withdrawal(address, error=f"the hub has no report {wallet.report_id}")
        record.set_status(wallet.report_id, answer["status"])
    return Withdrawal(address, withdrawn=len(wallets))


def _withdraw_one(hub: Hub, record: Record, tokenizer: Tokenizer, address: str, namespace: str | None) -> Withdrawal:
    try:
        candidates = resolve(address, namespace)
    except ValueError as exc:  # AddressError or NamespaceError
        return Withdrawal(address, error=str(exc))
    # A record kept before the hub's ids were opaque holds numbers the hub no longer knows: go by token.
    recorded = [
        wallet
        for ns, canonical in candidates
        for wallet in record.wallets_for(ns, canonical)
        if wallet.report_id and re.fullmatch(PUBLIC_ID_PATTERN, str(wallet.report_id))
    ]
    if recorded:
        return _withdraw_recorded(hub, record, address, recorded)
    try:
        ns, canonical = _only(candidates)
    except NamespaceError as exc:
        return Withdrawal(address, error=str(exc))
    # Not in the record (reported from elsewhere, or the record was lost): withdraw by token.
    [token] = tokenizer.tokens_for(ns, [canonical])
    try:
        count = hub.report_withdraw_token(token, tokenizer.key.key_id)
    except HubError as exc:
        if exc.status != 404:
            raise
        return Withdrawal(address, error="the hub has no report of this wallet by this organisation")
    # Nothing active left (0) is withdrawn all the same, as withdrawing by id twice is.
    record.save([Wallet(ns, canonical, address, tokenizer.key.key_id, token, status="withdrawn")])
    return Withdrawal(address, withdrawn=count)


def withdraw(
    hub: Hub,
    record: Record,
    addresses: Iterable[str],
    *,
    namespace: str | None = None,
    tokenizer: Tokenizer | None = None,
) -> Iterator[Withdrawal]:
    """Withdraw the organisation's reports of each address: by report id from the record, else by token."""
    tokenizer = tokenizer or Tokenizer(hub)
    for address in addresses:
        yield _withdraw_one(hub, record, tokenizer, address, namespace)
