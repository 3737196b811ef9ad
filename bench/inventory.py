"""Benchmark: reading 5,000 VMs. Prints seconds, MB and ratios; asserts nothing.

(a) vcplan's read_inventory (bulk RetrievePropertiesEx, lean wire parser, conversion), and
(a') the same with pyVmomi's deserializer (VCPLAN_PARSER=pyvmomi)
(b) the naive way: pyVmomi attribute access VM by VM (a sample, extrapolated)
(c) the raw wire fetch of the same RetrievePropertiesEx pages: POST with the session cookie,
    bytes read, nothing parsed: the floor any parser can reach.
(t) tags: the inventory read with every VM's vSphere tags (the catalog read in a thread beside
    the SOAP pages, then list-attached-tags-on-objects in pages) against the same read without;
    goal: tags add at most 15 %. And what reading config.extraConfig costs (the read without it).
The fleet first gets two tags and two extra_config keys on every VM (bench/fleet.py).

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

from bench.fleet import add_fleet_options, decorate_fleet, start_fleet  # noqa: E402
from bench.wire import raw_fetch  # noqa: E402
from planner.config.endpoint import resolve_endpoint  # noqa: E402
from planner.model import Scope  # noqa: E402
from providers.vsphere import inventory as inventory_module  # noqa: E402
from providers.vsphere.inventory import (  # noqa: E402
    read_inventory,
)
from providers.vsphere.provider import VSphereProvider  # noqa: E402
from providers.vsphere.session import Session  # noqa: E402
from providers.vsphere.tag_ops import TagOps  # noqa: E402

TAGS_GOAL = 0.15  # the tag read's share of the inventory read, at most


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def tag_costs(endpoint: Any, rounds: int) -> dict[str, float]:
    """Medians over `rounds`, each a fresh REST session and catalog (as one vcplan run has):
    the read without tags, with tags, the catalog and the bulk attached-tags read alone, and
    the read without config.extraConfig. Alternated, so load on the machine hits all alike."""
    provider = VSphereProvider(endpoint)
    provider.read_inventory(tags=True)  # warm-up
    times: dict[str, list[float]] = {
        k: [] for k in ("plain", "tags", "catalog", "attached", "no_extra")
    }
    morefs = [vm.moref for vm in provider.read_inventory().vms]
    for _ in range(rounds):
        start = time.perf_counter()
        provider.read_inventory()
        times["plain"].append(time.perf_counter() - start)
        provider.tag_ops.close()
        provider.tag_ops = TagOps(endpoint)
        start = time.perf_counter()
        provider.read_inventory(tags=True)
        times["tags"].append(time.perf_counter() - start)
        ops = TagOps(endpoint)
        start = time.perf_counter()
        ops.live_categories()
        times["catalog"].append(time.perf_counter() - start)
        start = time.perf_counter()
        ops.tags_of(morefs)
        times["attached"].append(time.perf_counter() - start)
        ops.close()
        paths = inventory_module.VM_PROPERTIES
        index = paths.index("config.extraConfig")
        paths.pop(index)
        try:
            start = time.perf_counter()
            provider.read_inventory()
            times["no_extra"].append(time.perf_counter() - start)
        finally:
            paths.insert(index, "config.extraConfig")
    provider.close()
    return {k: median(v) for k, v in times.items()}


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
    parser.add_argument("--tag-rounds", type=int, default=5, help="rounds of (t), medians kept")
    opts = parser.parse_args()

    sim = start_fleet(opts)
    try:
        decorate_fleet(sim)
        env = sim.env()
        endpoint = resolve_endpoint(env["VCPLAN_URL"], None, False, None, env, None)
        costs = tag_costs(endpoint, opts.tag_rounds)
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
    share = costs["tags"] / costs["plain"] - 1
    verdict = "PASS" if share <= TAGS_GOAL else "FAIL"
    print(f"(t) medians of {opts.tag_rounds} rounds, each a fresh REST session:")
    print(f"    inventory read, no tags  : {costs['plain']:7.2f} s")
    print(
        f"    inventory read with tags : {costs['tags']:7.2f} s  ({share:+.1%}; "
        f"goal: at most 15%  {verdict})"
    )
    print(f"    alone: catalog {costs['catalog']:.3f} s, every VM's tags {costs['attached']:.3f} s")
    extra = costs["plain"] / costs["no_extra"] - 1
    print(
        f"    without config.extraConfig: {costs['no_extra']:7.2f} s  "
        f"(reading it adds {extra:+.1%})"
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
