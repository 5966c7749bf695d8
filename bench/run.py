"""Run every benchmark in bench/ in turn, passing on any arguments (e.g. --quick); exit 1 if one fails."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    # Modules starting with an underscore are helpers, not benchmarks.
    benchmarks = sorted(path for path in BENCH.glob("[!_]*.py") if path.name != Path(__file__).name)
    failed: list[str] = []
    for benchmark in benchmarks:
        print(f"### {benchmark.name}", flush=True)
        if subprocess.run([sys.executable, str(benchmark), *sys.argv[1:]], check=False).returncode != 0:
            failed.append(benchmark.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
