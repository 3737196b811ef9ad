"""The 5,000-VM simulator the inventory and plan benchmarks share: 2 datacenters × 5 clusters
(3 hosts each) × 500 VMs, served over https with a CA made for the run."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.vcsim import harness


def add_fleet_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--datacenters", type=int, default=2)
    parser.add_argument("--clusters", type=int, default=5)
    parser.add_argument("--vms-per-cluster", type=int, default=500)


def start_fleet(opts: argparse.Namespace, workdir: Path | None = None) -> harness.Simulator:
    """Start it (printing how long that took); the caller stops it."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="vcplan-bench-"))
    certs = harness.make_certs(workdir / "certs")
    sim_args = ["-dc", str(opts.datacenters), "-cluster", str(opts.clusters), "-host", "3"]
    sim_args += ["-standalone-host", "0", "-vm", str(opts.vms_per_cluster)]
    t0 = time.perf_counter()
    sim = harness.start(sim_args, certs, timeout=600)
    print(f"simulator: {' '.join(sim_args)} started in {time.perf_counter() - t0:.1f} s")
    return sim
