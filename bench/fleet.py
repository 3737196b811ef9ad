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


TEAMS = ["web", "db", "ops", "batch"]
TAG_CATEGORIES = {"env": ("SINGLE", ["prod", "staging", "dev"]), "team": ("MULTIPLE", TEAMS)}


def bench_tags(name: str) -> dict[str, str]:
    """The two tags the benchmarks give a VM, a function of its name: one env, one team."""
    h = sum(map(ord, name))
    return {"env": TAG_CATEGORIES["env"][1][h % 3], "team": TEAMS[h % 4]}


def bench_extra_config(name: str) -> dict[str, str]:
    """The two extra_config keys the benchmarks give a VM."""
    return {"guestinfo.bench.role": f"role-{sum(map(ord, name)) % 5}", "guestinfo.bench.name": name}


def decorate_fleet(sim: harness.Simulator) -> None:
    """Every VM gets two tags (attach-tag-to-multiple-objects, one call per tag) and two
    extra_config keys (a ReconfigVM_Task each), as fleets carry them
    (docs/performance.md#tags-and-extra_config)."""
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    from planner.config.endpoint import resolve_endpoint
    from providers.vsphere.tags import TagClient
    from tests.support.vcenter import smart_connect

    t0 = time.perf_counter()
    si = smart_connect(sim)
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    vms = {vm._moId: vm for vm in view.view}
    names = {moref: vm.name for moref, vm in vms.items()}
    view.DestroyView()
    with TagClient(resolve_endpoint(None, None, False, None, sim.env(), None)) as client:
        ids = {}
        for category, (cardinality, tags) in TAG_CATEGORIES.items():
            cid = client.create_category(category, cardinality)
            ids.update({(category, t): client.create_tag(cid, t) for t in tags})
        by_tag: dict[str, list[str]] = {}
        for moref, name in names.items():
            for category, tag in bench_tags(name).items():
                by_tag.setdefault(ids[(category, tag)], []).append(moref)
        for tag_id, morefs in by_tag.items():
            client.attach_to_objects(tag_id, morefs)

    tasks = []
    for moref, vm in vms.items():  # submitted one after the other; vcsim runs them at once
        values = bench_extra_config(names[moref])
        spec = vim.vm.ConfigSpec(
            extraConfig=[vim.option.OptionValue(key=k, value=v) for k, v in values.items()]
        )
        tasks.append(vm.ReconfigVM_Task(spec))
    for task in tasks:
        WaitForTask(task)
    print(
        f"fleet decorated: {len(vms)} VMs with 2 tags and 2 extra_config keys each "
        f"in {time.perf_counter() - t0:.1f} s"
    )
