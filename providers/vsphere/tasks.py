"""Waiting for vCenter: one PropertyCollector filter, one WaitForUpdatesEx, every task in flight.

A private PropertyCollector holds one filter over a ListView; each operation's current task
and the VM whose state it waits for (runtime.powerState after a reset or during a guest
shutdown) are added to the view, so a single WaitForUpdatesEx reports the first change among
all of them. No per-task polling loop. New work is read once first, with one
RetrievePropertiesEx over all of it: only what is still running enters the view.
An operation may have follow-ups (power on, then suspend) and a deadline (guest shutdown, then
hard power off; a restart that must be back in time); all are driven from here. A guest reboot
is watched through the VM's guest.toolsRunningStatus in the same filter: Tools going away, then
running again. CancelWaitForUpdates wakes the wait when the executor submits new work.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from pyVmomi import vim, vmodl

from planner.apply.provider import Handle, Outcome, SessionExpired
from providers.vsphere.session import Session
from providers.vsphere.soap import retrieve_leaves

TASK_PATHS = ["info.state", "info.error", "info.result"]
VM_PATHS = ["runtime.powerState", "guest.toolsRunningStatus"]
TOOLS_RUNNING = "guestToolsRunning"


def fault_message(fault: Any) -> str:
    """vCenter's own words for a fault: its message, else its localized text, else its type."""
    if fault is None:
        return "failed"
    inner = getattr(fault, "fault", None)  # a LocalizedMethodFault wraps the fault
    localized = getattr(fault, "localizedMessage", None) or ""
    target = inner if inner is not None else fault
    msg = getattr(target, "msg", None) or ""
    name = type(target).__name__.split(".")[-1]
    text = msg or (localized if not localized.startswith("*types.") else "")
    return f"{name}: {text}" if text else name


@dataclass(eq=False)
class Watch:
    """What one operation waits for now (a task, or a VM reaching a power state by a deadline),
    and what to do next. Callables return a new vim.Task, or None when done synchronously."""

    task: Any = None
    vm: Any = None
    want_power: str | None = None
    deadline: float | None = None
    on_timeout: Callable[[], Any] | None = None
    then: list[Callable[[], Any]] = field(default_factory=list)
    note: str = ""
    result: str | None = None
    reboot: str | None = None  # "going" (Tools still running), then "back" (Tools went away)
    timeout_error: str | None = None  # past the deadline: fail with this instead of on_timeout
    seen: bool = False  # the waiter has read its objects once

    def objects(self) -> list[Any]:
        """What it waits on now: the task, and the VM whose state it wants after the task."""
        return [o for o in (self.task, self.vm) if o is not None]


class TaskWaiter:
    def __init__(self, session: Session):
        self.session = session
        self._lock = threading.Lock()
        self._reset_state()

    def _reset_state(self) -> None:
        self._collector: Any = None
        self._view: Any = None
        self._spec: Any = None
        self._version = ""
        self._in_view: dict[str, Any] = {}
        self._values: dict[str, dict[str, Any]] = {}
        self._waiting = False
        self._interrupted = False

    def reset(self) -> None:
        """After a relogin: the collector, view and filter died with the old session."""
        with self._lock:
            self._reset_state()

    def interrupt(self) -> None:
        with self._lock:
            self._interrupted = True
            collector = self._collector if self._waiting else None
        if collector is not None:
            # the wait may just have returned; its timeout is the safety net
            with contextlib.suppress(Exception):
                collector.CancelWaitForUpdates()

    # --- the filter ----------------------------------------------------------------------

    def _ensure_filter(self) -> None:
        if self._collector is not None:
            return
        content = self.session.content
        collector = content.propertyCollector.CreatePropertyCollector()
        view = content.viewManager.CreateListView(obj=[])
        pc = vmodl.query.PropertyCollector
        spec = pc.FilterSpec(
            objectSet=[
                pc.ObjectSpec(
                    obj=view,
                    skip=True,
                    selectSet=[pc.TraversalSpec(type=vim.view.ListView, path="view", skip=False)],
                )
            ],
            propSet=[
                pc.PropertySpec(type=vim.Task, pathSet=TASK_PATHS),
                pc.PropertySpec(type=vim.VirtualMachine, pathSet=VM_PATHS),
            ],
        )
        collector.CreateFilter(spec, partialUpdates=False)
        self._collector, self._view, self._spec = collector, view, spec

    def _sync_view(self, watches: list[Watch]) -> bool:
        """Put every watched object in the view, drop finished ones. True when objects came in."""
        wanted = {o._moId: o for w in watches for o in w.objects()}
        add = [o for m, o in wanted.items() if m not in self._in_view]
        remove = [o for m, o in self._in_view.items() if m not in wanted]
        if add or remove:
            self._view.ModifyListView(add=add, remove=remove)
            self._in_view.update({o._moId: o for o in add})
            for obj in remove:
                self._in_view.pop(obj._moId, None)
        for moid in [m for m in self._values if m not in wanted]:
            del self._values[moid]  # finished, or read once and finished at the first look
        return bool(add)

    def _look(self, watches: list[Watch]) -> None:
        """One RetrievePropertiesEx over the objects of newly handed-in operations (and of a
        follow-up task), before they enter the view: what finished during its call (vcsim's
        tasks always do; a quick task on vCenter may) is then done without a ModifyListView and
        a read of the view. Its answer is read lean (soap.py): this read is on the way from
        one VM back to the next one taken down. An object vCenter no longer knows faults the
        whole read; the view then sorts them out as before."""
        new = {
            o._moId: o
            for w in watches
            for o in w.objects()
            if not w.seen or (o._moId not in self._in_view and o._moId not in self._values)
        }
        for w in watches:
            w.seen = True
        if not new:
            return
        with contextlib.suppress(vmodl.fault.ManagedObjectNotFound):
            values, structured = retrieve_leaves(self._collector, self._spec_of(new.values()))
            self._values.update(values)
            if structured:  # a task's error: pyVmomi reads the fault
                self._retrieve(self._spec_of(new[m] for m in structured))

    def _spec_of(self, objects: Iterable[Any]) -> Any:
        pc = vmodl.query.PropertyCollector
        return pc.FilterSpec(
            objectSet=[pc.ObjectSpec(obj=o) for o in objects], propSet=self._spec.propSet
        )

    def _read_now(self) -> None:
        """One RetrievePropertiesEx over the view: catches tasks that finished at once."""
        self._retrieve(self._spec)

    def _retrieve(self, spec: Any) -> None:
        result = self._collector.RetrievePropertiesEx(
            [spec], vmodl.query.PropertyCollector.RetrieveOptions()
        )
        while result is not None:
            for obj in result.objects:
                self._values[obj.obj._moId] = {p.name: p.val for p in obj.propSet or []}
            if not result.token:
                break
            result = self._collector.ContinueRetrievePropertiesEx(result.token)

    def _wait_updates(self, seconds: float) -> None:
        options = vmodl.query.PropertyCollector.WaitOptions(
            maxWaitSeconds=max(1, math.ceil(seconds))
        )
        with self._lock:
            if self._interrupted:
                self._interrupted = False
                return
            self._waiting = True
        try:
            update = self._collector.WaitForUpdatesEx(self._version, options)
        except vmodl.fault.RequestCanceled:
            return
        finally:
            with self._lock:
                self._waiting = False
                self._interrupted = False
        if update is None:
            return
        self._version = update.version
        for filter_update in update.filterSet or []:
            for obj in filter_update.objectSet or []:
                values = self._values.setdefault(obj.obj._moId, {})
                for change in obj.changeSet or []:
                    values[change.name] = change.val

    # --- progress of one operation -------------------------------------------------------

    def _advance(self, watch: Watch) -> Outcome | None:
        """Move an operation on as far as the known values allow; its Outcome when finished."""
        while True:
            if watch.task is not None:
                values = self._values.get(watch.task._moId)
                if values is None:
                    return None
                state = values.get("info.state")
                if state == "error":
                    return Outcome(False, error=fault_message(values.get("info.error")))
                if state != "success":
                    return None
                result: Any = values.get("info.result")
                if hasattr(result, "_moId") and watch.result is None:
                    watch.result = result._moId
                watch.task = None
            elif watch.vm is not None:
                values = self._values.get(watch.vm._moId, {})
                power = values.get("runtime.powerState")
                self._follow_reboot(watch, values.get("guest.toolsRunningStatus"))
                if power == watch.want_power and watch.reboot is None:
                    watch.vm = None
                elif watch.deadline is not None and time.monotonic() >= watch.deadline:
                    if watch.timeout_error is not None:
                        hung = " (the guest ignored the reboot)" if watch.reboot == "going" else ""
                        return Outcome(False, error=watch.timeout_error + hung)
                    assert watch.on_timeout is not None
                    watch.vm, watch.task = None, watch.on_timeout()
                    watch.note = "hard power off: the guest did not shut down in time"
                    continue
                else:
                    return None
            if not watch.then:
                return Outcome(True, result=watch.result, note=watch.note)
            step = watch.then.pop(0)
            watch.task = step()
            if watch.task is not None:
                return None  # a new object: it must enter the view first

    @staticmethod
    def _follow_reboot(watch: Watch, tools: Any) -> None:
        """A reboot is over when Tools went away and came back; until they went away, the
        guest may not have started rebooting at all."""
        if watch.reboot == "going" and tools is not None and tools != TOOLS_RUNNING:
            watch.reboot = "back"
        elif watch.reboot == "back" and tools == TOOLS_RUNNING:
            watch.reboot = None

    # --- the one wait --------------------------------------------------------------------

    def wait_any(self, handles: Collection[Handle], timeout: float) -> list[tuple[Handle, Outcome]]:
        try:
            return self._wait_any(handles, timeout)
        except vim.fault.NotAuthenticated:
            self.reset()
            raise SessionExpired("the vCenter session is no longer valid") from None
        except vmodl.fault.ManagedObjectNotFound:
            # the collector or view belonged to a session that is gone
            self.reset()
            raise SessionExpired("the vCenter session is no longer valid") from None

    def _wait_any(
        self, handles: Collection[Handle], timeout: float
    ) -> list[tuple[Handle, Outcome]]:
        deadline = time.monotonic() + timeout
        self._ensure_filter()
        done: list[tuple[Handle, Outcome]] = []
        waited = False
        while True:
            pending = [h for h in handles if h.token is not None]
            self._look([h.token for h in pending])
            for handle in pending:
                outcome = self._advance(handle.token)
                if outcome is not None:
                    done.append((handle, outcome))
                    handle.token = None
            if done:
                return done  # what finished leaves the view on a later call
            if self._sync_view([h.token for h in pending]):
                self._read_now()
                continue  # what came into the view may be done already
            now = time.monotonic()
            if waited or now >= deadline:
                return done
            shutdowns = [
                h.token.deadline for h in handles if h.token is not None and h.token.deadline
            ]
            self._wait_updates(min([deadline - now, *[d - now for d in shutdowns]]))
            waited = True
