"""Rolling power cycles against a fake Provider: --max-unavailable, order, failures, Ctrl-C."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.apply.events import StepEvent, StepStatus
from planner.apply.executor import Executor
from planner.apply.steps import build_steps
from planner.report.apply import ApplyReport
from tests.builders import plan, plans, restart, update
from tests.executor.fake_provider import FakeProvider


def run(p, provider=None, max_unavailable=None, parallelism=10, on_event=None):
    provider = provider or FakeProvider(duration=0.03)
    graph = build_steps(p, rolling=max_unavailable is not None)
    executor = Executor(
        provider, p, graph, parallelism, on_event, wait_timeout=1.0, max_unavailable=max_unavailable
    )
    return provider, executor.run()


def statuses(result):
    return {e.step.id: e.status for e in result.final}


def restarts(n, **kw):
    return plan(*[restart(f"vm{i}", **kw) for i in range(n)])


def cycles(n):
    return plan(*[update(f"vm{i}", {"cpus": (1, 2)}, restart=True) for i in range(n)])


def test_never_more_vms_restarting_at_once_than_max_unavailable():
    provider, _ = run(restarts(6), max_unavailable=2)
    assert provider.max_down_at_once() == 2


def test_one_at_a_time_restarts_each_vm_after_the_previous_is_back():
    provider, _ = run(restarts(3), max_unavailable=1)
    periods = sorted(provider.down_periods().values())
    assert all(later[0] >= earlier[1] for earlier, later in zip(periods, periods[1:], strict=False))


def test_max_unavailable_also_bounds_updates_that_need_a_power_cycle():
    provider, _ = run(cycles(5), max_unavailable=1)
    assert provider.max_down_at_once() == 1


def test_power_cycles_are_unbounded_without_max_unavailable():
    provider, _ = run(cycles(5))
    assert provider.max_down_at_once() == 5


def test_dependency_is_restarted_and_back_before_its_dependent_restarts():
    provider, _ = run(plan(restart("app", depends_on=("db",)), restart("db")), max_unavailable=2)
    assert provider.first("restart", "vm-db").end <= provider.first("restart", "vm-app").start


def test_rolling_cycles_a_dependency_fully_before_its_dependent_goes_down():
    p = plan(
        update("app", {"cpus": (1, 2)}, depends_on=("db",), restart=True),
        update("db", {"cpus": (1, 2)}, restart=True),
    )
    provider, result = run(p, max_unavailable=1)
    assert set(statuses(result).values()) == {StepStatus.APPLIED}  # no deadlock on one slot
    assert provider.first("set_power", "vm-db").end <= provider.first("power_off", "vm-app").start


def test_a_dependent_powered_off_for_good_does_not_hold_a_cycling_dependency_behind_one_slot():
    # app needs db and cache; cache (off for good) needs db; db cycles: db must not wait for
    # cache to go down, which waits for app to go down, which holds the only slot
    p = plan(
        update("db", {"cpus": (1, 2)}, restart=True),
        update("cache", {"power": ("on", "off")}, depends_on=("db",)),
        update("app", {"cpus": (1, 2)}, depends_on=("db", "cache"), restart=True),
    )
    provider, result = run(p, max_unavailable=1)
    assert set(statuses(result).values()) == {StepStatus.APPLIED}
    assert provider.first("set_power", "vm-db").end <= provider.first("power_off", "vm-app").start


def test_a_vm_that_does_not_come_back_stops_further_restarts():
    provider = FakeProvider(duration=0.03, fail={("restart", "vm-vm1")})
    _, result = run(restarts(4), provider, max_unavailable=1)
    s = statuses(result)
    assert [s[f"DC0/vm{i} restart"] for i in range(4)] == [
        StepStatus.APPLIED,
        StepStatus.FAILED,
        StepStatus.SKIPPED,
        StepStatus.SKIPPED,
    ]
    assert provider.ops() == ["restart", "restart"]


def test_restarts_in_flight_finish_when_another_fails():
    provider = FakeProvider(duration=0.05, refuse={("restart", "vm-vm0")})
    _, result = run(restarts(4), provider, max_unavailable=2)
    s = statuses(result)
    assert s["DC0/vm0 restart"] is StepStatus.FAILED
    assert s["DC0/vm1 restart"] is StepStatus.APPLIED
    assert s["DC0/vm2 restart"] is StepStatus.SKIPPED


def test_skipped_restart_says_which_vm_did_not_come_back():
    provider = FakeProvider(duration=0.03, fail={("restart", "vm-vm0")})
    _, result = run(restarts(2), provider, max_unavailable=1)
    skipped = next(e for e in result.final if e.step.id == "DC0/vm1 restart")
    assert "DC0/vm0 did not come back" in skipped.message


def test_summary_counts_restarted_vms_and_names_the_failed_and_the_not_started():
    provider = FakeProvider(duration=0.03, fail={("restart", "vm-vm1")})
    p = restarts(3)
    _, result = run(p, provider, max_unavailable=1)
    report = ApplyReport(result, p, build_steps(p, rolling=True))
    assert report.exit_code == 1
    lines = report.lines()
    assert "1 restarted; 1 failed, 1 skipped" in lines[0]
    assert lines[1].startswith("  DC0/vm1: restart failed after ")
    assert lines[2] == (
        "  DC0/vm2: skipped: not started: DC0/vm1 did not come back, so no further VM is taken down"
    )


def test_ctrl_c_takes_no_new_vm_down_but_brings_back_the_one_that_is_down():
    executor: list[Executor] = []

    def stop_after_first_power_off(event: StepEvent) -> None:
        if event.step.id == "DC0/vm0 power_off" and event.status is StepStatus.APPLIED:
            executor[0].request_stop()

    p = cycles(3)
    provider = FakeProvider(duration=0.03)
    graph = build_steps(p, rolling=True)
    executor.append(
        Executor(provider, p, graph, 10, stop_after_first_power_off, 1.0, max_unavailable=1)
    )
    result = executor[0].run()
    s = statuses(result)
    assert s["DC0/vm0 power"] is StepStatus.APPLIED  # back on
    assert s["DC0/vm1 power_off"] is StepStatus.SKIPPED
    assert result.interrupted
    assert "power_off" not in provider.ops("vm-vm1")


@settings(max_examples=40, deadline=None)
@given(plans(), st.integers(1, 3))
def test_every_plan_completes_under_any_bound_and_never_exceeds_it(p, bound):
    provider, result = run(p, FakeProvider(duration=0.001), max_unavailable=bound)
    assert {e.status for e in result.final} <= {StepStatus.APPLIED, StepStatus.UNCHANGED}
    cycled = {f"vm-{address.split('/')[1]}" for address in result.power_cycled}
    assert provider.max_down_at_once(cycled) <= bound


def test_a_long_rolling_restart_looks_at_each_waiting_step_a_bounded_number_of_times(
    monkeypatch,
):
    """With one VM down at a time, every other VM's restart waits at every event: looking at
    all of them each time would cost the square of the fleet."""
    looked: list[str] = []
    original = Executor._skip_reason

    def counted(self, step):
        looked.append(step.id)
        return original(self, step)

    monkeypatch.setattr(Executor, "_skip_reason", counted)
    provider, result = run(restarts(300), FakeProvider(duration=0.0), max_unavailable=1)
    assert all(s is StepStatus.APPLIED for s in statuses(result).values())
    assert len(looked) <= 3 * len(result.final)
