"""Benchmark: what drift attribution adds to a drift report on a fleet. Prints seconds, round
trips and ratios; asserts nothing.

5,000 VMs (bench/fleet.py), a configuration generated from them, then --drifted VMs (default 50)
reconfigured behind vcplan's back. Timed in-process, after a warm-up:
(a) the inventory read every drift report makes;
(b) attribution: one EventHistoryCollector for the drifted VMs only (providers/vsphere/events.py),
    with its round trips counted: the goal is "a few", whatever the fleet's size.

Run: make bench-drift  (or .venv/bin/python bench/drift_events.py [--vms-per-cluster N])
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyVim.task import WaitForTasks  # noqa: E402
from pyVmomi import vim  # noqa: E402

from bench.fleet import add_fleet_options, start_fleet  # noqa: E402
from planner.config import load_config  # noqa: E402
from planner.config.endpoint import resolve_endpoint  # noqa: E402
from planner.config.generate import generate_config  # noqa: E402
from planner.drift.attribution import wanted  # noqa: E402
from planner.drift.findings import compute_drift  # noqa: E402
from providers.vsphere.provider import VSphereProvider  # noqa: E402

WORKSPACE = "bench"


def drift_behind_our_back(provider: VSphereProvider, morefs: list[str]) -> None:
    """One more CPU on each VM, as an operator in the vSphere client would."""
    stub = provider.session.si._stub
    tasks = [
        vim.VirtualMachine(moref, stub).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=3))
        for moref in morefs
    ]
    WaitForTasks(tasks, si=provider.session.si)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_fleet_options(parser)
    parser.add_argument("--drifted", type=int, default=50)
    opts = parser.parse_args()
    sim = start_fleet(opts)
    try:
        provider = VSphereProvider(resolve_endpoint(None, None, False, None, sim.env(), None))
        inventory = provider.read_inventory()  # warm-up, and the state the configuration states
        tmp = Path(tempfile.mkdtemp(prefix="vcplan-bench-drift-"))
        for name, text in generate_config(inventory, WORKSPACE).items():
            (tmp / name).write_text(text)
        config = load_config(tmp, [], [])
        step = max(len(inventory.vms) // max(opts.drifted, 1), 1)
        chosen = [vm.moref for vm in inventory.vms[::step][: opts.drifted]]
        drift_behind_our_back(provider, chosen)

        t0 = time.perf_counter()
        inventory = provider.read_inventory()
        t_read = time.perf_counter() - t0
        report = compute_drift(config, inventory)
        # the fleet carries no ownership marker (marking 5,000 VMs would dwarf the run), so every
        # VM "drifts" on `workspace`: explain the ones whose CPUs changed, as a marked fleet would
        _all, names = wanted(report)
        morefs = frozenset(
            d.moref for d in report.drifted if any(a.attribute == "cpus" for a in d.attributes)
        )
        t0 = time.perf_counter()
        read = provider.read_events(datetime.now(UTC) - timedelta(days=7), morefs, names)
        t_events = time.perf_counter() - t0
        explained = sum(1 for e in read.events if e.vm in morefs)
        provider.close()
    finally:
        sim.stop()
    print(f"fleet: {len(inventory.vms)} VMs, {len(morefs)} changed behind vcplan's back")
    print(f"(a) inventory read:  {t_read:6.3f} s")
    print(
        f"(b) attribution:     {t_events:6.3f} s in {read.round_trips} round trips, "
        f"{len(read.events)} events read, {explained} about the drifted VMs, "
        f"complete={read.complete}"
    )
    print(f"(b)/(a) = {t_events / t_read:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
