"""The executor: runs a step graph against a Provider, concurrently, under one limit.

One scheduler (this module's main loop) keeps at most `parallelism` steps in flight. Worker
threads only submit (a vCenter call returns a task at once) and hand what still runs to one
waiter thread, which blocks in the provider's `wait_any`, the single place that waits for
vCenter. Both report into one queue.
A failed step skips the rest of its VM's chain and every step of the VMs depending on it;
a stop request (Ctrl-C) starts nothing new and waits for what is in flight. A second limit,
`max_unavailable`, counts power-cycled VMs from the step that takes one down to the step that
brings it back (the graph's windows); a VM that fails while down stops every further VM from
being taken down, and after Ctrl-C the VMs already down are still brought back. The steps
started at one moment (a wave) re-read their VMs in one provider call (`_wave_work`).
Progress goes out through `on_event`; this module never imports rich, typer or pyVmomi.
"""

from __future__ import annotations

import contextlib
import graphlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from planner.apply.calls import call_auxiliary, call_step, check, desired, reads_vm
from planner.apply.events import ApplyResult, StepEvent, StepStatus
from planner.apply.interrupt import stop_on_signals
from planner.apply.provider import Handle, OperationRefused, Outcome, Provider, SessionExpired
from planner.apply.ready import ReadyQueue
from planner.apply.steps import Step, StepGraph
from planner.model import LiveVM
from planner.model.attributes import StepKind
from planner.model.plan import Plan, VMChange

DEFAULT_PARALLELISM = 10
WAIT_TIMEOUT_S = 5.0  # a safety net only: wait_any returns as soon as anything finishes


@dataclass
class _InFlight:
    step: Step
    started: float
    retried: bool = False


@dataclass
class _State:
    status: dict[str, StepStatus] = field(default_factory=dict)
    final: dict[str, StepEvent] = field(default_factory=dict)


class Executor:
    def __init__(
        self,
        provider: Provider,
        plan: Plan,
        graph: StepGraph,
        parallelism: int = DEFAULT_PARALLELISM,
        on_event: Callable[[StepEvent], None] | None = None,
        wait_timeout: float = WAIT_TIMEOUT_S,
        max_unavailable: int | None = None,
        stop: threading.Event | None = None,
    ):
        """`stop`, when given, is a stop already asked for or still to come from outside (a
        signal before the run began): set, the run starts nothing."""
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        if max_unavailable is not None and max_unavailable < 1:
            raise ValueError("max_unavailable must be at least 1")
        self.provider = provider
        self.plan = plan
        self.graph = graph
        self.parallelism = parallelism
        self.on_event = on_event or (lambda _event: None)
        self.wait_timeout = wait_timeout
        self.changes: dict[str, VMChange] = {c.address: c for c in plan.changes}
        self.morefs: dict[str, str] = {c.address: c.moref for c in plan.changes if c.moref}
        self._events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._stop = stop if stop is not None else threading.Event()
        self._state = _State()
        self._blocked: dict[str, str] = {}  # VM address -> why its remaining steps are skipped
        self._inflight: dict[str, _InFlight] = {}  # step id -> in flight
        self._watch: dict[Handle, str] = {}  # handles the waiter watches -> step id
        self._watch_cond = threading.Condition()
        self._generation = 0
        self._checked: set[str] = set()  # VMs whose first step passed the fingerprint check
        self._relogins = 0
        self._finished = False
        self.max_unavailable = max_unavailable
        self._window_start = {start: addr for addr, (start, _end) in graph.windows.items()}
        self._window_end = {end: addr for addr, (_start, end) in graph.windows.items()}
        self._down: set[str] = set()  # power-cycled VMs between their window's first and last step
        self._halted: str | None = None  # why no further VM is taken down
        self._ready = ReadyQueue()  # ready steps waiting for a slot
        self._recheck_waiting = False  # a VM failed or the rolling halted since the last look

    # --- public -------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ctrl-C: start no new step; what is in flight is waited for. Safe from any thread."""
        self._stop.set()

    def run(self) -> ApplyResult:
        sorter = graphlib.TopologicalSorter(self.graph.predecessors)
        sorter.prepare()
        waiter = threading.Thread(target=self._wait_loop, name="vcplan-waiter", daemon=True)
        with (
            stop_on_signals(self._stop),
            ThreadPoolExecutor(self.parallelism, thread_name_prefix="vcplan-submit") as pool,
        ):
            waiter.start()
            try:
                while True:
                    self._pump(sorter, pool)
                    if not self._inflight:
                        break  # what is still waiting can only wait for Ctrl-C or a halt
                    try:
                        item = self._events.get(timeout=0.2)
                    except queue.Empty:
                        continue
                    self._handle(item, sorter, pool)
                    with contextlib.suppress(queue.Empty):  # what finished together: one wave
                        while True:
                            self._handle(self._events.get_nowait(), sorter, pool)
            finally:
                with self._watch_cond:
                    self._finished = True
                    self._watch_cond.notify_all()
                self.provider.interrupt()
        waiter.join(timeout=self.wait_timeout + 1)
        for step_id, step in self.graph.steps.items():
            if step_id not in self._state.final:
                reason = "not started: interrupted" if self._stop.is_set() else "not started"
                self._finish(step, StepStatus.SKIPPED, message=reason)
        final = tuple(self._state.final[s] for s in self.graph.steps)
        cycled = tuple(self.graph.windows)
        return ApplyResult(final, self._stop.is_set(), self._relogins, cycled)

    # --- scheduling -----------------------------------------------------------------------

    def _pump(self, sorter: graphlib.TopologicalSorter[str], pool: ThreadPoolExecutor) -> None:
        """Resolve what needs no vCenter call (skips) at once, repeating while that makes more
        steps ready; then start what the limits allow, in the order the steps became ready.
        A waiting step is looked at again only when a VM failed or the rolling halted."""
        resolved = True
        while resolved:
            resolved = False
            for step_id in sorter.get_ready():
                if self._skipped(step_id, sorter):
                    resolved = True
                else:
                    self._ready.add(step_id, step_id in self._window_start)
            if self._recheck_waiting:
                self._recheck_waiting = False
                for step_id in self._ready.drain(self._has_skip_reason):
                    self._skipped(step_id, sorter)
                    resolved = True
        wave: list[Step] = []
        while len(self._inflight) < self.parallelism:
            next_id = self._next_to_start()
            if next_id is None:
                break
            step = self.graph.steps[next_id]
            if step.id in self._window_start:
                self._down.add(step.address)
            self._start(step, self._now())
            wave.append(step)
        self._dispatch(wave, pool)

    def _next_to_start(self) -> str | None:
        """After Ctrl-C only the steps bringing a VM that is down back up; a VM goes down only
        while fewer than max_unavailable are."""
        if self._stop.is_set():
            return self._ready.pop_first(self._brings_back)
        room = self.max_unavailable is None or len(self._down) < self.max_unavailable
        return self._ready.pop_next(may_take_down=room)

    def _brings_back(self, step_id: str) -> bool:
        step = self.graph.steps[step_id]
        return step.is_vm and step.address in self._down

    def _has_skip_reason(self, step_id: str) -> bool:
        return self._skip_reason(self.graph.steps[step_id]) is not None

    def _skipped(self, step_id: str, sorter: graphlib.TopologicalSorter[str]) -> bool:
        """Finish a step that must not run (done in the sorter); False when it may run."""
        step = self.graph.steps[step_id]
        reason = self._skip_reason(step)
        if reason is None:
            return False
        self._finish(step, StepStatus.SKIPPED, message=reason)
        sorter.done(step_id)
        return True

    def _skip_reason(self, step: Step) -> str | None:
        if self._halted is not None and step.id in self._window_start:
            return self._halted
        for pred in self.graph.predecessors.get(step.id, ()):
            status = self._state.status.get(pred)
            if status in (StepStatus.FAILED, StepStatus.SKIPPED):
                return f"after {'failed' if status is StepStatus.FAILED else 'skipped'} {pred}"
        # a folder or category shares no fate with a VM of the same address: graph edges only
        return self._blocked.get(step.address) if step.is_vm else None

    def _start(self, step: Step, started: float) -> None:
        """Count the step in flight (STARTED once, also when a retry submits it again)."""
        if step.id not in self._inflight:
            self._inflight[step.id] = _InFlight(step, started)
            self._emit(StepEvent(step, StepStatus.STARTED, time.time()))

    def _dispatch(self, wave: list[Step], pool: ThreadPoolExecutor) -> None:
        """Hand the steps just started to the workers: those on existing VMs as one wave (one
        read of all their VMs), the others (folders, creates) one by one."""
        generation = self._generation
        reading: list[Step] = []
        for step in wave:
            if reads_vm(step) and step.address in self.morefs:
                reading.append(step)
            else:
                pool.submit(self._submit_work, step, generation, None)
        if reading:
            pool.submit(self._wave_work, reading, generation, pool)

    def _wave_work(self, wave: list[Step], generation: int, pool: ThreadPoolExecutor) -> None:
        """In a worker thread: one read of every VM of the wave, then each step's call with its
        VM (the first in this thread, the others in their own).

        The guard's rule is that a VM is re-checked right before its step. The read is taken
        after every step of the wave was counted in flight, so no step of the wave waits for a
        slot after it; the only thing between a VM's read and its step's call is handing the
        other steps of the wave to their threads. Nothing in that gap acts on this VM: each VM
        has one chain of steps, so a wave holds at most one step per VM, and the other steps act
        on other VMs (a step on VM B does not change VM A's fingerprint). The gap left for a
        change behind our back is of the same kind as with a read per step (a read is never at
        the same instant as the call), only a few threads' start longer."""
        try:
            lives = self.provider.read_vms([self.morefs[s.address] for s in wave])
        except SessionExpired:
            for step in wave:
                self._events.put(("expired", step.id, generation))
            return
        except Exception as exc:  # the read failed: no step of the wave may run unchecked
            message = f"re-reading the VMs failed: {type(exc).__name__}: {exc}"
            for step in wave:
                self._events.put(("refused", step.id, message))
            return
        live = [lives.get(self.morefs[s.address]) for s in wave]
        for step, vm in zip(wave[1:], live[1:], strict=True):
            pool.submit(self._submit_work, step, generation, vm)
        self._submit_work(wave[0], generation, live[0])

    def _submit_work(self, step: Step, generation: int, live: LiveVM | None) -> None:
        """In a worker thread: one provider call. Work still running goes straight to the
        waiter from here: through the main loop, which has nothing to decide until it is done,
        it would wait for one more thread hand-over before the waiter could look at it."""
        try:
            handle = self._call(step, live)
        except SessionExpired:
            self._events.put(("expired", step.id, generation))
        except OperationRefused as exc:
            self._events.put(("refused", step.id, str(exc)))
        except Exception as exc:  # a bug or an unexpected fault: this step fails, others go on
            self._events.put(("refused", step.id, f"{type(exc).__name__}: {exc}"))
        else:
            if handle.outcome is not None:  # finished during its submission
                self._events.put(("done", step.id, handle, handle.outcome))
                return
            with self._watch_cond:
                self._watch[handle] = step.id
                self._watch_cond.notify_all()
            self.provider.interrupt()

    def _call(self, step: Step, live: LiveVM | None) -> Handle:
        """`live`: the step's VM as the wave's read found it (None for folders and creates)."""
        p = self.provider
        if not step.is_vm:
            return call_auxiliary(p, step, self.plan)
        change = self.changes[step.address]
        if step.kind is StepKind.CREATE:
            return p.create_vm(change.datacenter, change.name, desired(change, self.plan.workspace))
        moref = self.morefs.get(step.address)
        if moref is None:
            raise OperationRefused(f"no moref known for {step.address}")
        first = not step.converge and step.address not in self._checked
        check(step, change, moref, live, self.plan.workspace, first)
        if not step.converge:
            self._checked.add(step.address)
        return call_step(p, step, change, self.plan.workspace, moref, live)

    # --- events ---------------------------------------------------------------------------

    def _handle(
        self,
        item: tuple[Any, ...],
        sorter: graphlib.TopologicalSorter[str],
        pool: ThreadPoolExecutor,
    ) -> None:
        kind = item[0]
        if kind == "done":
            _, step_id, handle, outcome = item
            if step_id in self._inflight:
                self._complete(step_id, handle, outcome, sorter)
        elif kind == "refused":
            _, step_id, message = item
            if step_id not in self._inflight:
                return
            self._complete(step_id, None, Outcome(ok=False, error=message), sorter)
        elif kind == "expired":
            _, step_id, generation = item
            entry = self._inflight[step_id]
            if entry.retried or not self._renew_session(generation):
                message = "the vCenter session expired and logging in again did not help"
                self._complete(step_id, None, Outcome(ok=False, error=message), sorter)
            else:
                entry.retried = True
                self._start(entry.step, entry.started)
                self._dispatch([entry.step], pool)
        elif kind == "wait_expired":
            _, generation = item
            if not self._renew_session(generation):
                self._fail_watched("the vCenter session expired while waiting; task state unknown")
        elif kind == "wait_error":
            self._fail_watched(f"waiting for vCenter tasks failed: {item[1]}")

    def _renew_session(self, generation: int) -> bool:
        """Log in again once per apply; a report from an older session just retries."""
        if generation != self._generation:
            return True
        if self._relogins >= 1:
            return False
        try:
            self.provider.relogin()
        except Exception:
            return False
        self._relogins += 1
        with self._watch_cond:
            self._generation += 1
            self._watch_cond.notify_all()
        return True

    def _fail_watched(self, message: str) -> None:
        with self._watch_cond:
            watched = dict(self._watch)
            self._watch.clear()
        for _handle, step_id in watched.items():
            self._events.put(("refused", step_id, message))

    def _complete(
        self,
        step_id: str,
        handle: Handle | None,
        outcome: Outcome,
        sorter: graphlib.TopologicalSorter[str],
    ) -> None:
        entry = self._inflight.pop(step_id)
        step = entry.step
        task = handle.task if handle else None
        elapsed = self._now() - entry.started
        if outcome.ok:
            if step.kind is StepKind.CREATE and outcome.result:
                self.morefs[step.address] = outcome.result
            status = StepStatus.UNCHANGED if outcome.note == "unchanged" else StepStatus.APPLIED
            note = "" if status is StepStatus.UNCHANGED else outcome.note
            self._finish(step, status, elapsed, task, note)
            if step_id in self._window_end:
                self._down.discard(step.address)
        else:
            self._finish(step, StepStatus.FAILED, elapsed, task, outcome.error or "failed")
            if step.is_vm:
                self._block_vm(step.address, f"{step.address} failed")
        sorter.done(step_id)

    def _block_vm(self, address: str, reason: str) -> None:
        self._recheck_waiting = True
        self._blocked.setdefault(address, f"after {reason}")
        for dependent in self.graph.dependents_closure(address):
            self._blocked.setdefault(dependent, f"depends on {address}, which failed")

    def _finish(
        self,
        step: Step,
        status: StepStatus,
        elapsed: float = 0.0,
        task: str | None = None,
        message: str = "",
    ) -> None:
        event = StepEvent(step, status, time.time(), elapsed, task, message)
        down = step.is_vm and step.address in self._down
        if status in (StepStatus.FAILED, StepStatus.SKIPPED) and down and self._halted is None:
            self._recheck_waiting = True
            self._halted = (
                f"not started: {step.address} did not come back, so no further VM is taken down"
            )
        self._state.status[step.id] = status
        self._state.final[step.id] = event
        self._emit(event)

    def _emit(self, event: StepEvent) -> None:
        with contextlib.suppress(Exception):  # a display error must not stop an apply
            self.on_event(event)

    # --- the waiter thread ----------------------------------------------------------------

    def _wait_loop(self) -> None:
        """The one place that waits for vCenter: the provider's wait_any over every handle."""
        while True:
            with self._watch_cond:
                while not self._watch and not self._finished:
                    self._watch_cond.wait()
                if self._finished:
                    return
                handles = list(self._watch)
                generation = self._generation
            try:
                finished = self.provider.wait_any(handles, self.wait_timeout)
            except SessionExpired:
                self._events.put(("wait_expired", generation))
                with self._watch_cond:  # until the main loop logged in again (or gave up)
                    while self._generation == generation and not self._finished and self._watch:
                        self._watch_cond.wait(timeout=1.0)
                continue
            except Exception as exc:
                self._events.put(("wait_error", f"{type(exc).__name__}: {exc}"))
                time.sleep(0.5)
                continue
            with self._watch_cond:  # each handle is reported once
                reported = [(h, self._watch.pop(h, None), o) for h, o in finished]
            for handle, step_id, outcome in reported:
                if step_id is not None:
                    self._events.put(("done", step_id, handle, outcome))

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _now() -> float:
        return time.monotonic()
