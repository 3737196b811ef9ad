"""Benchmark: 200 VMs changing power state, each power call delayed 300 ms by the simulator.

At parallelism 1, 10 and 50 the same executor and vSphere provider that `vcplan apply` uses
power all VMs on, off, on again (one step per VM plus its marker step, a no-op once the
untimed warm-up has written the markers); each run is timed against the ideal
ceil(200/p) x 0.3 s. Then a rolling restart of all VMs at --max-unavailable 1, 10 and 50 (the
simulator's VMs run without VMware Tools, so each restart is a ResetVM_Task, delayed the same),
against ceil(200/k) x 0.3 s. Goal: ratio <= 1.15 for both. Prints; asserts nothing.

Run: make bench-apply  (or .venv/bin/python bench/apply.py [--vms N] [--delay-ms MS])
--profile: for each restart run, the provider calls' wall times and when each wave of steps
started, was submitted and finished; then the last bound again under cProfile (all threads).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.threads_profile import CallTimes, profiled  # noqa: E402
from planner.apply.events import StepEvent, StepStatus  # noqa: E402
from planner.apply.executor import Executor  # noqa: E402
from planner.apply.steps import build_steps  # noqa: E402
from planner.config.endpoint import resolve_endpoint  # noqa: E402
from planner.model import LiveVM, Power  # noqa: E402
from planner.model.plan import Action, AttributeChange, Plan, VMChange  # noqa: E402
from planner.plan.fingerprint import fingerprint  # noqa: E402
from providers.vsphere.provider import VSphereProvider  # noqa: E402
from tests.vcsim import harness  # noqa: E402

WORKSPACE = "bench"


def power_plan(vms: list[LiveVM], power: Power) -> Plan:
    changes = []
    for vm in vms:
        before = {"power": vm.power.value, "workspace": vm.workspace, "prevent_destroy": False}
        after = {"power": power.value, "prevent_destroy": False}
        changes.append(
            VMChange(
                vm.address,
                Action.UPDATE,
                before,
                after,
                (AttributeChange("power", vm.power.value, power.value),),
                fingerprint=fingerprint(vm),  # apply re-checks it against the live VM
                moref=vm.moref,
            )
        )
    return Plan(WORKSPACE, "vpx://bench", "", tuple(changes))


def restart_plan(vms: list[LiveVM]) -> Plan:
    changes = [
        VMChange(
            vm.address,
            Action.RESTART,
            {"power": "on", "workspace": vm.workspace, "prevent_destroy": False},
            {"power": None, "prevent_destroy": False, "restart_timeout": 600},
            restart=True,
            restart_requested=True,
            fingerprint=fingerprint(vm),
            moref=vm.moref,
        )
        for vm in vms
    ]
    return Plan(WORKSPACE, "vpx://bench", "", tuple(changes))


PROFILED_CALLS = ("read_vm", "read_vms", "restart", "set_power")


def step_times(plan: Plan, events: list[StepEvent], calls: CallTimes, origin: float) -> str:
    """Where a restart step's time goes, averaged over the steps (ms): from STARTED to the
    provider's restart() call (the re-check's read), the restart() call itself (its power-state
    read and ResetVM_Task), and from its return to the step's end (the task's completion
    noticed). Also when the last step started (ms after the run began)."""
    moref = {c.address: c.moref for c in plan.changes}
    started = {moref[e.step.address]: e.at for e in events if e.status is StepStatus.STARTED}
    ended = {moref[e.step.address]: e.at for e in events if e.status is StepStatus.APPLIED}
    calls_at = {arg: (s, e) for s, e, arg in calls.spans.get("restart", [])}
    parts: list[tuple[float, float, float]] = []
    for vm, at in started.items():
        if vm in calls_at and vm in ended:
            call_start, call_end = calls_at[vm]
            parts.append((call_start - at, call_end - call_start, ended[vm] - call_end))
    if not parts:
        return ""
    mean = [1000 * sum(p[i] for p in parts) / len(parts) for i in range(3)]
    last = 1000 * (max(started.values()) - origin)
    return (
        f"per step (ms): start->restart() {mean[0]:.1f}, restart() {mean[1]:.1f}, "
        f"restart()->done {mean[2]:.1f}; last step started at {last:.0f} ms"
    )


def rolling_restarts(
    provider: VSphereProvider, bounds: list[int], delay: float, profile: bool = False
) -> None:
    """Every VM restarted, at most k down at once, the executor's parallelism no tighter."""
    vms = list(provider.read_inventory().vms)
    on = power_plan(vms, Power.ON)  # untimed: restarts need running VMs
    Executor(provider, on, build_steps(on), 50).run()
    vms = list(provider.read_inventory().vms)
    print(f"\nrolling restart of {len(vms)} VMs (ResetVM_Task, {delay * 1000:.0f} ms)")
    print(f"{'max-unavail':>11} {'seconds':>8} {'ideal':>7} {'ratio':>6}")
    for k in bounds:
        plan = restart_plan(vms)
        graph = build_steps(plan, rolling=True)
        events: list[StepEvent] = []
        calls = CallTimes()
        if profile:
            calls.wrap(provider, *[c for c in PROFILED_CALLS if hasattr(provider, c)])
        start = time.perf_counter()
        origin = time.time()
        result = Executor(provider, plan, graph, max(k, 10), events.append, max_unavailable=k).run()
        elapsed = time.perf_counter() - start
        failed = [e for e in result.final if e.status.value != "applied"]
        ideal = math.ceil(len(vms) / k) * delay
        note = f"  ({len(failed)} steps not applied!)" if failed else ""
        print(f"{k:>11} {elapsed:>8.2f} {ideal:>7.2f} {elapsed / ideal:>6.2f}{note}")
        if profile:
            for name in calls.spans:
                delattr(provider, name)  # back to the class's method
            print(calls.report())
            print(step_times(plan, events, calls, origin))
    if profile and bounds:
        k = bounds[-1]
        plan = restart_plan(vms)
        with profiled() as table:
            Executor(
                provider, plan, build_steps(plan, rolling=True), max(k, 10), max_unavailable=k
            ).run()
        print(f"\nmax-unavailable {k} under cProfile, all threads, by own time:")
        print(table.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--delay-ms", type=int, default=300)
    parser.add_argument("--parallelism", type=int, nargs="*", default=[1, 10, 50])
    parser.add_argument("--max-unavailable", type=int, nargs="*", default=[1, 10, 50])
    parser.add_argument("--profile", action="store_true", help="where the restart runs go")
    args = parser.parse_args()
    delay = args.delay_ms / 1000
    methods = ",".join(
        f"{m}={args.delay_ms}"
        for m in ("PowerOnVM_Task", "PowerOffVM_Task", "SuspendVM_Task", "ResetVM_Task")
    )
    certs = harness.make_certs(Path(tempfile.mkdtemp(prefix="vcplan-bench-")))
    model = ["-dc", "1", "-cluster", "1", "-host", "4", "-standalone-host", "0"]
    sim = harness.start([*model, "-vm", str(args.vms), "-method-delay", methods], certs)
    try:
        endpoint = resolve_endpoint(None, None, False, None, sim.env(), None)
        provider = VSphereProvider(endpoint)
        vms = list(provider.read_inventory().vms)
        print(f"{len(vms)} VMs, {args.delay_ms} ms on every power call")
        print(f"{'parallelism':>11} {'seconds':>8} {'ideal':>7} {'ratio':>6}")
        # Untimed warm-up: writes the ownership markers on every VM (a one-off on the first
        # apply) and powers all off, so each timed run measures power changes only.
        warm_up = power_plan(vms, Power.OFF)
        Executor(provider, warm_up, build_steps(warm_up), max(args.parallelism, default=50)).run()
        vms = list(provider.read_inventory().vms)
        target = Power.ON
        for p in args.parallelism:
            plan = power_plan(vms, target)
            start = time.perf_counter()
            result = Executor(provider, plan, build_steps(plan), p).run()
            elapsed = time.perf_counter() - start
            failed = [e for e in result.final if e.status.value not in ("applied", "unchanged")]
            ideal = math.ceil(len(vms) / p) * delay
            note = f"  ({len(failed)} steps not applied!)" if failed else ""
            print(f"{p:>11} {elapsed:>8.2f} {ideal:>7.2f} {elapsed / ideal:>6.2f}{note}")
            vms = list(provider.read_inventory().vms)
            target = Power.ON if target is Power.OFF else Power.OFF
        rolling_restarts(provider, args.max_unavailable, delay, args.profile)
        provider.close()
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
