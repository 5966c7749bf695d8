"""Filling a hub's STIX 2.1 export with the organisation's own addresses, from its local record.

The hub's bundle names each reported wallet by token only (`[x-vigil-token:value = '…']`, with the token,
key id and namespace in the `x-vigil-token` extension). Here, on the member's machine, each indicator whose
token the record knows gets the address as its pattern (`[cryptocurrency-wallet:value = '…']`) and in its
extension, so the bundle can go to the member's own threat-intelligence platform.
"""

from datetime import UTC, datetime
from typing import Any

from vigil_client.contract import STIX_TOKEN_EXTENSION
from vigil_client.record import Wallet
from vigil_client.reporting import AddressBook

WALLET_OBJECT = "cryptocurrency-wallet"


def _quoted(value: str) -> str:
    """A STIX pattern string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def fill_addresses(bundle: dict[str, Any], book: AddressBook) -> tuple[int, int]:
    """Put the recorded address into each indicator of the bundle, in place; returns (filled, not recorded).

    An entry of the shared record that does not authenticate counts as not recorded: it is never written out."""
    indicators = [
        (item, item["extensions"][STIX_TOKEN_EXTENSION])
        for item in bundle.get("objects", [])
        if item.get("type") == "indicator" and STIX_TOKEN_EXTENSION in item.get("extensions", {})
    ]
    found = book.wallets_for_tokens((extension["key_id"], extension["token"]) for _, extension in indicators)
    filled = 0
    now = _timestamp()
    for item, extension in indicators:
        wallet = found.get((extension["key_id"], extension["token"]))
        if not isinstance(wallet, Wallet):
            continue
        extension["address"] = wallet.canonical
        item["pattern"] = f"[{WALLET_OBJECT}:value = {_quoted(wallet.canonical)}]"
        item["name"] = f"{wallet.namespace} wallet {wallet.canonical}"
        # The content changed on this machine: a new version of the same object.
        item["modified"] = max(now, item["created"])
        filled += 1
    return filled, len(indicators) - filled
