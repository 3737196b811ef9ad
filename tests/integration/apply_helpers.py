"""Shared by the apply tests: run a hand-built plan through VSphereProvider + Executor, and
check that nothing is left to do afterwards (a plan right after apply must be empty)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.endpoint import resolve_endpoint
from planner.executor import ApplyResult, Executor, StepEvent
from planner.model import LiveVM
from planner.plan import Action, AttributeChange, Plan, VMChange
from planner.steps import Step, StepKind, build_steps, still_needed
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
        fingerprint="f",
        moref=vm.moref,
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )


def delete(vm: LiveVM) -> VMChange:
    before = {"power": vm.power.value}
    return VMChange(vm.address, Action.DELETE, before, None, fingerprint="f", moref=vm.moref)


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


CHECKS = (StepKind.MOVE, StepKind.RECONFIGURE, StepKind.MARKERS)


def leftover(provider: VSphereProvider, p: Plan) -> list[str]:
    """What a plan right after the apply would still propose for these changes."""
    vms = {vm.address: vm for vm in provider.read_inventory().vms}
    left = []
    for change in p.changes:
        vm = vms.get(change.address)
        if change.action is Action.DELETE:
            if vm is not None:
                left.append(f"{change.address} still exists")
            continue
        if vm is None:
            left.append(f"{change.address} missing")
            continue
        wanted = dict(change.after or {})
        for kind in CHECKS:
            if still_needed(Step(kind, change.address), wanted, vm, p.workspace):
                left.append(f"{change.address} {kind.value}")
        power = wanted.get("power") or (
            "on" if change.action is Action.CREATE else (change.before or {}).get("power")
        )
        if power and vm.power.value != power:
            left.append(f"{change.address} power {vm.power.value} != {power}")
    return left
