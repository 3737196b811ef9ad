"""Benchmark: how long the offline commands take to start, against importing typer alone.

`vcplan --help` and `vcplan validate examples/fleet` are what a user (and shell completion)
waits on; their floor is starting Python and importing the CLI library. Each command runs as a
fresh process through the installed console script, best of 5; the ratio to
`python -c "import typer"` is printed. Prints; asserts nothing.

Run: make bench-startup  (or .venv/bin/python bench/startup.py [--runs N])
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def best_of(command: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True, timeout=120)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    vcplan = str(BIN / "vcplan")
    baseline = best_of([sys.executable, "-c", "import typer"], runs)
    print(f"python -c 'import typer'        {baseline:6.3f} s   (baseline)")
    for label, command in [
        ("vcplan --help", [vcplan, "--help"]),
        ("vcplan --version", [vcplan, "--version"]),
        ("vcplan validate examples/fleet", [vcplan, "validate", "examples/fleet"]),
    ]:
        took = best_of(command, runs)
        print(f"{label:32}{took:6.3f} s   {took / baseline:4.1f}x the baseline")


if __name__ == "__main__":
    main()
