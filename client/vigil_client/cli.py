"""The `vigil` command: tokenise wallet addresses against a Vigil hub without revealing them."""

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from typing import TextIO

from vigil_client import voprf
from vigil_client.addresses import NAMESPACES
from vigil_client.hub import Hub, HubError
from vigil_client.tokens import DEFAULT_BATCH, MAX_BATCH, Tokenizer

EXIT_INVALID_LINES = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3


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


def _tokenize(args: argparse.Namespace) -> int:
    hub = Hub(args.url, args.api_key)
    try:
        tokenizer = Tokenizer(hub, batch_size=args.batch_size)
        with open(args.file, encoding="utf-8") if args.file else nullcontext() as file:
            results = tokenizer.tokenize(args.namespace, _lines(args.addresses, file))
            invalid = 0
            out = sys.stdout
            for result in _progress(results, enabled=sys.stderr.isatty() and not args.addresses):
                if result.token is not None:
                    out.write(f"{result.address}\t{result.token}\n")
                else:
                    invalid += 1
                    out.write(f"{result.address}\terror: {result.error}\n")
    finally:
        hub.close()
    return EXIT_INVALID_LINES if invalid else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__)
    parser.add_argument("--url", default=os.environ.get("VIGIL_URL", ""), help="hub URL (default: $VIGIL_URL)")
    parser.add_argument(
        "--api-key", default=os.environ.get("VIGIL_API_KEY", ""), help="API key (default: $VIGIL_API_KEY)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    tokenize = commands.add_parser(
        "tokenize",
        help="print address<TAB>token per line; the hub sees only blinded values",
        description="Addresses come from the arguments, --file, or standard input, one per line.",
    )
    tokenize.add_argument("--namespace", required=True, choices=NAMESPACES)
    tokenize.add_argument("--file", help="read addresses from this file, one per line")
    tokenize.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help=f"1..{MAX_BATCH} per request")
    tokenize.add_argument("addresses", nargs="*", metavar="ADDRESS")
    tokenize.set_defaults(handler=_tokenize)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 1 <= args.batch_size <= MAX_BATCH:
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
    except OSError as exc:
        print(f"vigil: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
