"""Demo reports for a first run: wallets other demo members already reported, so a newcomer's first
report in the portal makes a match; and a year of reports by the demo consortium's other members.

The command acts as those members' client: it normalises and blinds each address here, asks the key
service to evaluate only the blinded elements, checks the proof and unblinds — the `vigil report`
path, run in one process. The addresses are public test vectors or synthetic, not intelligence.
"""

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bip_utils import Base58Encoder, SegwitBech32Encoder
from django.db import transaction
from vigil_client import voprf
from vigil_client.addresses import normalise, oprf_input

from apps.common.actors import SYSTEM, Actor
from apps.common.public_ids import internal_id
from apps.indicators.models import Report
from apps.matching.models import Match, MatchParticipant
from apps.matching.reporting import report_submit
from apps.oprf.services import oprf_evaluate, oprf_key_ensure
from apps.organisations.models import Organisation
from apps.routing.models import Event
from apps.routing.services import channels_set


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


# The consortium's year: wallets each reported by one to four members, first reported in one of the twelve
# calendar months to date (what a release covers by default), more in recent ones as the hub grows, some
# with the value the reporter saw.
DEMO_CONSORTIUM_WALLETS = 1000
HISTORY_MONTHS = 12
CATEGORIES = ["osec_payment"] * 5 + ["csam_marketplace"] * 3 + ["sextortion"] * 3 + ["trafficking", "grooming"]
NAMESPACES = ["btc"] * 5 + ["evm"] * 5 + ["trx"] * 3 + ["ltc", "doge", "sol"]
VISIBILITIES = ["named", "anonymous", "anonymous", "anonymous", "silent"]
# Base58check version bytes of a mainnet pay-to-public-key-hash address.
_P2PKH_VERSION = {"btc": 0x00, "trx": 0x41, "ltc": 0x30, "doge": 0x1E}


def synthetic_address(namespace: str, n: int) -> str:
    """A well-formed mainnet address made from a hash of n: the same on every run, and nobody's known wallet."""
    digest = hashlib.sha256(f"vigil-demo-wallet-{n}".encode()).digest()
    if namespace == "evm":
        return "0x" + digest[:20].hex()
    if namespace == "sol":
        return Base58Encoder.Encode(digest)
    if namespace == "btc" and n % 2:
        return SegwitBech32Encoder.Encode("bc", 0, digest[:20])
    return Base58Encoder.CheckEncode(bytes([_P2PKH_VERSION[namespace]]) + digest[:20])


@dataclass(frozen=True)
class PlannedReport:
    organisation: Organisation
    wallet: DemoWallet
    at: datetime
    visibility: str
    value: Decimal | None


def _month_start(now: datetime, back: int) -> datetime:
    year, month = divmod(now.year * 12 + now.month - 1 - back, 12)
    return now.replace(year=year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _history_plan(members: list[Organisation], wallets: int, now: datetime) -> list[PlannedReport]:
    rng = random.Random(11)  # the same history on every run and machine
    starts = [_month_start(now, back) for back in range(HISTORY_MONTHS - 1, -1, -1)]
    ends = [*starts[1:], now]
    weights = [6 + i for i in range(HISTORY_MONTHS)]
    plan = []
    for n in range(wallets):
        namespace = rng.choice(NAMESPACES)
        wallet = DemoWallet(namespace, synthetic_address(namespace, n), rng.choice(CATEGORIES))
        month = rng.choices(range(HISTORY_MONTHS), weights)[0]
        first = starts[month] + (ends[month] - starts[month]) * rng.random()
        for i, organisation in enumerate(rng.sample(members, k=rng.choice([1, 1, 1, 2, 2, 3, 4]))):
            at = min(first + timedelta(hours=i * rng.randrange(1, 600)), now - timedelta(minutes=5))
            value = Decimal(rng.randrange(1, 50_000)) / 100 if rng.random() < 0.3 else None
            plan.append(PlannedReport(organisation, wallet, at, rng.choice(VISIBILITIES), value))
    return sorted(plan, key=lambda planned: planned.at)


@transaction.atomic
def demo_consortium_reports_load(*, members: list[Organisation], wallets: int, now: datetime) -> dict[int, datetime]:
    """Have the consortium's members report a year of synthetic wallets, month by month, as their clients
    would; returns when each report (by id) was made, for `demo_history_backdate`."""
    plan = _history_plan(members, wallets, now)
    tokens: dict[tuple[int, DemoWallet], tuple[str, str]] = {}
    for organisation in members:
        # Members without people read their notifications in the hub: nobody is e-mailed.
        channels_set(
            actor=Actor(organisation=organisation),
            organisation=organisation,
            choices={event: [] for event in Event.values},
        )
        own = list(dict.fromkeys(p.wallet for p in plan if p.organisation == organisation))
        if own:
            evaluated = demo_tokens(Actor(organisation=organisation), own)
            tokens |= {(organisation.pk, wallet): pair for wallet, pair in zip(own, evaluated, strict=True)}
    # One batch per member and month, the months in order, as a member's client would have sent them.
    batches: dict[tuple[str, int], list[PlannedReport]] = defaultdict(list)
    for planned in plan:
        batches[(f"{planned.at:%Y-%m}", planned.organisation.pk)].append(planned)
    made: dict[int, datetime] = {}
    for batch in batches.values():
        organisation = batch[0].organisation
        items = []
        for planned in batch:
            key_id, token = tokens[(organisation.pk, planned.wallet)]
            items.append({
                "token": token, "key_id": key_id, "namespace": planned.wallet.namespace,
                "category": planned.wallet.category, "policy": {"visibility": planned.visibility},
                **({"value_amount": planned.value, "value_currency": "USD"} if planned.value else {}),
            })  # fmt: skip
        result = report_submit(actor=Actor(organisation=organisation), items=items)
        ids = [internal_id("report", report["id"]) for report in result.reports]
        made |= {report_id: planned.at for report_id, planned in zip(ids, batch, strict=True)}
    return made


@transaction.atomic
def demo_history_backdate(*, made: dict[int, datetime]) -> list[int]:
    """Date each demo report, and the matches it joined, to when the plan says it was made.

    Why: the demo is loaded in a moment, but statistics are about time — a monthly series needs reports
    across months. Only the demo's own rows move, consistently (a participant joins when its report arrived,
    a match forms when its second member reported); audit events and notifications keep when they were
    written, since the audit chain is append-only. Returns the ids of the matches it dated.
    """
    # Row by row: every row gets its own moment, and one UPDATE each is quicker than bulk_update's CASE.
    for report_id, at in made.items():
        Report.objects.filter(pk=report_id).update(created_at=at, active_since=at, updated_at=at)
        MatchParticipant.objects.filter(report_id=report_id).update(joined_at=at)
    joined: dict[int, list[datetime]] = defaultdict(list)
    for match_id, report_id in MatchParticipant.objects.filter(report_id__in=made).values_list("match_id", "report_id"):
        joined[match_id].append(made[report_id])
    for match_id, times in joined.items():
        times.sort()
        Match.objects.filter(pk=match_id).update(created_at=times[1], updated_at=times[-1])
    return list(joined)
