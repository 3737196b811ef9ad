"""A fake Provider (planner.apply.provider.Provider): tasks that take a set time, recorded.

For the executor's unit tests: no vCenter, no pyVmomi. Each operation "runs" for `duration`
seconds from its submission; `fail` names operations that end in a fault, `at_once` those that
have finished when their submission returns, and `hold` makes a submission wait for an event.
`ops_of` maps each task id to its (op, target). Every read is recorded in `reads` (one tuple of
morefs per read_vms or read_vm call, at the time in `read_at`); `changes_at_read` edits a VM
behind the executor's back the moment it is read, `gone` deletes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.apply.provider import Handle, OperationRefused, Outcome, SessionExpired
from planner.model import Inventory, LiveVM, Power
from planner.model.plan import TagCategoryChange
from tests.builders import live_vm, planned


def fresh_vm(datacenter: str, name: str, moref: str) -> LiveVM:
    """What the fake "creates": one CPU, 1 GiB, powered off, unmarked."""
    return live_vm(
        datacenter=datacenter,
        name=name,
        host="H0",
        folder="",
        datastores=("ds",),
        power=Power.OFF,
        cpus=1,
        memory_mb=1024,
        attributes={},
        tools_running=False,
        disks=(),
        nics=(),
        moref=moref,
        workspace=None,
    )


@dataclass
class Call:
    op: str
    target: str  # moref, or "<dc>/<name>" for create_vm / create_folder
    start: float
    end: float
    args: tuple[Any, ...] = ()


@dataclass
class FakeProvider:
    duration: float = 0.02
    durations: dict[str, float] = field(default_factory=dict)  # op -> seconds
    fail: set[tuple[str, str]] = field(default_factory=set)  # (op, target) that fault
    refuse: set[tuple[str, str]] = field(default_factory=set)  # (op, target) refused at submit
    expire_on: set[tuple[str, str]] = field(default_factory=set)  # raise SessionExpired once
    at_once: set[tuple[str, str]] = field(default_factory=set)  # (op, target) done when submitted
    hold: dict[tuple[str, str], threading.Event] = field(default_factory=dict)  # submission waits
    live: dict[str, LiveVM] = field(default_factory=dict)  # moref -> VM, for read_vm
    calls: list[Call] = field(default_factory=list)
    relogins: int = 0
    reads: list[tuple[str, ...]] = field(default_factory=list)
    read_at: list[float] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # morefs of VMs deleted behind our back
    # moref -> the VM as someone else leaves it just before it is read (a change behind our back)
    changes_at_read: dict[str, LiveVM] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.handed: dict[str, LiveVM | None] = {}  # moref -> the VM its last operation got
        self.ops_of: dict[str, tuple[str, str]] = {}  # task id -> (op, target)
        self._cond = threading.Condition()
        self._interrupted = False
        self._next = 0
        self.max_concurrent = 0

    # -- operations --
    def _op(self, op: str, target: str, *args: Any, result: str | None = None) -> Handle:
        if (op, target) in self.hold:
            self.hold[(op, target)].wait(10.0)
        with self._cond:
            if (op, target) in self.expire_on:
                self.expire_on.discard((op, target))
                raise SessionExpired(op)
            if (op, target) in self.refuse:
                raise OperationRefused(f"{op} refused for {target}")
            now = time.monotonic()
            end = now + self.durations.get(op, self.duration)
            self.calls.append(Call(op, target, now, end, args))
            self._next += 1
            self.ops_of[f"task-{self._next}"] = (op, target)
            ok = (op, target) not in self.fail
            outcome = Outcome(ok, None if ok else f"{op} fault on {target}", result)
            running = sum(1 for c in self.calls if c.start <= now < c.end)
            self.max_concurrent = max(self.max_concurrent, running)
            self._cond.notify_all()
            if (op, target) in self.at_once:
                return Handle(task=f"task-{self._next}", outcome=outcome)
            return Handle(task=f"task-{self._next}", token=(end, outcome))

    def create_folder(self, datacenter: str, path: str) -> Handle:
        return self._op("create_folder", f"{datacenter}/{path}")

    def create_vm(self, datacenter: str, name: str, after: Mapping[str, Any]) -> Handle:
        moref = f"vm-{datacenter}-{name}"
        self.live.setdefault(moref, fresh_vm(datacenter, name, moref))
        return self._op("create_vm", f"{datacenter}/{name}", dict(after), result=moref)

    def relocate(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        self.handed[moref] = live
        return self._op("relocate", moref, {k: after.get(k) for k in sorted(changed)})

    def power_off(self, moref: str, shutdown_timeout: float, live: LiveVM | None = None) -> Handle:
        self.handed[moref] = live
        return self._op("power_off", moref, shutdown_timeout)

    def restart(self, moref: str, timeout: float, live: LiveVM | None = None) -> Handle:
        self.handed[moref] = live
        return self._op("restart", moref, timeout)

    def reconfigure(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        self.handed[moref] = live
        return self._op("reconfigure", moref, {k: after.get(k) for k in sorted(changed)})

    def create_tag_category(self, change: TagCategoryChange) -> Handle:
        return self._op("create_tag_category", f"tag_category/{change.name}", change.tags)

    def set_tags(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        self.handed[moref] = live
        return self._op("set_tags", moref, after.get("tags"))

    def set_power(
        self, moref: str, power: Power, shutdown_timeout: float, live: LiveVM | None = None
    ) -> Handle:
        self.handed[moref] = live
        return self._op("set_power", moref, power)

    def set_markers(self, moref: str, workspace: str, prevent_destroy: bool) -> Handle:
        return self._op("set_markers", moref, workspace, prevent_destroy)

    def destroy(self, moref: str) -> Handle:
        return self._op("destroy", moref)

    # -- waiting --
    def wait_any(self, handles: Collection[Handle], timeout: float) -> list[tuple[Handle, Outcome]]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = time.monotonic()
                done = [(h, h.token[1]) for h in handles if h.token[0] <= now]
                if done or self._interrupted or now >= deadline:
                    self._interrupted = False
                    return done
                earliest = min((h.token[0] for h in handles), default=deadline)
                self._cond.wait(max(0.0, min(earliest, deadline) - now))

    def interrupt(self) -> None:
        with self._cond:
            self._interrupted = True
            self._cond.notify_all()

    def read_vm(self, moref: str) -> LiveVM | None:
        return self.read_vms([moref])[moref]

    def read_vms(self, morefs: Sequence[str]) -> dict[str, LiveVM | None]:
        with self._cond:
            self.reads.append(tuple(morefs))
            self.read_at.append(time.monotonic())
        return {moref: self._current(moref) for moref in morefs}

    def _current(self, moref: str) -> LiveVM | None:
        """`live`'s VM, else the one the builders planned `vm-<name>` against."""
        if moref in self.gone:
            return None
        if moref in self.changes_at_read:
            self.live[moref] = self.changes_at_read.pop(moref)
        if moref in self.live:
            return self.live[moref]
        return planned(moref.removeprefix("vm-")) if moref.startswith("vm-") else None

    def read_inventory(self, tags: bool = False) -> Inventory:
        return Inventory(
            vms=tuple(self.live.values()),
            datacenters=(),
            clusters=(),
            hosts=(),
            networks={},
            datastores={},
            folders={},
            resource_pools={},
        )

    def relogin(self) -> None:
        self.relogins += 1

    # -- for assertions --
    def ops(self, target: str | None = None) -> list[str]:
        return [c.op for c in self.calls if target is None or c.target == target]

    def first(self, op: str, target: str) -> Call:
        return next(c for c in self.calls if c.op == op and c.target == target)

    def down_periods(self, morefs: Collection[str] | None = None) -> dict[str, tuple[float, float]]:
        """moref -> (start, end) of the time it was down: from its restart or power off to the
        end of the restart or of the power call bringing it back (of `morefs` only, if given)."""
        periods: dict[str, tuple[float, float]] = {}
        for c in self.calls:
            if morefs is not None and c.target not in morefs:
                continue
            if c.op in ("restart", "power_off") and c.target not in periods:
                periods[c.target] = (c.start, c.end)
            elif c.op in ("restart", "set_power") and c.target in periods:
                periods[c.target] = (periods[c.target][0], c.end)
        return periods

    def max_down_at_once(self, morefs: Collection[str] | None = None) -> int:
        periods = list(self.down_periods(morefs).values())
        return max(
            (sum(1 for s, e in periods if s <= start < e) for start, _ in periods), default=0
        )
