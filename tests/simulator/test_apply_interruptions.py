"""Apply against a slow simulator: Ctrl-C mid-apply, and a session terminated mid-apply."""

from __future__ import annotations

import os
import signal

from planner.apply.events import StepEvent, StepStatus
from planner.apply.executor import Executor
from planner.apply.steps import build_steps
from planner.model import Power
from planner.report.apply import ApplyReport
from tests.support.apply import Run, leftover, live_vms, plan, provider_for, run, update

SLOW = [
    "-dc",
    "1",
    "-cluster",
    "1",
    "-host",
    "2",
    "-standalone-host",
    "1",
    "-vm",
    "2",
    "-autostart=false",
    "-method-delay",
    "PowerOnVM_Task=400",
]


def power_on_all(provider):
    return plan(*[update(vm, power="on") for vm in live_vms(provider).values()])


def test_ctrl_c_starts_no_new_step_waits_for_the_one_in_flight_and_reports(make_vcsim):
    provider = provider_for(make_vcsim(*SLOW))
    p = power_on_all(provider)
    events: list[StepEvent] = []

    def ctrl_c_once_a_power_on_is_in_flight(event: StepEvent) -> None:
        # sent from inside the apply, so the signal never reaches the test runner itself
        events.append(event)
        powers = [
            e for e in events if e.status is StepStatus.STARTED and e.step.kind.value == "power"
        ]
        if powers == [event]:
            os.kill(os.getpid(), signal.SIGINT)

    executor = Executor(provider, p, build_steps(p), 1, ctrl_c_once_a_power_on_is_in_flight)
    outcome = Run(executor.run(), events)
    report = ApplyReport(outcome.result, p)
    applied = [
        e for e in outcome.final if e.status is StepStatus.APPLIED and e.step.kind.value == "power"
    ]
    assert outcome.result.interrupted and report.exit_code == 1
    assert len(applied) == 1  # the step in flight finished; no other started
    assert "Interrupted" in report.lines()[0]
    vms = {vm.address: vm for vm in live_vms(provider).values()}
    assert [a for a, vm in vms.items() if vm.power is Power.ON] == [applied[0].step.address]
    # what is left is exactly what was not started: the next apply finishes it
    assert sorted(leftover(provider, p)) == sorted(
        f"{a} update: power, workspace" if vm.power is Power.OFF else f"{a} update: workspace"
        for a, vm in vms.items()
    )
    # the interrupted plan is stale now (one VM is on); a new plan finishes the work
    again = power_on_all(provider)
    assert ApplyReport(run(provider, again, parallelism=4).result, again).exit_code == 0
    assert leftover(provider, again) == []
    provider.close()


def test_expired_session_is_logged_in_again_once_and_the_step_retried(make_vcsim, connect_si):
    sim = make_vcsim(*SLOW)
    provider = provider_for(sim)
    p = power_on_all(provider)
    admin = connect_si(sim)
    mine = provider.session.content.sessionManager.currentSession.key
    second = f"{p.changes[1].address} power"

    def terminate_mid_apply(event: StepEvent) -> None:
        if event.status is StepStatus.STARTED and event.step.id == second:
            admin.content.sessionManager.TerminateSession([mine])

    result = Executor(provider, p, build_steps(p), 1, terminate_mid_apply).run()
    report = ApplyReport(result, p)
    assert result.relogins == 1
    assert report.exit_code == 0, report.lines()
    assert leftover(provider, p) == []
    provider.close()
