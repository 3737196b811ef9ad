"""Benchmark: reading 5,000 VMs. Prints seconds, MB and ratios; asserts nothing.

(a) vcplan's read_inventory (bulk RetrievePropertiesEx, lean wire parser, conversion), and
(a') the same with pyVmomi's deserializer (VCPLAN_PARSER=pyvmomi)
(b) the naive way: pyVmomi attribute access VM by VM (a sample, extrapolated)
(c) the raw wire fetch of the same RetrievePropertiesEx pages: POST with the session cookie,
    bytes read, nothing parsed: the floor any parser can reach.

Run: make bench  (or .venv/bin/python bench/inventory.py [--vms-per-cluster N] [--profile])
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyVmomi import vim  # noqa: E402

from bench.fleet import add_fleet_options, start_fleet  # noqa: E402
from bench.wire import raw_fetch  # noqa: E402
from planner.config.endpoint import resolve_endpoint  # noqa: E402
from planner.model import Scope  # noqa: E402
from providers.vsphere.inventory import (  # noqa: E402
    read_inventory,
)
from providers.vsphere.session import Session  # noqa: E402


def wire_fetch(session: Session) -> tuple[float, int]:
    return raw_fetch(session.si)


def naive_read(session: Session, sample: int) -> tuple[float, int]:
    """Attribute access VM by VM, as most scripts do: one round trip per property."""
    content = session.content
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    vms = list(view.view)
    view.DestroyView()
    chosen = random.Random(1).sample(vms, min(sample, len(vms)))
    start = time.perf_counter()
    for vm in chosen:
        _touch(vm)
    return time.perf_counter() - start, len(vms)


def _touch(vm: Any) -> list[Any]:
    host = vm.runtime.host
    hw = vm.config.hardware
    return [
        (vm.name, vm.runtime.powerState, host.name, host.parent.name, vm.parent.name),
        (vm.resourcePool.name if vm.resourcePool else None, [d.name for d in vm.datastore]),
        (hw.numCPU, hw.numCoresPerSocket, hw.memoryMB, len(hw.device)),
        (vm.config.annotation, vm.config.template, vm.config.cpuHotAddEnabled),
        (vm.config.memoryHotAddEnabled, vm.config.instanceUuid),
        (vm.guest.toolsRunningStatus, vm.customValue),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_fleet_options(parser)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="print where (a) spends its time")
    opts = parser.parse_args()

    sim = start_fleet(opts)
    try:
        env = sim.env()
        endpoint = resolve_endpoint(env["VCPLAN_URL"], None, False, None, env, None)
        session = Session(endpoint)
        wire_fetch(session)  # warm-up: connection and server caches

        t_wire, nbytes = wire_fetch(session)
        profiler = cProfile.Profile() if opts.profile else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        inventory = read_inventory(session, Scope())
        if profiler:
            profiler.disable()
        t_bulk = time.perf_counter() - start
        os.environ["VCPLAN_PARSER"] = "pyvmomi"
        start = time.perf_counter()
        reference = read_inventory(session, Scope())
        t_pyvmomi = time.perf_counter() - start
        del os.environ["VCPLAN_PARSER"]
        t_sample, total = naive_read(session, opts.naive_sample)
        t_naive = t_sample * total / min(opts.naive_sample, total)
        session.close()
    finally:
        sim.stop()

    n = len(inventory.vms)
    mb = nbytes / 1e6
    print(f"VMs read: {n} (device lists included)")
    print(f"(c) wire fetch, bytes only : {t_wire:7.2f} s  {mb:6.1f} MB  ({mb / t_wire:.0f} MB/s)")
    print(f"(a) vcplan read_inventory  : {t_bulk:7.2f} s  ({n / t_bulk:.0f} VMs/s)")
    same = "identical" if reference == inventory else "DIFFERENT"
    print(
        f"(a') same, pyVmomi parser  : {t_pyvmomi:7.2f} s  "
        f"(VCPLAN_PARSER=pyvmomi; inventory {same} to (a))"
    )
    print(
        f"(b) naive, per-VM access   : {t_naive:7.2f} s  "
        f"(extrapolated from {min(opts.naive_sample, total)} VMs in {t_sample:.2f} s)"
    )
    print(f"(a)/(c) = {t_bulk / t_wire:.1f}x   (goal: within 3x)")
    print(f"(b)/(a) = {t_naive / t_bulk:.1f}x   (bulk read's gain over the naive way)")
    print(f"(a')/(a) = {t_pyvmomi / t_bulk:.1f}x  (lean parser's gain over pyVmomi's)")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
