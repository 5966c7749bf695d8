"""The `vigil` command: tokenise, report and screen wallet addresses against a Vigil hub without revealing them."""

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TextIO

from vigil_client import recordcrypto, reporting, retokenize, shared_record, stix, voprf
from vigil_client.addresses import NAMESPACES
from vigil_client.contract import CATEGORIES, CONFIDENCES, REPORT_BATCH_MAX, SIGHTING_VISIBILITIES, TLPS, VISIBILITIES
from vigil_client.hub import Hub, HubError, parse_trustee_keys, trustee_keys_from_env
from vigil_client.record import (
    Record,
    RecordError,
    Wallet,
    dump_document,
    record_document,
    record_path,
    wallets_from_document,
)
from vigil_client.reporting import (
    REPORT_BATCH,
    InvalidFile,
    ReportFileError,
    ReportOptions,
    ReportOutcome,
    ReportPlan,
    Screened,
    open_record,
)
from vigil_client.shared_record import SharedRecord, SharedRecordError, Tampered
from vigil_client.tokens import DEFAULT_BATCH, MAX_BATCH, Tokenizer

EXIT_INVALID_LINES = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
NOT_RECORDED = "(not in local record)"
NOT_SHARED = "(not in the shared record)"
PASSPHRASE_ENV = "VIGIL_RECORD_PASSPHRASE"  # noqa: S105 - the variable's name, not a passphrase
RECOVERY_ENV = "VIGIL_RECORD_RECOVERY_SECRET"
PASSPHRASE_MIN = 12


def _lines(addresses: list[str], file: TextIO | None) -> Iterator[str]:
    if addresses:
        yield from addresses
        return
    for line in file or sys.stdin:
        line = line.rstrip("\r\n")
        if line.strip():  # blank lines separate nothing and name no wallet
            yield line


def _progress(results: Iterator, enabled: bool) -> Iterator:
    if not enabled:
        return results
    from tqdm import tqdm

    return tqdm(results, unit=" addr", file=sys.stderr, mininterval=0.5)


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int], Any] | None]:
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=" addr", file=sys.stderr, mininterval=0.5) as bar:
        yield bar.update


@contextmanager
def _hub(args: argparse.Namespace) -> Iterator[Hub]:
    hub = Hub(args.url, args.api_key, trustee_keys={**trustee_keys_from_env(), **parse_trustee_keys(args.trustee_key)})
    try:
        yield hub
    finally:
        hub.close()


def _input(args: argparse.Namespace) -> AbstractContextManager[TextIO | None]:
    return open(args.file, encoding="utf-8") if args.file else nullcontext()


def _passphrase(*, new: bool = False) -> str:
    """The record passphrase: $VIGIL_RECORD_PASSPHRASE, else asked on the terminal (twice when new)."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        if not sys.stdin.isatty():
            raise SharedRecordError(
                f"the shared record needs its passphrase: set {PASSPHRASE_ENV} or run on a terminal"
            )
        passphrase = getpass.getpass("Record passphrase: ")
        if new and getpass.getpass("The same again: ") != passphrase:
            raise SharedRecordError("the two passphrases differ")
    if new and len(passphrase) < PASSPHRASE_MIN:
        raise SharedRecordError(f"a record passphrase has at least {PASSPHRASE_MIN} characters")
    return passphrase


def _shared(hub: Hub) -> SharedRecord | None:
    """The organisation's shared record if this client has joined it, else None (the local record is used)."""
    slug = hub.organisation()["slug"]
    if not shared_record.is_set_up(slug):
        return None
    return shared_record.open_shared(hub, slug, _passphrase())


def _tokenize(args: argparse.Namespace) -> int:
    with _hub(args) as hub, _input(args) as file:
        tokenizer = Tokenizer(hub, batch_size=args.batch_size)
        results = tokenizer.tokenize(args.namespace, _lines(args.addresses, file))
        invalid = 0
        out = sys.stdout
        for result in _progress(results, enabled=sys.stderr.isatty() and not args.addresses):
            if result.token is not None:
                out.write(f"{result.address}\t{result.token}\n")
            else:
                invalid += 1
                out.write(f"{result.address}\terror: {result.error}\n")
        for reason in tokenizer.consortium.caught.values() if tokenizer.consortium else ():
            print(f"vigil: {reason}", file=sys.stderr)
    return EXIT_INVALID_LINES if invalid else 0


def _report_plan(args: argparse.Namespace) -> ReportPlan:
    texts = {name: getattr(args, name) for name in reporting.COLUMNS if getattr(args, name, None) is not None}
    options = ReportOptions.from_text(texts, args.batch_size)
    with open(args.file, "rb") as file:
        text = file.read().decode("utf-8-sig")  # spreadsheets often start a CSV with a byte-order mark
    return ReportPlan.from_text(text, options)


def _report_summary(outcome: ReportOutcome) -> str:
    if outcome.first_sent is None:
        state = "already reported with these options, nothing sent (--restart reports it again)"
    else:
        state = f"resumed at batch {outcome.first_sent}" if outcome.resumed else "reported"
    return (
        f"vigil: run {outcome.run_id}, {outcome.batches} batch(es), {state}: "
        f"{outcome.created} created, {outcome.updated} updated; {outcome.matched} in matches you can see"
    )


def _report(args: argparse.Namespace) -> int:
    try:
        plan = _report_plan(args)
    except InvalidFile as exc:
        for line in exc.lines:
            sys.stdout.write(f"{line.address}\terror: line {line.line}: {line.error}\n")
        print(f"vigil: {exc}", file=sys.stderr)
        return EXIT_INVALID_LINES
    except (ReportFileError, UnicodeDecodeError) as exc:
        print(f"vigil: {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with _hub(args) as hub, open_record(hub) as record, _progress_bar(plan.rows) as progress:
        shared = _shared(hub)
        try:
            outcome = reporting.report(
                hub,
                record,
                plan,
                source=os.path.basename(args.file),
                restart=args.restart,
                progress=progress,
                shared=shared.save if shared else None,
            )
        except (HubError, voprf.ProofError):
            print(
                "vigil: acknowledged batches are in the local record; run the same command to resume.", file=sys.stderr
            )
            raise
    print(_report_summary(outcome), file=sys.stderr)
    return 0


def _counterparts(counterparts: list[dict[str, Any]]) -> str:
    names = [
        item["organisation"]["name"] if item.get("organisation") else f"{item['sector']}/{item['jurisdiction']}"
        for item in counterparts
    ]
    return "; ".join(names) or "-"


def _screen_line(answer: Screened, as_json: bool) -> str:
    if as_json:
        return json.dumps({"address": answer.address} | (answer.result or {"error": answer.error}))
    if answer.result is None:
        return f"{answer.address}\terror: {answer.error}"
    result = answer.result
    reported = "reported" if result["reported"] else "not reported"
    fields = [reported, ",".join(result["categories"]) or "-", str(result["organisations"])]
    return "\t".join([answer.address, *fields, _counterparts(result["counterparts"])])


def _screen(args: argparse.Namespace) -> int:
    with _hub(args) as hub, _input(args) as file:
        answers = reporting.screen(
            hub,
            _lines(args.addresses, file),
            namespace=args.namespace,
            record_sighting=args.record_sighting,
            sighting_visibility=args.sighting_visibility,
        )
        shared = _shared(hub)
        invalid = 0
        screened = []
        for answer in _progress(answers, enabled=sys.stderr.isatty() and not args.addresses):
            invalid += answer.error is not None
            sys.stdout.write(_screen_line(answer, args.json) + "\n")
            if answer.wallet is not None:
                screened.append(answer.wallet)
        if shared is not None and screened:
            known = shared.wallets_for_tokens((wallet.key_id, wallet.token) for wallet in screened)
            shared.save(wallet for wallet in screened if (wallet.key_id, wallet.token) not in known)
    return EXIT_INVALID_LINES if invalid else 0


def _match_line(match: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(match)
    status = "QUARANTINED" if match["quarantined"] else match["status"]
    address = match["address"] or (NOT_SHARED if match.get("shared") else NOT_RECORDED)
    return (
        f"{match['id']}\t{status}\t{address}\t{match['own_report']['category']}\t{_counterparts(match['counterparts'])}"
    )


def _matches(args: argparse.Namespace) -> int:
    with _hub(args) as hub, open_record(hub) as record:
        shared = _shared(hub)
        for match in reporting.matches(hub, shared or record):
            sys.stdout.write(_match_line(match | ({"shared": True} if shared else {}), args.json) + "\n")
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    with _hub(args) as hub, open_record(hub) as record, _input(args) as file:
        failed = 0
        for result in reporting.withdraw(hub, record, _lines(args.addresses, file), namespace=args.namespace):
            failed += result.error is not None
            sys.stdout.write(f"{result.address}\t" + (f"error: {result.error}" if result.error else "withdrawn") + "\n")
    return EXIT_INVALID_LINES if failed else 0


def _export(args: argparse.Namespace) -> int:
    with _hub(args) as hub, open_record(hub) as record:
        bundle = hub.export_stix()
        filled, missing = stix.fill_addresses(bundle, _shared(hub) or record)
    # With the addresses filled in, the file is as sensitive as the record itself.
    descriptor = os.open(args.stix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        json.dump(bundle, file, indent=2, sort_keys=True)
        file.write("\n")
    print(
        f"vigil: wrote {len(bundle['objects'])} STIX object(s) to {args.stix}: {filled} indicator(s) with their "
        f"address, {missing} {NOT_RECORDED}",
        file=sys.stderr,
    )
    return 0


@contextmanager
def _local_record(args: argparse.Namespace) -> Iterator[tuple[str, Record]]:
    """The organisation's slug and local record: named by --organisation offline, else by the hub."""
    slug = args.organisation
    if not slug:
        with _hub(args) as hub:
            slug = hub.organisation()["slug"]
    with Record(record_path(slug)) as record:
        yield slug, record


def _write_file(path: str, text: str) -> None:
    # The file holds raw addresses, like the record itself: readable by its owner only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with open(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def _read_document(path: str) -> Any:
    try:
        with open(path, "rb") as file:
            return json.loads(file.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"{path}: not a JSON file ({exc})") from None


def _uses_shared(args: argparse.Namespace) -> bool:
    return not args.organisation and not args.local


def _record_export(args: argparse.Namespace) -> int:
    if _uses_shared(args):
        with _hub(args) as hub:
            shared = _shared(hub)
            if shared is not None:
                found = list(shared.wallets())
                wallets = [item for item in found if isinstance(item, Wallet)]
                for item in found:
                    if isinstance(item, Tampered):
                        print(f"vigil: the entry of token {item.token} is TAMPERED; left out", file=sys.stderr)
                _write_file(args.path, dump_document(record_document(shared.organisation, wallets)))
                print(f"vigil: wrote {len(wallets)} wallet(s) of the shared record to {args.path}", file=sys.stderr)
                return 0
    with _local_record(args) as (slug, record):
        document = record.export_document(slug)
    _write_file(args.path, dump_document(document))
    print(f"vigil: wrote {len(document['wallets'])} wallet(s) of {slug} to {args.path}", file=sys.stderr)
    return 0


def _record_import(args: argparse.Namespace) -> int:
    document = _read_document(args.path)
    if _uses_shared(args):
        with _hub(args) as hub:
            shared = _shared(hub)
            if shared is not None:
                try:
                    incoming = wallets_from_document(document, shared.organisation)
                except RecordError as exc:
                    raise RecordError(f"{args.path}: {exc}") from None
                known = shared.wallets_for_tokens((wallet.key_id, wallet.token) for wallet in incoming)
                merged = [shared_record.merged(wallet, known.get((wallet.key_id, wallet.token))) for wallet in incoming]
                changed = [wallet for wallet in merged if known.get((wallet.key_id, wallet.token)) != wallet]
                if changed:
                    shared.save(changed)
                print(
                    f"vigil: {args.path}: {len(changed)} written to the shared record, "
                    f"{len(incoming) - len(changed)} already there",
                    file=sys.stderr,
                )
                return 0
    with _local_record(args) as (slug, record):
        try:
            summary = record.import_document(document, slug)
        except RecordError as exc:
            raise RecordError(f"{args.path}: {exc}") from None
    print(
        f"vigil: {args.path}: {summary.added} added, {summary.updated} updated, {summary.unchanged} already known",
        file=sys.stderr,
    )
    return 0


def _record_init(args: argparse.Namespace) -> int:
    with _hub(args) as hub:
        slug = hub.organisation()["slug"]
        record, secret = shared_record.init(hub, slug, _passphrase(new=True))
        with Record(record_path(slug)) as local:
            wallets = local.wallets()
        if wallets:
            record.save(wallets)
    print(
        f"vigil: created the shared record of {slug}; this client is member {record.member_id} and holds its key "
        f"({len(wallets)} wallet(s) of the local record copied in). Keep the recovery secret below offline: "
        "it opens the record without any member, and is shown this once.",
        file=sys.stderr,
    )
    print(secret)
    return 0


def _record_join(args: argparse.Namespace) -> int:
    with _hub(args) as hub:
        slug = hub.organisation()["slug"]
        member_id, fingerprint = shared_record.join(hub, slug, _passphrase(new=True))
    print(
        f"vigil: joined the shared record of {slug} with key fingerprint {fingerprint}. It is readable once a "
        f"member runs `vigil record grant {member_id}` and sees this fingerprint.",
        file=sys.stderr,
    )
    print(member_id)
    return 0


def _record_grant(args: argparse.Namespace) -> int:
    with _hub(args) as hub:
        shared = _required_shared(hub)
        member = hub.record_member(args.member_id)
        print(
            f"vigil: granting the record key to {member['kind']} {member['name']}, key fingerprint "
            f"{shared_record.fingerprint_of(member)}: compare it with what their `vigil record join` printed",
            file=sys.stderr,
        )
        shared.grant(args.member_id)
    return 0


def _record_members(args: argparse.Namespace) -> int:
    with _hub(args) as hub:
        for member in hub.record_members():
            generations = ",".join(map(str, member["generations"])) or "none"
            fingerprint = shared_record.fingerprint_of(member)
            sys.stdout.write(f"{member['id']}\t{member['kind']}\t{member['name']}\t{fingerprint}\t{generations}\n")
    return 0


def _required_shared(hub: Hub) -> SharedRecord:
    shared = _shared(hub)
    if shared is None:
        raise SharedRecordError("this client has not joined the shared record: run `vigil record join`")
    return shared


def _record_sync(args: argparse.Namespace) -> int:
    """Rotate if a member left, re-wrap older entries, and copy in what only the local record knows."""
    with _hub(args) as hub, open_record(hub) as local:
        shared = _required_shared(hub)
        before = shared.generation
        rewrapped, tampered = shared.rewrap()
        wallets = local.wallets()
        known = shared.wallets_for_tokens((wallet.key_id, wallet.token) for wallet in wallets)
        copied = shared.save(wallet for wallet in wallets if (wallet.key_id, wallet.token) not in known)
        shared.refresh()
    rotated = f"rotated to generation {shared.generation}, " if shared.generation != before else ""
    print(
        f"vigil: {rotated}{rewrapped} entr(ies) re-wrapped under the current key, {copied} copied from the local "
        f"record; {shared.progress['current']} of {shared.progress['total']} under the current key"
        + (f"; {tampered} TAMPERED entr(ies) left as they are" if tampered else ""),
        file=sys.stderr,
    )
    return EXIT_INVALID_LINES if tampered else 0


def _record_recover(args: argparse.Namespace) -> int:
    secret = os.environ.get(RECOVERY_ENV) or getpass.getpass("Recovery secret: ")
    with _hub(args) as hub:
        slug = hub.organisation()["slug"]
        member_id = shared_record.recover(hub, slug, secret, _passphrase(new=True))
    print("vigil: the record is open again under a new key of this client (audited as a recovery)", file=sys.stderr)
    print(member_id)
    return 0


def _add_record(commands: argparse._SubParsersAction) -> None:
    record = commands.add_parser(
        "record",
        help="the organisation's shared, end-to-end-encrypted record of which token is which address",
        description="init creates the shared record, join registers this client, grant hands the record key to a "
        "member, sync rotates, re-wraps and copies in the local record. The passphrase comes from "
        f"${PASSPHRASE_ENV} or a prompt. export/import use the vigil-record JSON file the portal reads and writes "
        "too (it holds raw addresses): the shared record when this client has joined it, else the local one.",
    )
    actions = record.add_subparsers(dest="action", required=True)
    for action, handler, text in (
        ("init", _record_init, "create the shared record; prints the recovery secret alone on its last line"),
        ("join", _record_join, "register this client's new key pair; prints its member id alone on its last line"),
        ("sync", _record_sync, "rotate if a member left, re-wrap older entries, copy in the local record"),
        ("members", _record_members, "print id, kind, name, key fingerprint and generations held per member"),
        ("recover", _record_recover, f"re-key this client with the recovery secret (${RECOVERY_ENV} or a prompt)"),
    ):
        actions.add_parser(action, help=text).set_defaults(handler=handler)
    grant = actions.add_parser("grant", help="seal the record key to a member (see `vigil record members`)")
    grant.add_argument("member_id", metavar="MEMBER_ID")
    grant.set_defaults(handler=_record_grant)
    for action, handler, text in (
        ("export", _record_export, "write the record to PATH"),
        ("import", _record_import, "merge PATH into the record; another organisation's file is refused"),
    ):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("path", metavar="PATH")
        parser.add_argument(
            "--organisation", metavar="SLUG", help="the local record of this organisation, without asking the hub"
        )
        parser.add_argument("--local", action="store_true", help="the local record even when the shared one is set up")
        parser.set_defaults(handler=handler)


def _retokenize(args: argparse.Namespace) -> int:
    with _hub(args) as hub:
        shared = _required_shared(hub)
        outcome = retokenize.retokenize(hub, shared, batch_size=args.batch_size, batches=args.batches)
    for report_id in outcome.missing:
        sys.stdout.write(f"{report_id}\terror: the shared record holds no address for this report's token\n")
    print(f"vigil: {outcome.retokenised} report(s) moved to the current key", file=sys.stderr)
    return EXIT_INVALID_LINES if outcome.missing else 0


def _add_retokenize(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "retokenize",
        help="move every active report to the hub's current OPRF key, from the shared record, resumably",
        description="Each report under an older key is reported again under the current one (same fields and "
        "policy) and the old one withdrawn; run it again after an interruption to go on.",
    )
    parser.add_argument("--batch-size", type=int, default=retokenize.BATCH, help="reports per request")
    parser.add_argument("--batches", type=int, help="stop after this many batches")
    parser.set_defaults(handler=_retokenize)


def _add_input(parser: argparse.ArgumentParser, *, namespace_required: bool) -> None:
    parser.add_argument("--namespace", required=namespace_required, choices=NAMESPACES)
    parser.add_argument("--file", help="read addresses from this file, one per line (default: the arguments or stdin)")
    parser.add_argument("addresses", nargs="*", metavar="ADDRESS")


def _add_report(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="report the wallets of a file, all or nothing, resumably",
        description="FILE is one address a line, or a CSV whose header names an address column and any of: "
        + ", ".join(reporting.COLUMNS[1:])
        + ". Flags set every row's value; a CSV cell overrides its row's. Every line is checked before anything "
        "is sent; re-running the same file with the same options resumes where it stopped.",
    )
    report.add_argument("file", metavar="FILE")
    report.add_argument("--namespace", choices=NAMESPACES)
    report.add_argument("--category", choices=CATEGORIES)
    report.add_argument("--confidence", choices=CONFIDENCES)
    report.add_argument("--reference", help="a private reference stored with each report")
    report.add_argument("--visibility", choices=VISIBILITIES)
    report.add_argument("--tlp", choices=TLPS)
    report.add_argument("--expires-at", help="ISO 8601 date or date-time with a time zone (hub default: a year)")
    report.add_argument("--audience-sectors", metavar="SECTOR,...", help="only these sectors may see the reports")
    report.add_argument("--audience-include", metavar="SLUG,...", help="these organisations may see them too")
    report.add_argument("--audience-exclude", metavar="SLUG,...", help="these organisations may not")
    report.add_argument(
        "--no-sighting-alerts", dest="sighting_alerts", action="store_const", const="false", help="no sighting alerts"
    )
    report.add_argument(
        "--batch-size", type=int, default=REPORT_BATCH, help=f"1..{REPORT_BATCH_MAX} reports per request"
    )
    report.add_argument("--restart", action="store_true", help="start a new run instead of resuming the last one")
    report.set_defaults(handler=_report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__)
    parser.add_argument("--url", default=os.environ.get("VIGIL_URL", ""), help="hub URL (default: $VIGIL_URL)")
    parser.add_argument(
        "--api-key", default=os.environ.get("VIGIL_API_KEY", ""), help="API key (default: $VIGIL_API_KEY)"
    )
    parser.add_argument(
        "--trustee-key",
        action="append",
        default=[],
        metavar="NAME=API_KEY",
        help="the organisation's API key at a trustee of a split key (default: $VIGIL_TRUSTEE_KEYS, comma-separated)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    tokenize = commands.add_parser(
        "tokenize",
        help="print address<TAB>token per line; the hub sees only blinded values",
        description="Addresses come from the arguments, --file, or standard input, one per line.",
    )
    _add_input(tokenize, namespace_required=True)
    tokenize.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help=f"1..{MAX_BATCH} per request")
    tokenize.set_defaults(handler=_tokenize)
    _add_report(commands)
    screen = commands.add_parser(
        "screen",
        help="print address<TAB>reported|not reported<TAB>categories<TAB>organisations<TAB>counterparts",
        description="Without --namespace each address must be valid in exactly one namespace.",
    )
    _add_input(screen, namespace_required=False)
    screen.add_argument("--record-sighting", action="store_true", help="let the reporters know it was seen")
    screen.add_argument("--sighting-visibility", choices=SIGHTING_VISIBILITIES, default="anonymous")
    screen.add_argument("--json", action="store_true", help="print one JSON object per address")
    screen.set_defaults(handler=_screen)
    matches = commands.add_parser(
        "matches",
        help="print id<TAB>status<TAB>own address<TAB>category<TAB>counterparts per match",
        description="The own address comes from the local record; the hub never had it.",
    )
    matches.add_argument("--json", action="store_true", help="print one JSON object per match")
    matches.set_defaults(handler=_matches)
    withdraw = commands.add_parser("withdraw", help="withdraw the organisation's reports of these addresses")
    _add_input(withdraw, namespace_required=False)
    withdraw.set_defaults(handler=_withdraw)
    _add_record(commands)
    _add_retokenize(commands)
    export = commands.add_parser(
        "export",
        help="write the organisation's reports, matches, sightings and outcomes as a STIX 2.1 bundle",
        description="The hub's bundle holds tokens only; the addresses come from the local record.",
    )
    export.add_argument("--stix", required=True, metavar="FILE", help="the bundle's path (written 0600)")
    export.set_defaults(handler=_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    batch_size = getattr(args, "batch_size", None)
    if batch_size is not None and not 1 <= batch_size <= MAX_BATCH:
        print(f"vigil: --batch-size must be between 1 and {MAX_BATCH}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.handler(args)
    except voprf.ProofError:
        print("vigil: the hub's proof did not verify; refusing its answer and stopping here.", file=sys.stderr)
        return EXIT_REFUSED
    except HubError as exc:
        print(f"vigil: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (OSError, RecordError, SharedRecordError, recordcrypto.RecordCryptoError) as exc:
        print(f"vigil: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
