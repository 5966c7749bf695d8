"""Demo reports for a first run: wallets other demo members already reported, so a newcomer's first
report in the portal makes a match.

The command acts as those members' client: it normalises and blinds each address here, asks the key
service to evaluate only the blinded elements, checks the proof and unblinds — the `vigil report`
path, run in one process. The addresses are public test vectors, not intelligence.
"""

from dataclasses import dataclass

from vigil_client import voprf
from vigil_client.addresses import normalise, oprf_input

from apps.common.actors import SYSTEM, Actor
from apps.matching.reporting import report_submit
from apps.oprf.services import oprf_evaluate, oprf_key_ensure
from apps.organisations.models import Organisation


@dataclass(frozen=True)
class DemoWallet:
    namespace: str
    address: str
    category: str


# EIP-55's and BIP-173's published example addresses.
DEMO_WALLETS = [
    DemoWallet("evm", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "osec_payment"),
    DemoWallet("evm", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "sextortion"),
    DemoWallet("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "csam_marketplace"),
]
# (reporter, visibility): the exchange shares by name; the police unit keeps a silent watch on the
# same wallets, which no other member's page may ever show.
DEMO_REPORTERS = [("Coinharbor Exchange", "named"), ("Online Child Exploitation Unit", "silent")]


def demo_tokens(actor: Actor, wallets: list[DemoWallet]) -> list[tuple[str, str]]:
    """(key id, token) of each wallet, made as a member's client makes them."""
    key = oprf_key_ensure(actor=SYSTEM)
    inputs = [oprf_input(wallet.namespace, normalise(wallet.namespace, wallet.address)) for wallet in wallets]
    blinds, blinded = voprf.blind(inputs)
    evaluation = oprf_evaluate(actor=actor, key_id=key.key_id, blinded_elements=blinded)
    outputs = voprf.finalize(
        inputs,
        blinds,
        evaluation.evaluated_elements,
        proof=evaluation.proof,
        public_key=bytes(key.public_key),
        blinded_elements=blinded,
    )
    return [(key.key_id, voprf.token_from_output(output)) for output in outputs]


def demo_reports_load() -> list[DemoWallet]:
    """Have the demo exchange and police unit report the demo wallets (re-running changes nothing new)."""
    for name, visibility in DEMO_REPORTERS:
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is None or organisation.reports.exists():
            continue
        actor = Actor(organisation=organisation)
        items = [
            {"token": token, "key_id": key_id, "namespace": wallet.namespace, "category": wallet.category}
            for wallet, (key_id, token) in zip(DEMO_WALLETS, demo_tokens(actor, DEMO_WALLETS), strict=True)
        ]
        report_submit(actor=actor, items=items, policy={"visibility": visibility})
    return DEMO_WALLETS
