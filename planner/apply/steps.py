"""Plan -> step graph: what the executor does for each change, and in which order (docs/apply.md).

Per VM, a chain: folder, create, move, power off (when a change needs it), reconfigure, tags, power
state, markers; a VM's tags step waits for the plan's tag categories it names, and a power-cycled VM
goes down only after them; a delete is power off then delete; a restart is one restart step. Across
VMs, `depends_on` adds edges: creates, power-ons and restarts of a dependency come first, power-offs
and deletes of its dependents come first. Rolling (a --max-unavailable bound) changes one thing: a
power-cycled VM goes down only once everything it needs to come back is done, so dependencies cycle
first, dependents are not taken down for a dependency that comes back, and a VM that is down never
waits for another to go down.
Pure: no I/O. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planner.model import LiveVM, Power
from planner.model.attributes import StepKind, changed, needs_power_cycle, steps_for
from planner.model.diagnostics import error
from planner.model.plan import Action, Plan, VMChange
from planner.plan.restarts import default_max_unavailable, power_cycled

DEFAULT_SHUTDOWN_TIMEOUT = 300
TAG_CATEGORY_PREFIX = "tag_category/"  # a TAG_CATEGORY step's address: "tag_category/<name>"
DEFAULT_RESTART_TIMEOUT = 600


# the steps that act on no VM: their address is a folder's or a category's, not a VM's
AUXILIARY: frozenset[StepKind] = frozenset({StepKind.FOLDER, StepKind.TAG_CATEGORY})


@dataclass(frozen=True, slots=True)
class Step:
    """One unit of work. `address` is the VM's (a folder step's is "<dc>/<folder path>").
    `converge` marks steps after a create: they run only if the VM read back still differs."""

    kind: StepKind
    address: str
    power: Power | None = None  # the POWER step's target
    converge: bool = False

    @property
    def id(self) -> str:
        return f"{self.address} {self.kind.value}"

    @property
    def is_vm(self) -> bool:
        """Whether the step acts on the VM at `address` (not a folder or a tag category)."""
        return self.kind not in AUXILIARY

    @property
    def datacenter(self) -> str:
        return self.address.split("/", 1)[0]

    @property
    def name(self) -> str:
        """The VM's name, or a folder step's folder path."""
        return self.address.split("/", 1)[1]


@dataclass(frozen=True, slots=True)
class StepGraph:
    steps: Mapping[str, Step]  # id -> step, in plan order
    predecessors: Mapping[str, frozenset[str]]  # id -> ids that must finish first
    vm_dependents: Mapping[str, frozenset[str]]  # address -> addresses that depend on it
    # address -> (first step taking it down, step bringing it back) of each power-cycled VM:
    # what --max-unavailable counts
    windows: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def order(self) -> list[str]:
        """One valid sequential order (for display and tests)."""
        return list(graphlib.TopologicalSorter(self.predecessors).static_order())

    def dependents_closure(self, address: str) -> set[str]:
        """Every VM depending on `address`, directly or through others."""
        seen: set[str] = set()
        todo = [address]
        while todo:
            for dep in self.vm_dependents.get(todo.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen


def _power(value: Any) -> Power | None:
    if value is None:
        return None
    return value if isinstance(value, Power) else Power(value)


def changed_attributes(change: VMChange) -> set[str]:
    return {d.attribute for d in change.diffs}


def vm_chain(change: VMChange, workspace: str | None = None) -> list[Step]:
    """The steps of one VM, in execution order (folder steps are added by `build_steps`)."""
    addr = change.address
    after = change.after or {}
    before = change.before or {}
    if change.action is Action.DELETE:
        steps = []
        if _power(before.get("power")) is not Power.OFF:
            steps.append(Step(StepKind.POWER_OFF, addr))
        return [*steps, Step(StepKind.DELETE, addr)]
    if change.action is Action.CREATE:
        # docs/language.md: a new VM is powered on unless `power` says otherwise
        target: Power | None = _power(after.get("power")) or Power.ON
        return [
            Step(StepKind.CREATE, addr),
            Step(StepKind.MOVE, addr, converge=True),
            Step(StepKind.POWER_OFF, addr, converge=True),
            Step(StepKind.RECONFIGURE, addr, converge=True),
            Step(StepKind.TAGS, addr, converge=True),
            Step(StepKind.POWER, addr, power=target, converge=True),
            Step(StepKind.MARKERS, addr, converge=True),
        ]
    if change.action is Action.NOOP:
        return []
    if change.action is Action.RESTART:
        return [Step(StepKind.RESTART, addr)]
    names = changed_attributes(change)
    kinds = steps_for(names)
    steps = []
    if StepKind.MOVE in kinds:
        steps.append(Step(StepKind.MOVE, addr))
    if change.restart:
        steps.append(Step(StepKind.POWER_OFF, addr))
    if StepKind.RECONFIGURE in kinds:
        steps.append(Step(StepKind.RECONFIGURE, addr))
    if StepKind.TAGS in kinds:
        steps.append(Step(StepKind.TAGS, addr))
    target = _power(after.get("power"))
    if StepKind.POWER in kinds and target is not None:
        steps.append(Step(StepKind.POWER, addr, power=target))
    elif change.restart:  # back to the state it was in
        steps.append(Step(StepKind.POWER, addr, power=target or _power(before.get("power"))))
    if StepKind.MARKERS in kinds or workspace is None or before.get("workspace") != workspace:
        # a plan may leave out the live `workspace`: then the markers are written, harmlessly
        steps.append(Step(StepKind.MARKERS, addr))
    return steps


def _is_up(step: Step, change: VMChange) -> bool:
    """Steps that bring a VM up: its dependencies' must come first."""
    if step.kind in (StepKind.CREATE, StepKind.RESTART):
        return True  # a restart ends with the VM up: its dependencies must be back first
    if step.kind is StepKind.POWER:
        return change.action is Action.CREATE or step.power is Power.ON
    return False


def _is_down(step: Step, change: VMChange) -> bool:
    """Steps that take a VM down: its dependents' must come first."""
    if change.action is Action.CREATE:
        return False
    if step.kind in (StepKind.POWER_OFF, StepKind.DELETE):
        return True
    return step.kind is StepKind.POWER and step.power is not Power.ON


def _goes_down_for_good(change: VMChange, chain: list[Step]) -> bool:
    """A dependency powered off (or suspended) and not brought back: when rolling, its
    dependents do not wait for it to come up, it waits for them to go down (a VM that is down
    must not wait for others to go down)."""
    return not power_cycled(change) and any(_is_down(s, change) for s in chain)


def _folder_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def down_window(chain: list[Step]) -> tuple[Step, Step] | None:
    """The step that takes a power-cycled VM down and the one that brings it back."""
    downs = [i for i, s in enumerate(chain) if s.kind in (StepKind.POWER_OFF, StepKind.RESTART)]
    if not downs:
        return None
    ups = [s for s in chain[downs[0] :] if s.kind in (StepKind.POWER, StepKind.RESTART)]
    return chain[downs[0]], (ups[-1] if ups else chain[-1])


def build_steps(plan: Plan, rolling: bool | None = None) -> StepGraph:
    """The step graph of a plan. Raises a DiagnosticError on a depends_on cycle.

    `rolling` (default: when the plan has restarts) orders power-cycled VMs for a bound on how
    many are down at once: see the module docstring."""
    if rolling is None:
        rolling = default_max_unavailable(plan) is not None
    changes = {c.address: c for c in plan.changes if c.action is not Action.NOOP}
    steps: dict[str, Step] = {}
    preds: dict[str, set[str]] = {}
    chains: dict[str, list[Step]] = {}

    def add(step: Step, after: Iterable[str] = ()) -> None:
        steps.setdefault(step.id, step)
        preds.setdefault(step.id, set()).update(after)

    for addr, change in changes.items():
        chain = vm_chain(change, plan.workspace)
        chains[addr] = chain
        folder = (change.after or {}).get("folder")
        needs_folder = change.action is Action.CREATE or "folder" in changed_attributes(change)
        first_deps: list[str] = []
        if folder and needs_folder and chain:
            parent: str | None = None
            for path in _folder_paths(folder):
                fstep = Step(StepKind.FOLDER, f"{change.datacenter}/{path}")
                add(fstep, [parent] if parent else [])
                parent = fstep.id
            if parent:
                first_deps.append(parent)
        previous: list[str] = first_deps
        for step in chain:
            add(step, previous)
            previous = [step.id]

    catalog = {
        c.name: Step(StepKind.TAG_CATEGORY, f"{TAG_CATEGORY_PREFIX}{c.name}")
        for c in plan.tag_categories
    }
    for step in catalog.values():
        add(step)
    for addr, chain in chains.items():
        # a VM's tags wait only for the categories it names: another category failing must
        # not stop it (docs/apply.md#failures-ctrl-c-and-expired-sessions)
        named = (changes[addr].after or {}).get("tags") or {}
        for step in chain:
            if step.kind is StepKind.TAGS:
                preds[step.id].update(catalog[n].id for n in named if n in catalog)

    dependents: dict[str, set[str]] = {}
    for addr, change in changes.items():
        for dep in change.depends_on:
            if dep not in changes or dep == addr:
                continue
            dependents.setdefault(dep, set()).add(addr)
            dep_change = changes[dep]
            goes_down = rolling and _goes_down_for_good(dep_change, chains[dep])
            if dep_change.action is not Action.DELETE and chains[dep] and not goes_down:
                # like Terraform: a dependent comes up only once its dependency is fully applied
                for step in chains[addr]:
                    if _is_up(step, change):
                        preds[step.id].add(chains[dep][-1].id)
            if rolling and power_cycled(dep_change):
                # the dependency cycles first (hoisted below) and comes back: its dependents need
                # not go down before it, and making them would let a dependent down for good
                # wait on a VM that waits on the dependency, a wait no bound can serve
                continue
            my_downs = [s.id for s in chains[addr] if _is_down(s, change)]
            for step in chains[dep]:
                if _is_down(step, dep_change):
                    preds[step.id].update(my_downs)

    windows = {
        addr: (w[0].id, w[1].id)
        for addr, change in changes.items()
        if power_cycled(change) and (w := down_window(chains[addr])) is not None
    }
    _hoist(windows, chains, preds, steps, rolling)
    frozen = {k: frozenset(v) for k, v in preds.items()}
    try:
        graphlib.TopologicalSorter(frozen).prepare()
    except graphlib.CycleError as exc:
        cycle = " -> ".join(dict.fromkeys(s.split(" ")[0] for s in exc.args[1]))
        raise error(f"depends_on forms a cycle: {cycle}") from None
    return StepGraph(
        steps=steps,
        predecessors=frozen,
        vm_dependents={k: frozenset(v) for k, v in dependents.items()},
        windows=windows,
    )


def _hoist(
    windows: Mapping[str, tuple[str, str]],
    chains: Mapping[str, list[Step]],
    preds: dict[str, set[str]],
    steps: Mapping[str, Step],
    rolling: bool,
) -> None:
    """Whatever a step inside a VM's down window waits for from outside the VM, the window's
    first step waits for too, so that a VM goes down only once it can come back:
    - always, the auxiliary steps (a tag category its tags step needs): one that fails stops
      the VM before it goes down instead of leaving it off;
    - when rolling, also other VMs' steps: once down, a VM can always come back without
      another VM going down first, so a bound on VMs down at once never deadlocks. A wait
      that itself comes after the window's start (a dependency powered off for good after its
      dependents) stays put."""
    for addr, (start, end) in windows.items():
        ids = [s.id for s in chains[addr]]
        own = set(ids)
        inside = ids[ids.index(start) + 1 : ids.index(end) + 1]
        for step_id in inside:
            for pred in preds[step_id] - own:
                if steps[pred].is_vm and not rolling:
                    continue
                if not _comes_after(pred, start, preds):
                    preds[start].add(pred)


def _comes_after(step_id: str, earlier: str, preds: Mapping[str, set[str]]) -> bool:
    seen: set[str] = set()
    todo = [step_id]
    while todo:
        current = todo.pop()
        if current == earlier:
            return True
        for pred in preds.get(current, ()):
            if pred not in seen:
                seen.add(pred)
                todo.append(pred)
    return False


# --- convergence after a create: what still differs on the VM read back ---------------------


def still_needed(step: Step, after: Mapping[str, Any], live: LiveVM) -> frozenset[str] | None:
    """The attributes a converge step still has to change on the VM read back after its create
    (vCenter honours a clone's specs; the simulator ignores them), or None when the step has
    nothing left to do. The attribute table decides; this only picks the step's share."""
    pending = changed(after, live)
    if step.kind is StepKind.POWER_OFF:
        return frozenset(pending) if needs_power_cycle(pending, live) else None
    if step.kind is StepKind.POWER:  # a create's target state, "on" when `power` is left out
        return (
            frozenset({"power"})
            if step.power is not None and live.power is not step.power
            else None
        )
    mine = frozenset(name for name in pending if steps_for([name]) == {step.kind})
    return mine or None


def restart_timeout(change: VMChange) -> float:
    """Seconds a restarted VM has to come back (`lifecycle { restart_timeout }`)."""
    value = (change.after or {}).get("restart_timeout")
    return float(value) if value is not None else float(DEFAULT_RESTART_TIMEOUT)


def shutdown_timeout(change: VMChange) -> float:
    for side in (change.after, change.before):
        if side and side.get("shutdown_timeout") is not None:
            return float(side["shutdown_timeout"])
    return float(DEFAULT_SHUTDOWN_TIMEOUT)
