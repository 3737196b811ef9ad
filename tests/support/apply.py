"""Shared by the apply tests: run a hand-built plan through VSphereProvider + Executor, and
check with the real planner that nothing is left to do afterwards (a plan right after apply
must be empty)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.apply.events import ApplyResult, StepEvent
from planner.apply.executor import Executor
from planner.apply.steps import build_steps
from planner.config.endpoint import resolve_endpoint
from planner.model import DesiredConfig, DesiredVM, Disk, LiveVM, Nic, Pos, Power
from planner.model.plan import Action, AttributeChange, Plan, VMChange
from planner.plan.diff import plan_changes
from planner.plan.fingerprint import fingerprint
from providers.vsphere.provider import VSphereProvider

WS = "apply-test"
SMALL = ["-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "1", "-vm", "1"]


def provider_for(sim: Any) -> VSphereProvider:
    return VSphereProvider(resolve_endpoint(None, None, False, None, sim.env(), None))


def live_vms(provider: VSphereProvider) -> dict[str, LiveVM]:
    return {vm.name: vm for vm in provider.read_inventory().vms}


def after(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"datacenter": "DC0", "prevent_destroy": False, "shutdown_timeout": 5}
    base.update(kw)
    return base


def create(name: str, depends_on: tuple[str, ...] = (), **kw: Any) -> VMChange:
    deps = tuple(f"DC0/{d}" for d in depends_on)
    return VMChange(f"DC0/{name}", Action.CREATE, None, after(**kw), depends_on=deps)


def update(vm: LiveVM, restart: bool = False, depends_on: tuple[str, ...] = (), **kw: Any):
    before = {k: getattr(vm, k) for k in ("cluster", "host", "folder", "cpus", "memory_mb")}
    before["power"] = vm.power.value
    diffs = tuple(AttributeChange(k, before.get(k), v) for k, v in kw.items())
    moves = bool({"cluster", "host", "folder", "resource_pool", "datastore"} & set(kw))
    target = {"cluster": vm.cluster, "host": None if vm.cluster else vm.host, **kw}
    return VMChange(
        vm.address,
        Action.UPDATE,
        before,
        after(**target),
        diffs,
        restart=restart,
        moves=moves,
        fingerprint=fingerprint(vm),
        moref=vm.moref,
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )


def delete(vm: LiveVM) -> VMChange:
    before = {"power": vm.power.value}
    return VMChange(
        vm.address, Action.DELETE, before, None, fingerprint=fingerprint(vm), moref=vm.moref
    )


def plan(*changes: VMChange) -> Plan:
    return Plan(WS, "vpx://sim", "", tuple(changes))


@dataclass(frozen=True)
class Run:
    result: ApplyResult
    events: list[StepEvent]

    @property
    def final(self) -> tuple[StepEvent, ...]:
        return self.result.final


def run(provider: VSphereProvider, p: Plan, parallelism: int = 10, **kw: Any) -> Run:
    events: list[StepEvent] = []
    executor = Executor(provider, p, build_steps(p), parallelism, events.append, **kw)
    return Run(executor.run(), events)


def declared(change: VMChange) -> DesiredVM:
    """The configuration a hand-built change stands for: its `after`, None meaning unmanaged."""
    a = dict(change.after or {})
    return DesiredVM(
        datacenter=a["datacenter"],
        name=change.address.split("/", 1)[1],
        cluster=a.get("cluster"),
        host=a.get("host"),
        pos=Pos("<test>", 1, 1),
        resource_pool=a.get("resource_pool"),
        datastore=a.get("datastore"),
        folder=a.get("folder"),
        template=a.get("template"),
        cpus=a.get("cpus"),
        cores_per_socket=a.get("cores_per_socket"),
        memory_mb=a.get("memory_mb"),
        power=Power(a["power"]) if a.get("power") else None,
        annotation=a.get("annotation"),
        attributes=a.get("attributes"),
        disks=tuple(Disk(d["size_gb"]) for d in a["disk"]) if "disk" in a else None,
        nics=(
            tuple(Nic(n["network"]) for n in a["network_interface"])
            if "network_interface" in a
            else None
        ),
        prevent_destroy=bool(a.get("prevent_destroy")),
    )


def leftover(provider: VSphereProvider, p: Plan) -> list[str]:
    """What `vcplan plan` right after the apply still proposes for the VMs of `p` (the real
    planner, on a fresh read of vCenter): empty when the apply converged."""
    inventory = provider.read_inventory()
    live = {vm.address for vm in inventory.vms}
    gone = [c.address for c in p.changes if c.action is Action.DELETE]
    left = [f"{address} still exists" for address in gone if address in live]
    kept = [c for c in p.changes if c.action is not Action.DELETE]
    config = DesiredConfig(p.workspace, tuple(declared(c) for c in kept))
    for change in plan_changes(config, inventory).changes:
        if change.address in {c.address for c in kept} and change.action is not Action.NOOP:
            attrs = ", ".join(d.attribute for d in change.diffs)
            left.append(f"{change.address} {change.action.value}: {attrs}".rstrip(": "))
    return left
