"""Re-tokenise the organisation's active reports under the hub's current OPRF key, from the shared record.

For each batch of reports under an older key: the shared record gives each token's address, the
current key gives its new token, the new reports are submitted (with the old ones' fields and policy)
and the old ones withdrawn. The Idempotency-Key of a batch is derived from the old reports' ids, and
a withdrawn report is no longer listed, so a run cut short is resumed by running it again.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from vigil_client.hub import Hub, HubError
from vigil_client.record import Wallet
from vigil_client.shared_record import SharedRecord
from vigil_client.tokens import Tokenizer

BATCH = 500
ITEM_FIELDS = ("namespace", "category", "confidence", "first_seen", "last_seen", "value_amount", "value_currency",
               "reference")  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    retokenised: int
    missing: list[str]  # ids of reports whose address the shared record does not hold (or holds tampered)


def idempotency_key(report_ids: list[str]) -> str:
    """The same for the same old reports, whoever runs it (frontend/src/retokenize.js makes it too)."""
    return "vigil-retokenize-" + hashlib.sha256("\n".join(sorted(report_ids)).encode()).hexdigest()[:32]


def _stale(hub: Hub, current: str) -> Iterator[dict[str, Any]]:
    return (report for report in hub.reports(status="active") if report["key_id"] != current)


def _item(report: dict[str, Any], token: str, key_id: str) -> dict[str, Any]:
    item = {name: report[name] for name in ITEM_FIELDS if report.get(name) not in (None, "")}
    policy = {name: value for name, value in report["policy"].items() if value is not None}
    return {"token": token, "key_id": key_id, **item, "policy": policy}


def retokenize(hub: Hub, shared: SharedRecord, *, batch_size: int = BATCH, batches: int | None = None) -> Outcome:
    """Move every active report to the current key; with `batches`, stop after that many (run again to go on)."""
    tokenizer = Tokenizer(hub)
    current = tokenizer.key.key_id
    done = 0
    missing: list[str] = []
    stale = _stale(hub, current)
    sent = 0
    while chunk := list(islice(stale, batch_size)):
        found = shared.wallets_for_tokens((report["key_id"], report["token"]) for report in chunk)
        movable = []
        for report in chunk:
            wallet = found.get((report["key_id"], report["token"]))
            if isinstance(wallet, Wallet):
                movable.append((report, wallet))
            else:
                missing.append(report["id"])
        if not movable:
            continue
        if batches is not None and sent >= batches:
            break
        by_namespace: dict[str, list[tuple[dict[str, Any], Wallet]]] = {}
        for pair in movable:
            by_namespace.setdefault(pair[1].namespace, []).append(pair)
        new_tokens: dict[str, str] = {}
        for namespace, pairs in by_namespace.items():
            tokens = tokenizer.tokens_for(namespace, [wallet.canonical for _, wallet in pairs])
            new_tokens.update((report["id"], token) for (report, _), token in zip(pairs, tokens, strict=True))
        # Saved first: a crash after the hub took the batch still leaves the new tokens' addresses on record.
        shared.save(
            replace(wallet, key_id=current, token=new_tokens[report["id"]], report_id=None, status="pending")
            for report, wallet in movable
        )
        answer = hub.report_batch(
            {"items": [_item(report, new_tokens[report["id"]], current) for report, _ in movable]},
            idempotency_key([report["id"] for report, _ in movable]),
        )
        ids = {item["token"]: item["id"] for item in answer["reports"]}
        for report, _ in movable:
            try:
                hub.report_withdraw(report["id"])
            except HubError as exc:
                if exc.status != 404:
                    raise
        shared.save(
            [
                replace(
                    wallet,
                    key_id=current,
                    token=new_tokens[report["id"]],
                    report_id=ids.get(new_tokens[report["id"]]),
                    status="reported",
                )
                for report, wallet in movable
            ]
            + [replace(wallet, status="withdrawn") for _, wallet in movable]
        )
        done += len(movable)
        sent += 1
    return Outcome(done, missing)
