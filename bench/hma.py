"""Screening against Meta's Hasher-Matcher-Actioner (HMA) exact-match lookup: one client for both servers.

HMA is started separately (see bench/README.md) and named by --hma-url or VIGIL_BENCH_HMA_URL; its
video_md5 bank holds N entries, the k-th being md5(str(k)). This seeds a Vigil hub with as many
reports, runs it under gunicorn with as many workers, and times both with the same code: one lookup a
request, alternating between the two, then CONCURRENCY clients at once. Vigil authenticates, applies
the visibility rules and audits each screening; HMA answers from a per-worker in-memory index.
"""

import argparse
import hashlib
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from matching import (
    CONCURRENCY,
    SEED_ORGS,
    WORKERS,
    Row,
    Table,
    bench_database,
    concurrent_requests,
    django_setup,
    hub_env,
    organisation,
    percentile,
    print_table,
    running_hub,
    screening_tokens,
    seed,
    step,
)

ENTRIES = 1_000_000
QUICK_ENTRIES = 100_000
SIGNAL_TYPE = "video_md5"
WARMUP = 200
REQUESTS = 2_000  # per server
THROUGHPUT_ROUNDS = 2  # per server, alternating, so a passing load falls on both
ROUND_SECONDS = 10.0
LATENCY_GOAL = 1.0  # Vigil's p50 and p99 over HMA's
THROUGHPUT_GOAL = 1.0  # Vigil's requests/s over HMA's
TIMEOUT = 60.0


@dataclass(frozen=True)
class Server:
    """One side of the comparison: how to ask it about a token, and whether its answer said "known"."""

    name: str
    base_url: str
    headers: dict[str, str]
    ask: Callable[[httpx.Client, str], httpx.Response]
    known: Callable[[httpx.Response], bool]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=TIMEOUT)


def hma_server(url: str) -> Server:
    return Server(
        name="HMA",
        base_url=url.rstrip("/"),
        headers={},
        ask=lambda client, signal: client.get("/m/lookup", params={"signal_type": SIGNAL_TYPE, "signal": signal}),
        known=lambda response: bool(response.json()),  # matches by bank; {} when none
    )


def vigil_server(url: str, api_key: str, key_id: str) -> Server:
    return Server(
        name="Vigil",
        base_url=f"{url}/api/v1",
        headers={"Authorization": f"Bearer {api_key}"},
        ask=lambda client, token: client.post("/screen", json={"key_id": key_id, "tokens": [token]}),
        known=lambda response: response.json()["results"][0]["reported"],
    )


def hma_entries(url: str) -> int:
    """How many video_md5 signals HMA's index holds."""
    response = httpx.get(f"{url.rstrip('/')}/m/index/status", params={"signal_type": SIGNAL_TYPE}, timeout=TIMEOUT)
    response.raise_for_status()
    status = response.json()[SIGNAL_TYPE]
    if not status["present"]:
        raise RuntimeError(f"HMA has no {SIGNAL_TYPE} index yet: build it, then run this again")
    return status["size"]


def banked_signal(k: int) -> str:
    """The k-th entry of HMA's bank: a digest of a name, not a hash of secrets."""
    return hashlib.md5(str(k).encode(), usedforsecurity=False).hexdigest()


def hma_signals(entries: int, count: int) -> list[tuple[str, bool]]:
    """The Vigil mix's shape: every other one banked, the rest never banked (random digests)."""
    return [
        (secrets.token_hex(16), False) if i % 2 else (banked_signal(random.randrange(entries)), True)
        for i in range(count)
    ]


def ask_timed(server: Server, client: httpx.Client, value: str, known: bool) -> float:
    """Milliseconds for one lookup; the answer is checked after the clock stops."""
    start = time.perf_counter()
    response = server.ask(client, value)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{server.name} answered {response.status_code}: {response.text[:500]}")
    if server.known(response) != known:
        raise RuntimeError(f"{server.name} did not answer known={known} for {value}: {response.text[:500]}")
    return elapsed


def latencies(hma: Server, vigil: Server, hma_mix: list, vigil_mix: list) -> dict[str, list[float]]:
    """Alternating one request to each on persistent connections, the first of each pair swapping every
    other pair so neither always follows the other; the first WARMUP pairs are not kept."""
    times: dict[str, list[float]] = {hma.name: [], vigil.name: []}
    with hma.client() as hma_client, vigil.client() as vigil_client:
        for i, (hma_item, vigil_item) in enumerate(zip(hma_mix, vigil_mix, strict=True)):
            pair = [(hma, hma_client, hma_item), (vigil, vigil_client, vigil_item)]
            for server, client, (value, known) in pair if (i // 2) % 2 == 0 else reversed(pair):
                elapsed = ask_timed(server, client, value, known)
                if i >= WARMUP:
                    times[server.name].append(elapsed)
    return times


def requests_per_second(server: Server, values: list[str]) -> tuple[int, float]:
    """Requests that CONCURRENCY clients, each on its own connection, complete in ROUND_SECONDS; and seconds."""

    def request(client: httpx.Client) -> httpx.Response:
        return server.ask(client, random.choice(values))

    return concurrent_requests(server.client, request, ROUND_SECONDS, server.name)


def latency_rows(hma: Server, vigil: Server, hma_mix: list, vigil_mix: list) -> list[Row]:
    with step(f"latency: {REQUESTS:,} lookups each after {WARMUP} warm-up, one a request, alternating"):
        times = latencies(hma, vigil, hma_mix, vigil_mix)
        rows = []
        for label, fraction in (("p50", 0.5), ("p99", 0.99)):
            ours, theirs = percentile(times[vigil.name], fraction), percentile(times[hma.name], fraction)
            print(f"   {label}: Vigil {ours:.2f} ms, HMA {theirs:.2f} ms")
            ratio = ours / theirs
            rows.append(
                Row(
                    f"single lookup {label}",
                    f"Vigil {ours:.2f} ms",
                    f"HMA {theirs:.2f} ms",
                    ratio,
                    f"<= {LATENCY_GOAL}",
                    ratio <= LATENCY_GOAL,
                )
            )
    return rows


def throughput_row(hma: Server, vigil: Server, hma_mix: list, vigil_mix: list) -> Row:
    rounds = f"{THROUGHPUT_ROUNDS} rounds of {ROUND_SECONDS:.0f} s each"
    with step(f"throughput: {CONCURRENCY} clients at once, one lookup a request, {rounds}, alternating"):
        totals = {hma.name: [0, 0.0], vigil.name: [0, 0.0]}
        for _ in range(THROUGHPUT_ROUNDS):
            for server, mix in ((hma, hma_mix), (vigil, vigil_mix)):
                done, seconds = requests_per_second(server, [value for value, _ in mix])
                totals[server.name][0] += done
                totals[server.name][1] += seconds
                print(f"   {server.name}: {done / seconds:,.0f} requests/s")
        ours, theirs = (totals[name][0] / totals[name][1] for name in (vigil.name, hma.name))
        print(f"   Vigil {ours:,.0f} requests/s, HMA {theirs:,.0f} requests/s")
    ratio = ours / theirs
    return Row(
        f"throughput at {CONCURRENCY} clients",
        f"Vigil {ours:,.0f} /s",
        f"HMA {theirs:,.0f} /s",
        ratio,
        f">= {THROUGHPUT_GOAL}",
        ratio >= THROUGHPUT_GOAL,
    )


def compare(hma_url: str, banked: int, entries: int, work: Path, env: dict[str, str]) -> list[Row]:
    django_setup(env)
    from django.core.management import call_command
    from django.db import connections

    from apps.common.actors import SYSTEM
    from apps.oprf.services import oprf_key_ensure
    from apps.organisations.services import api_key_create

    try:
        with step("setup: migrate, organisations, OPRF key"):
            call_command("migrate", verbosity=0)
            key = oprf_key_ensure(actor=SYSTEM)
            seeders = [organisation(f"Bench Seed {i:02d}", i) for i in range(SEED_ORGS)]
            screener = organisation("Bench Screener", 1)
            _, api_key = api_key_create(actor=SYSTEM, organisation=screener, name="bench", scopes="screen")
            print("   every organisation chose inbox-only notifications (no e-mail: no broker runs them here)")
        table = Table(key.key_id, [org.pk for org in seeders])
        seed(table, entries)
        if banked != table.rows:
            print(f"   HMA holds {banked:,} entries, Vigil {table.rows:,} reports: the ratios compare unlike tables")
        hma = hma_server(hma_url)
        count = WARMUP + REQUESTS
        hma_mix, vigil_mix = hma_signals(banked, count), screening_tokens(table, count)
        with running_hub({**os.environ}, work / "gunicorn.log") as hub:
            vigil = vigil_server(hub.url, api_key, table.key_id)
            rows = latency_rows(hma, vigil, hma_mix, vigil_mix)
            rows.append(throughput_row(hma, vigil, hma_mix, vigil_mix))
        return rows
    finally:
        connections.close_all()  # the database is dropped next


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hma-url", default=os.environ.get("VIGIL_BENCH_HMA_URL"), help="a running HMA")
    parser.add_argument("--quick", action="store_true", help=f"seed Vigil with {QUICK_ENTRIES:,} reports")
    args = parser.parse_args()
    if not args.hma_url:
        print("HMA comparison not run: no HMA to compare with. Start HMA with its video_md5 entries and")
        print(f"{WORKERS} gunicorn workers, then pass --hma-url URL or set VIGIL_BENCH_HMA_URL (bench/README.md).")
        return 0
    entries = QUICK_ENTRIES if args.quick else ENTRIES
    banked = hma_entries(args.hma_url)
    print(f"HMA at {args.hma_url}: {banked:,} {SIGNAL_TYPE} entries in its index")
    # Every rate assumes the cores are ours: say so when something else was running.
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="vigil-bench-hma-") as tmp, bench_database("vigil_hma_bench") as url:
        rows = compare(args.hma_url, banked, entries, Path(tmp), hub_env(url, Path(tmp) / "var"))
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min), {os.getloadavg()[1]:.2f} (5 min)")
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
