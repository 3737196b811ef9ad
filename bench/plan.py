"""Benchmark: `vcplan plan` on 5,000 VMs, split into read, evaluate, diff and render.

The configuration declares every VM, as `vcplan generate` writes it for a fleet being adopted
(cpus, memory, power, folder, resource pool, disks, NICs, the VM's two tags and the tag_category
blocks), plus the two extra_config keys every VM of the fleet carries (bench/fleet.py), with
every 20th VM asking for one more CPU, so the plan has real updates beside the noops. Each
stage runs in-process with the functions `vcplan plan` uses. Goal: diff and render each under
10% of the read. Prints; asserts nothing.

Run: make bench-plan  (or .venv/bin/python bench/plan.py [--vms-per-cluster N] [--profile])
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import os
import pstats
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# "evaluate" parses every file, as before the parse cache existed, whatever the user's cache
# holds: bench/e2e.py measures the cache (off, cold and warm) in the whole process.
os.environ["VCPLAN_NO_CACHE"] = "1"

from bench.fleet import (  # noqa: E402
    add_fleet_options,
    bench_extra_config,
    decorate_fleet,
    start_fleet,
)
from planner.config import load_config  # noqa: E402
from planner.config.check import MAX_CPUS  # noqa: E402
from planner.config.endpoint import resolve_endpoint  # noqa: E402
from planner.config.generate import generate_config  # noqa: E402
from planner.model import Inventory  # noqa: E402
from planner.plan.diff import plan_changes  # noqa: E402
from planner.plan.files import plan_to_json  # noqa: E402
from planner.report.plan import render_text  # noqa: E402
from providers.vsphere.provider import VSphereProvider  # noqa: E402

WORKSPACE = "bench"
VM_LINE = re.compile(r'^(\s*)vm "([^"]+)" \{\n', re.MULTILINE)


def with_extra_config(text: str) -> str:
    """Each generated vm block also declares the fleet's two extra_config keys (generate does
    not write extra_config: a VM carries dozens of keys nobody means to manage)."""

    def block(match: re.Match[str]) -> str:
        indent = match.group(1) + "  "
        pairs = "".join(
            f'{indent}  "{k}" = "{v}"\n' for k, v in bench_extra_config(match.group(2)).items()
        )
        return f"{match.group(0)}{indent}extra_config = {{\n{pairs}{indent}}}\n"

    return VM_LINE.sub(block, text)


GOAL = 0.10  # diff and render, each as a share of the read


def with_more_cpus(inventory: Inventory, every: int) -> Inventory:
    """The inventory as the configuration should state it: every `every`-th VM one CPU more."""
    vms = sorted(inventory.vms, key=lambda vm: vm.address)
    bumped = tuple(
        dataclasses.replace(vm, cpus=vm.cpus + 1)
        if i % every == 0 and vm.cores_per_socket == 1 and vm.cpus < MAX_CPUS
        else vm
        for i, vm in enumerate(vms)
    )
    return dataclasses.replace(inventory, vms=bumped)


def timed(profiler: cProfile.Profile | None, fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = fn()
    if profiler:
        profiler.disable()
    return time.perf_counter() - start, result


def print_profile(title: str, profiler: cProfile.Profile) -> None:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(f"\n--- profile: {title} ---\n{out.getvalue()}")


def run_plan(
    config: Any, inventory: Inventory, url: str, t_read: float, t_eval: float, profile: bool
) -> None:
    """Diff and render one plan; print counts and the stage table."""
    p_diff = cProfile.Profile() if profile else None
    p_render = cProfile.Profile() if profile else None
    t_diff, plan = timed(p_diff, lambda: plan_changes(config, inventory, url))
    t_text, text = timed(p_render, lambda: render_text(plan))
    t_json, json_text = timed(p_render, lambda: plan_to_json(plan))
    counts = plan.summary
    print(
        f"  plan: {counts['create']} creates, {counts['update']} updates, "
        f"{counts['noop']} noops, {counts['delete']} deletes "
        f"(text {len(text) / 1e3:.0f} kB, JSON {len(json_text) / 1e6:.1f} MB)"
    )
    print(f"  {'stage':<10} {'seconds':>8} {'of read':>8}")
    print(f"  {'read':<10} {t_read:>8.3f} {'100%':>8}")
    print(f"  {'evaluate':<10} {t_eval:>8.3f} {t_eval / t_read:>8.1%}")
    for name, seconds in (("diff", t_diff), ("render", t_text + t_json)):
        verdict = "PASS" if seconds < GOAL * t_read else "FAIL"
        share = seconds / t_read
        print(f"  {name:<10} {seconds:>8.3f} {share:>8.1%}  goal: under 10% of read  {verdict}")
    print(f"  (render = text {t_text:.3f} s + JSON {t_json:.3f} s)")
    if p_diff and p_render:
        print_profile("diff", p_diff)
        print_profile("render", p_render)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_fleet_options(parser)
    parser.add_argument("--update-every", type=int, default=20, help="every Nth VM gets +1 CPU")
    parser.add_argument("--profile", action="store_true", help="print where diff and render go")
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="vcplan-bench-"))
    sim = start_fleet(opts, tmp)
    try:
        decorate_fleet(sim)
        endpoint = resolve_endpoint(None, None, False, None, sim.env(), None)
        provider = VSphereProvider(endpoint)
        provider.read_inventory(tags=True)  # warm-up: connection and server caches
        t_read, inventory = timed(None, lambda: provider.read_inventory(tags=True))
        url = provider.display_url
        provider.close()
    finally:
        sim.stop()

    config_dir = tmp / "config"
    config_dir.mkdir()
    files = generate_config(with_more_cpus(inventory, opts.update_every), WORKSPACE)
    files = {name: with_extra_config(text) for name, text in files.items()}
    for name, text in files.items():
        (config_dir / name).write_text(text)
    size = sum(len(t) for t in files.values())

    t_eval, config = timed(None, lambda: load_config(config_dir, [], []))
    gc.freeze()  # as the CLI does once the inventory is read (kept_for_the_run)
    print(
        f"VMs read: {len(inventory.vms)} in {t_read:.3f} s; declared: {len(config.vms)} "
        f"({len(files)} files, {size / 1e6:.1f} MB of HCL) evaluated in {t_eval:.3f} s "
        f"({t_eval / t_read:.0%} of read)"
    )
    # Adoption: the VMs as read, unmarked, so every one gets this workspace's marker (an
    # update). Steady state: the same VMs carrying the marker, as after the first apply.
    marked = tuple(dataclasses.replace(vm, workspace=WORKSPACE) for vm in inventory.vms)
    scenarios = {
        "adoption": inventory,
        "steady state": dataclasses.replace(inventory, vms=marked),
    }
    for title, live in scenarios.items():
        print(f"\n{title}:")
        run_plan(config, live, url, t_read, t_eval, opts.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
