"""Token benchmark: libsodium floor, hub evaluation, end-to-end `vigil tokenize` and client memory."""

import argparse
import hashlib
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import rbcl
from rbcl._sodium import lib_path as sodium_library

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv running this script also holds gunicorn and vigil

FLOOR_PAIRS = 1_000  # distinct random (scalar, point) pairs, cycled
FLOOR_ROUND = 10_000  # multiplications per timed round
FLOOR_ROUNDS = 5  # best round wins: the floor is what libsodium can do, not what the machine allowed
SERVER_BATCH = 10_000  # the evaluate endpoint's maximum batch
SERVER_ROUNDS = 3
E2E_ADDRESSES = 100_000
MEMORY_SIZES = (100_000, 300_000, 1_000_000)
QUICK_MEMORY_SIZES = (30_000, 100_000)  # still two sizes to compare, in a third of the time
VIGIL_TIMEOUT_SECONDS = 3600  # a bound far above the slowest run seen (1,000,000 addresses)
RSS_POLL_SECONDS = 0.02
HUB_START_ATTEMPTS = 300  # x HUB_POLL_SECONDS: gunicorn starts in a few seconds
HUB_POLL_SECONDS = 0.1
# Per element: the hub multiplies once to evaluate and once for the proof's composite; the client
# once to blind, twice to verify the proof's composites, once to unblind.
SERVER_MULTS = 2
CLIENT_MULTS = 4
CORES = 2
SERVER_GOAL_RATIO = 0.45
E2E_GOAL_OVER_FLOOR = 1.5
MEMORY_GOAL_MB = 200.0
TOKEN_LINE = re.compile(r"(0x[0-9a-f]{40})\t([0-9a-f]{64})")


@dataclass(frozen=True)
class Rate:
    wall: float  # per second elapsed
    cpu: float  # per second of this thread's CPU time: what a core does when nothing else wants it


@dataclass(frozen=True)
class ServerRound:
    rate: Rate  # elements per second
    floor: float  # multiplications per CPU second, measured just before the call

    @property
    def ratio(self) -> float:
        return self.rate.cpu / self.floor


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    ratio: float | None  # to the floor: one thread's multiplications per CPU second
    goal: str
    met: bool | None


@dataclass(frozen=True)
class Hub:
    url: str
    api_key: str
    log: Path
    pid: int  # the gunicorn master

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:]

    def cpu_seconds(self) -> float:
        """User + system CPU of the gunicorn workers so far (Linux /proc; the master only supervises)."""
        tick = os.sysconf("SC_CLK_TCK")
        workers = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        total = 0
        for worker in workers:
            # Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
            fields = Path(f"/proc/{worker}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        return total / tick


@dataclass(frozen=True)
class VigilRun:
    count: int
    seconds: float
    peak_rss_mb: float  # summed over vigil's processes at the sample where the sum peaked
    peak_pss_mb: float
    peak_processes: int
    client_cpu: float  # CPU seconds, user + system
    hub_cpu: float
    others_cpu: float  # every other process on the machine
    stolen: float  # seconds the hypervisor took from this virtual machine

    @property
    def rate(self) -> float:
        return self.count / self.seconds


@contextmanager
def step(name: str) -> Iterator[None]:
    """Print a step's name and, when it ends, its wall time."""
    print(f"== {name}", flush=True)
    start = time.perf_counter()
    yield
    print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)


def multiply_pairs(pairs: list[tuple[bytes, bytes]], count: int) -> None:
    multiply = rbcl.crypto_scalarmult_ristretto255
    for _ in range(count // len(pairs)):
        for scalar, point in pairs:
            multiply(scalar, point)


def random_pairs() -> list[tuple[bytes, bytes]]:
    return [
        (rbcl.crypto_core_ristretto255_scalar_random(), rbcl.crypto_core_ristretto255_random())
        for _ in range(FLOOR_PAIRS)
    ]


def floor_round(pairs: list[tuple[bytes, bytes]]) -> Rate:
    """One round of FLOOR_ROUND multiplications in this thread."""
    wall, cpu = time.perf_counter(), time.thread_time()
    multiply_pairs(pairs, FLOOR_ROUND)
    return Rate(wall=FLOOR_ROUND / (time.perf_counter() - wall), cpu=FLOOR_ROUND / (time.thread_time() - cpu))


def additions_per_cpu_second(pairs: list[tuple[bytes, bytes]]) -> float:
    """Point additions per CPU second in this thread, each of two encoded points to an encoded sum."""
    add = rbcl.crypto_core_ristretto255_add
    cpu = time.thread_time()
    for _ in range(FLOOR_ROUND // len(pairs)):
        for _, point in pairs:
            add(point, point)
    return FLOOR_ROUND / (time.thread_time() - cpu)


def floor_rate() -> Rate:
    """Multiplications per second in one thread, the best of FLOOR_ROUNDS rounds."""
    pairs = random_pairs()
    rounds = [floor_round(pairs) for _ in range(FLOOR_ROUNDS)]
    return Rate(wall=max(rate.wall for rate in rounds), cpu=max(rate.cpu for rate in rounds))


def parallel_floor() -> tuple[float, float]:
    """Multiplications per second over CORES threads together and the cores they kept busy, median round.

    On a virtual machine a core can be slower while its sibling is busy: this, not CORES times the
    one-thread floor, is what the machine delivers when client and hub keep every core busy. The
    median rather than the best round, because it stands for a run that lasts minutes.
    """
    pairs = random_pairs()
    rounds = []
    for _ in range(FLOOR_ROUNDS):
        workers = [threading.Thread(target=multiply_pairs, args=(pairs, FLOOR_ROUND)) for _ in range(CORES)]
        wall, cpu = time.perf_counter(), process_cpu_seconds()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        wall, cpu = time.perf_counter() - wall, process_cpu_seconds() - cpu
        rounds.append((CORES * FLOOR_ROUND / wall, cpu / wall))
    return statistics.median_low(rounds)


def hub_env(var_dir: Path) -> dict[str, str]:
    """A throwaway embedded hub: its own SQLite database and secrets, limits far above the benchmark's load."""
    return {
        "VIGIL_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        # Given rather than generated, so settings do not warn about creating local ones.
        "SECRET_KEY": secrets.token_hex(32),
        "VIGIL_KEY_ENCRYPTION_KEY": secrets.token_hex(32),
        "VIGIL_OPRF_DAILY_QUOTA": str(10**9),
        "VIGIL_OPRF_RATE": "100000/min",
        "LOG_LEVEL": "WARNING",
    }


def server_rate(var_dir: Path) -> ServerRound:
    """oprf_evaluate at the maximum batch, each call after a floor round: the best ratio of the rounds."""
    os.environ.update(hub_env(var_dir))
    sys.path.insert(0, str(ROOT))
    # Django reads the environment at import, so it is imported only now.
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from vigil_client import voprf

    from apps.common.actors import SYSTEM, Actor
    from apps.oprf.services import oprf_evaluate, oprf_key_add
    from apps.organisations.services import organisation_create

    try:
        call_command("migrate", verbosity=0)
        organisation = organisation_create(actor=SYSTEM, name="Bench Bank", sector="bank", jurisdiction="GB")
        actor = Actor(organisation=organisation)
        key = oprf_key_add(actor=SYSTEM, activate=True)
        blinded = [rbcl.crypto_core_ristretto255_random() for _ in range(SERVER_BATCH)]
        pairs = random_pairs()
        rounds = []
        for _ in range(SERVER_ROUNDS):
            # The floor right before each call: the two see the same machine, however busy it is.
            floor = floor_round(pairs).cpu
            wall, cpu = time.perf_counter(), time.thread_time()
            evaluation = oprf_evaluate(actor=actor, key_id=key.key_id, blinded_elements=blinded)
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            rounds.append(ServerRound(Rate(wall=SERVER_BATCH / wall, cpu=SERVER_BATCH / cpu), floor))
        # Outside the timing: a fast wrong answer would not count.
        voprf.verify_proof(bytes(key.public_key), blinded, evaluation.evaluated_elements, evaluation.proof)
    finally:
        connections.close_all()  # SQLite must let go of the file before its directory goes
    return max(rounds, key=lambda round_: round_.ratio)


def write_addresses(path: Path, count: int) -> None:
    """Deterministic, valid, all-lowercase EVM addresses (no EIP-55 checksum to compute)."""
    with path.open("w") as file:
        file.writelines(
            f"0x{hashlib.blake2b(i.to_bytes(8, 'big'), digest_size=20).hexdigest()}\n" for i in range(count)
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_checked(command: list[str], env: dict[str, str]) -> str:
    """Run a setup command; return its last stdout line or raise with its stderr."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1]


@contextmanager
def running_hub(var_dir: Path) -> Iterator[Hub]:
    """A migrated hub with a current key, one organisation and an API key, served by gunicorn."""
    env = {**os.environ, **hub_env(var_dir)}
    manage = [str(BIN / "python"), "manage.py"]
    run_checked([*manage, "migrate", "--noinput"], env)
    run_checked([*manage, "oprf_key", "ensure"], env)
    slug = run_checked(
        [*manage, "create_organisation", "--name", "Bench Exchange", "--sector", "exchange", "--jurisdiction", "GB"],
        env,
    )
    api_key = run_checked(
        [*manage, "create_api_key", "--organisation", slug, "--name", "bench", "--scopes", "report,screen"], env
    )
    url = f"http://127.0.0.1:{free_port()}"
    log_path = var_dir / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "hub.wsgi", "--bind", url.removeprefix("http://"), "--workers", str(CORES)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(HUB_START_ATTEMPTS):
            if server.poll() is not None:
                break
            try:
                if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(HUB_POLL_SECONDS)
        else:
            raise RuntimeError(f"the hub did not answer /healthz:\n{log_path.read_text()[-2000:]}")
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-2000:]}")
        yield Hub(url, api_key, log_path, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_output(out_path: Path, addresses: Path, count: int) -> None:
    """Every input line, in order, with a 64-hex token, and no two tokens alike."""
    tokens: set[str] = set()
    with out_path.open() as out, addresses.open() as source:
        lines = 0
        for lines, (line, address) in enumerate(zip(out, source, strict=True), start=1):
            match = TOKEN_LINE.fullmatch(line.rstrip("\n"))
            if match is None or match[1] != address.rstrip("\n"):
                raise RuntimeError(f"line {lines} of the output is not {address.strip()}<TAB>token: {line!r}")
            tokens.add(match[2])
    if lines != count or len(tokens) != count:
        raise RuntimeError(f"{lines} lines and {len(tokens)} distinct tokens for {count} addresses")


def process_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def machine_cpu_seconds() -> tuple[float, float]:
    """From /proc/stat: CPU seconds every process used since boot, and seconds the hypervisor took."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(field) for field in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    )
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def tree_memory(root: int) -> tuple[int, int, int]:
    """RSS and PSS summed over a process and its descendants (vigil's workers), and how many there were.

    Summed RSS counts pages the processes share once per process; PSS splits them among them.
    """
    total_rss, total_pss, count, stack = 0, 0, 0, [root]
    while stack:
        pid = stack.pop()
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
            total_rss += int(fields["Rss"].split()[0]) * 1024
            total_pss += int(fields["Pss"].split()[0]) * 1024
            count += 1
            for task in Path(f"/proc/{pid}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # it exited while being read
    return total_rss, total_pss, count


def run_vigil(hub: Hub, addresses: Path, count: int, work: Path, extra: tuple[str, ...] = ()) -> VigilRun:
    """Time one fresh `vigil tokenize` process tree, polling its summed RSS until it exits."""
    out_path, err_path = work / "tokens.tsv", work / "vigil.err"
    env = {**os.environ, "VIGIL_URL": hub.url, "VIGIL_API_KEY": hub.api_key}
    command = [str(BIN / "vigil"), "tokenize", "--namespace", "evm", "--file", str(addresses), *extra]
    peak_rss, peak_pss, peak_processes = 0, 0, 0
    with out_path.open("w") as out, err_path.open("w") as err:
        hub_cpu, (machine_cpu, stolen), own_cpu = hub.cpu_seconds(), machine_cpu_seconds(), process_cpu_seconds()
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        try:
            while True:
                # wait4 gives the CPU of vigil and of the worker processes it reaped.
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() - start > VIGIL_TIMEOUT_SECONDS:
                    raise RuntimeError(f"vigil ran for more than {VIGIL_TIMEOUT_SECONDS} s")
                rss, pss, processes = tree_memory(process.pid)
                peak_pss = max(peak_pss, pss)
                if rss > peak_rss:
                    peak_rss, peak_processes = rss, processes
                time.sleep(RSS_POLL_SECONDS)
            seconds = time.perf_counter() - start
            machine_after, stolen_after = machine_cpu_seconds()
            machine_cpu, stolen = machine_after - machine_cpu, stolen_after - stolen
            hub_cpu, own_cpu = hub.cpu_seconds() - hub_cpu, process_cpu_seconds() - own_cpu
            process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
        finally:
            if process.returncode is None:
                process.kill()
                process.wait()
    if process.returncode != 0:
        raise RuntimeError(
            f"vigil exited with {process.returncode}: {err_path.read_text()[-2000:]}\nhub log:\n{hub.log_tail()}"
        )
    check_output(out_path, addresses, count)
    out_path.unlink()
    return VigilRun(
        count=count,
        seconds=seconds,
        peak_rss_mb=peak_rss / 1e6,
        peak_pss_mb=peak_pss / 1e6,
        peak_processes=peak_processes,
        client_cpu=usage.ru_utime + usage.ru_stime,
        hub_cpu=hub_cpu,
        others_cpu=max(0.0, machine_cpu - usage.ru_utime - usage.ru_stime - hub_cpu - own_cpu),
        stolen=stolen,
    )


def addresses_file(work: Path, count: int) -> Path:
    path = work / f"addresses-{count}.txt"
    if not path.exists():
        write_addresses(path, count)
    return path


def yes_no(met: bool | None) -> str:
    return "-" if met is None else ("yes" if met else "NO")


def print_table(rows: list[Row]) -> None:
    header = ("measure", "value", "ratio to floor", "goal", "met")
    cells = [header] + [
        (row.measure, row.value, "-" if row.ratio is None else f"{row.ratio:.3f}", row.goal, yes_no(row.met))
        for row in rows
    ]
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]
    for index, cell in enumerate(cells):
        print("  ".join(text.ljust(width) for text, width in zip(cell, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def cpu_report(run: VigilRun, core_speed: float) -> None:
    """Where the time went, in multiplications' worth of CPU per address, against what the protocol needs."""
    client = run.client_cpu * core_speed / run.count
    hub = run.hub_cpu * core_speed / run.count
    print(
        f"   CPU per address in multiplications' worth (at {core_speed:,.0f} per CPU second, a core's speed "
        f"with both busy): client {client:.2f} (needs {CLIENT_MULTS}), hub {hub:.2f} (needs {SERVER_MULTS})"
    )
    print(
        f"   cores busy with vigil and the hub {(run.client_cpu + run.hub_cpu) / run.seconds:.2f}, "
        f"with other processes {run.others_cpu / run.seconds:.2f}, "
        f"taken by the hypervisor {run.stolen / run.seconds:.2f}, of {CORES}"
    )


def floor_step() -> tuple[float, Row]:
    with step("1. floor: libsodium ristretto255 scalar multiplications"):
        floor = floor_rate()
        together, cores = parallel_floor()
        print(
            f"   one thread: {floor.cpu:,.0f} per CPU second, {floor.wall:,.0f} per second elapsed "
            f"(best of {FLOOR_ROUNDS} x {FLOOR_ROUND:,}; they differ when another process had the core)"
        )
        print(
            f"   {CORES} threads together: {together:,.0f} per second elapsed (median round) = "
            f"{together / floor.cpu:.2f} x one thread, on {cores:.2f} cores "
            "(a call holding the GIL could not use more than 1)"
        )
    return floor.cpu, Row("floor, 1 thread", f"{floor.cpu:,.0f} mult/CPU s", 1.0, "-", None)


def server_step(work: Path, floor: float) -> Row:
    with step(f"2. hub: oprf_evaluate, batch {SERVER_BATCH:,}, in-process on SQLite"):
        best = server_rate(work / "server-var")
        print(
            f"   {best.rate.cpu:,.0f} elements per CPU second ({best.rate.wall:,.0f} per second elapsed) = "
            f"{best.ratio:.3f} of the floor measured just before the call ({best.floor:,.0f}; best of {SERVER_ROUNDS})"
        )
        print(
            f"   at {SERVER_MULTS} multiplications per element the ceiling is {1 / SERVER_MULTS:.2f} of the floor; "
            f"this is {best.ratio * SERVER_MULTS:.0%} of it"
        )
        # The proof's composite also sums one product per element, and libsodium adds only encoded
        # points: it decodes both and encodes the sum, each time.
        pairs = random_pairs()
        addition = floor_round(pairs).cpu / additions_per_cpu_second(pairs)
        ceiling = 1 / (SERVER_MULTS + addition)
        print(
            f"   one addition costs {addition:.2f} of a multiplication, so with it the ceiling is "
            f"{ceiling:.3f} of the floor; this is {best.ratio / ceiling:.0%} of it"
        )
    goal = f">= {SERVER_GOAL_RATIO} of floor"
    value = f"{best.rate.cpu:,.0f} elem/CPU s"
    return Row("hub evaluate, 1 call", value, best.ratio, goal, best.ratio >= SERVER_GOAL_RATIO)


def e2e_step(hub: Hub, work: Path, floor: float) -> Row:
    with step(f"3. end to end: vigil tokenize --namespace evm, {E2E_ADDRESSES:,} addresses"):
        run_vigil(hub, addresses_file(work, 20), 20, work, ("--batch-size", "10"))  # checks setup, warms workers
        together, cores = parallel_floor()
        run = run_vigil(hub, addresses_file(work, E2E_ADDRESSES), E2E_ADDRESSES, work)
        ratio = run.rate / floor
        per_address = SERVER_MULTS + CLIENT_MULTS
        ceiling = CORES * floor / per_address
        measured_ceiling = together / per_address
        print(f"   {run.seconds:.1f} s, {run.rate:,.0f} addresses/s = {ratio:.3f} of the floor")
        print(
            f"   ceiling, {CLIENT_MULTS} client + {SERVER_MULTS} hub multiplications per address on {CORES} cores: "
            f"{ceiling:,.0f} addresses/s = {ceiling / floor:.3f} of the floor ({E2E_ADDRESSES / ceiling:.1f} s)"
        )
        print(
            f"   {CORES} threads together just before the run: {together:,.0f} multiplications/s (median), "
            f"so a ceiling of {measured_ceiling:,.0f} addresses/s ({E2E_ADDRESSES / measured_ceiling:.1f} s) "
            f"on this machine; this run reached {run.rate / measured_ceiling:.0%} of it"
        )
        cpu_report(run, together / cores)
    # The goal compares the run with the time the protocol's multiplications alone take on both cores.
    floor_seconds = E2E_ADDRESSES / measured_ceiling
    over = run.seconds / floor_seconds
    value = f"{run.seconds:.1f} s vs {floor_seconds:.1f} s of crypto"
    goal = f"<= {E2E_GOAL_OVER_FLOOR} x crypto floor"
    return Row(f"vigil tokenize {E2E_ADDRESSES:,}", value, over, goal, over <= E2E_GOAL_OVER_FLOOR)


def memory_step(hub: Hub, work: Path, count: int) -> Row:
    with step(f"4. client peak RSS: vigil tokenize, {count:,} addresses"):
        path = addresses_file(work, count)
        together, cores = parallel_floor()
        run = run_vigil(hub, path, count, work)
        path.unlink()  # the largest input is 43 MB; keep the temporary directory small
        print(
            f"   peak RSS {run.peak_rss_mb:.1f} MB summed over {run.peak_processes} process(es) "
            f"(PSS {run.peak_pss_mb:.1f} MB, shared pages counted once); "
            f"{run.seconds:.1f} s, {run.rate:,.0f} addresses/s"
        )
        cpu_report(run, together / cores)
    goal = f"< {MEMORY_GOAL_MB:.0f} MB"
    met = run.peak_rss_mb < MEMORY_GOAL_MB
    value = f"{run.peak_rss_mb:.1f} MB (PSS {run.peak_pss_mb:.1f})"
    return Row(f"client peak RSS, {count:,}", value, None, goal, met)


def measure(args: argparse.Namespace, work: Path) -> list[Row]:
    # Every ratio assumes the cores are ours: say so when something else was running.
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    floor, floor_row = floor_step()
    rows = [floor_row, server_step(work, floor)]
    with step(f"hub for steps 3 and 4: gunicorn, {CORES} workers, SQLite"), running_hub(work / "hub-var") as hub:
        print(f"   serving at {hub.url}")
        rows.append(e2e_step(hub, work, floor))
        for count in QUICK_MEMORY_SIZES if args.quick else MEMORY_SIZES:
            rows.append(memory_step(hub, work, count))
    if args.quick:
        skipped = ", ".join(f"{count:,}" for count in MEMORY_SIZES if count not in QUICK_MEMORY_SIZES)
        rows.append(Row(f"client peak RSS, {skipped}", "skipped (--quick)", None, "-", None))
    with step("floor again, to see whether the machine's speed drifted during the run"):
        after = floor_rate().cpu
        print(f"   one thread: {after:,.0f} per CPU second ({after / floor - 1:+.0%} from the start)")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"client memory at {' and '.join(f'{count:,}' for count in QUICK_MEMORY_SIZES)} addresses only",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        # rbcl writes libsodium to a new temporary file in every process that imports it and never
        # removes it: the hub's, vigil's and their workers' copies go with this directory, ours below.
        (Path(tmp) / "tmp").mkdir()
        os.environ["TMPDIR"] = str(Path(tmp) / "tmp")
        try:
            rows = measure(args, Path(tmp))
        finally:
            Path(sodium_library).unlink(missing_ok=True)
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
