"""The executor against a fake Provider: order, concurrency, failures, stop, session renewal."""

from __future__ import annotations

import threading
import time

from hypothesis import given, settings

from planner.apply.events import StepEvent, StepStatus
from planner.apply.executor import Executor
from planner.apply.steps import build_steps
from planner.model import Power
from planner.report.apply import ApplyReport
from planner.report.stream import JsonLines, step_record
from tests.builders import create, delete, live, plan, plans, update
from tests.executor.fake_provider import FakeProvider


def run(p, provider=None, parallelism=10, on_event=None):
    provider = provider or FakeProvider()
    graph = build_steps(p)
    result = Executor(provider, p, graph, parallelism, on_event, wait_timeout=1.0).run()
    return provider, result


def statuses(result):
    return {e.step.id: e.status for e in result.final}


def power_plan(n):
    return plan(*[update(f"vm{i}", {"power": ("off", "on")}, power="off") for i in range(n)])


def test_every_step_of_a_clean_apply_is_applied_and_exit_code_is_zero():
    p = plan(update("a", {"cpus": (1, 2)}, restart=True), delete("b"))
    _, result = run(p)
    assert set(statuses(result).values()) == {StepStatus.APPLIED}
    assert ApplyReport(result, p).exit_code == 0


def test_independent_vms_run_concurrently_up_to_the_limit():
    provider = FakeProvider(duration=0.2)
    run(power_plan(20), provider, parallelism=10)
    assert provider.max_concurrent == 10  # how long that takes is bench/apply.py's question


def test_never_more_steps_in_flight_than_parallelism():
    provider = FakeProvider(duration=0.05)
    run(power_plan(12), provider, parallelism=3)
    assert provider.max_concurrent == 3


def test_work_finished_when_submitted_completes_without_the_waiter():
    waited_for: set[tuple[str, str]] = set()

    class Watched(FakeProvider):
        def wait_any(self, handles, timeout):
            waited_for.update(self.ops_of[h.task] for h in handles)
            return super().wait_any(handles, timeout)

    provider = Watched(at_once={("reconfigure", "vm-a")})
    _, result = run(plan(update("a", {"cpus": (1, 2)}), update("b", {"cpus": (1, 2)})), provider)
    assert set(statuses(result).values()) == {StepStatus.APPLIED}
    assert ("reconfigure", "vm-a") not in waited_for
    assert ("reconfigure", "vm-b") in waited_for  # still running when submitted: waited for


def test_work_still_running_reaches_the_waiter_while_the_main_loop_is_busy():
    """The submitting thread hands it over itself: here the main loop is held in the event
    callback of another step until the waiter has been given the running one."""
    b_submitted, b_watched = threading.Event(), threading.Event()

    class Watched(FakeProvider):
        def wait_any(self, handles, timeout):
            if ("reconfigure", "vm-b") in {self.ops_of[h.task] for h in handles}:
                b_watched.set()
            return super().wait_any(handles, timeout)

    held: list[bool] = []

    def on_event(event: StepEvent) -> None:
        if event.step.id == "DC0/a reconfigure" and event.status is StepStatus.APPLIED:
            b_submitted.set()  # b's submission returns now, while this loop is held here
            held.append(b_watched.wait(10.0))

    provider = Watched(
        at_once={("reconfigure", "vm-a")}, hold={("reconfigure", "vm-b"): b_submitted}
    )
    _, result = run(
        plan(update("a", {"cpus": (1, 2)}), update("b", {"cpus": (1, 2)})),
        provider,
        on_event=on_event,
    )
    assert held == [True]
    assert set(statuses(result).values()) == {StepStatus.APPLIED}


def test_dependency_is_powered_on_before_its_dependent_is_created():
    provider, _ = run(plan(create("app", depends_on=("db",)), create("db")))
    assert (
        provider.first("set_power", "vm-DC0-db").end <= provider.first("create_vm", "DC0/app").start
    )


def test_created_vm_is_read_back_and_only_what_still_differs_is_reconciled():
    provider = FakeProvider()
    provider.live["vm-DC0-a"] = live("a", "vm-DC0-a", cpus=1, power=Power.OFF, workspace=None)
    _, result = run(plan(create("a", cpus=2)), provider)
    assert provider.ops("vm-DC0-a") == ["reconfigure", "set_power", "set_markers"]
    assert statuses(result)["DC0/a move"] is StepStatus.UNCHANGED


def test_a_create_is_given_the_plans_workspace_and_prevent_destroy_to_mark_the_vm_with():
    """Ownership first (docs/language.md#ownership): the provider marks the VM in its create
    spec, with the plan's workspace whatever the change's `after` says."""
    provider, _ = run(plan(create("a", prevent_destroy=True, workspace="edited")))
    (given,) = provider.first("create_vm", "DC0/a").args
    assert given["workspace"] == "test-ws" and given["prevent_destroy"] is True


def test_a_stop_during_a_create_lets_it_finish_and_starts_no_markers_step():
    provider = FakeProvider(duration=0.2)
    executor: list[Executor] = []

    def stop_at_create(event: StepEvent) -> None:
        if event.step.kind.value == "create" and event.status is StepStatus.STARTED:
            executor[0].request_stop()

    p = plan(create("a"))
    executor.append(Executor(provider, p, build_steps(p), 1, stop_at_create, wait_timeout=1.0))
    result = executor[0].run()
    assert statuses(result)["DC0/a create"] is StepStatus.APPLIED
    assert statuses(result)["DC0/a markers"] is StepStatus.SKIPPED
    assert provider.ops() == ["create_vm"]


def test_failed_step_skips_the_rest_of_its_vm_and_its_dependents_but_not_others():
    provider = FakeProvider(fail={("power_off", "vm-db")})
    p = plan(
        update("db", {"cpus": (1, 2)}, restart=True),
        update("app", {"cpus": (1, 2)}, depends_on=("db",), restart=True),
        update("other", {"memory_mb": (1, 2)}),
    )
    _, result = run(p, provider)
    s = statuses(result)
    assert s["DC0/db power_off"] is StepStatus.FAILED
    assert s["DC0/db reconfigure"] is StepStatus.SKIPPED
    assert s["DC0/app power_off"] is StepStatus.APPLIED  # dependents go down first
    assert s["DC0/app power"] is StepStatus.SKIPPED
    assert s["DC0/other reconfigure"] is StepStatus.APPLIED
    report = ApplyReport(result, p)
    assert report.exit_code == 1
    assert "power_off fault on vm-db" in "\n".join(report.lines())


def test_refused_submission_is_a_failure_with_the_platform_message():
    provider = FakeProvider(refuse={("reconfigure", "vm-a")})
    p = plan(update("a", {"cpus": (1, 2)}))
    _, result = run(p, provider)
    failed = ApplyReport(result, p).failed
    assert [e.message for e in failed] == ["reconfigure refused for vm-a"]


def test_stop_request_starts_no_new_step_and_waits_for_those_in_flight():
    provider = FakeProvider(duration=0.2)
    executor = None
    started: list[StepEvent] = []

    def on_event(event: StepEvent) -> None:
        started.append(event)
        if len(started) == 2 and executor is not None:
            executor.request_stop()

    p = power_plan(6)
    executor = Executor(provider, p, build_steps(p), 2, on_event)
    result = executor.run()
    s = statuses(result)
    assert result.interrupted
    assert list(s.values()).count(StepStatus.APPLIED) == 2  # the two in flight finished
    assert all(c.end <= time.monotonic() for c in provider.calls)
    assert ApplyReport(result, p).exit_code == 1


def test_expired_session_is_renewed_once_and_the_step_retried():
    provider = FakeProvider(expire_on={("reconfigure", "vm-a")})
    _, result = run(plan(update("a", {"cpus": (1, 2)})), provider)
    assert provider.relogins == 1
    assert statuses(result)["DC0/a reconfigure"] is StepStatus.APPLIED
    assert result.relogins == 1


def test_a_second_expiry_after_the_relogin_fails_the_step():
    class AlwaysExpired(FakeProvider):
        def reconfigure(self, moref, after, changed, live=None):
            self.expire_on.add(("reconfigure", moref))
            return super().reconfigure(moref, after, changed, live)

    provider = AlwaysExpired()
    _, result = run(plan(update("a", {"cpus": (1, 2)})), provider)
    assert provider.relogins == 1
    assert statuses(result)["DC0/a reconfigure"] is StepStatus.FAILED


def test_machine_stream_has_a_start_and_an_end_line_per_step(tmp_path):
    path = tmp_path / "apply.log"
    with path.open("w") as stream:
        run(plan(update("a", {"cpus": (1, 2)})), on_event=JsonLines(stream))
    import json

    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["type"], r["step"], r.get("outcome")) for r in records] == [
        ("step_start", "reconfigure", None),
        ("step_end", "reconfigure", "applied"),
        ("step_start", "markers", None),
        ("step_end", "markers", "applied"),
    ]
    ends = [r for r in records if r["type"] == "step_end"]
    assert all(r["task"].startswith("task-") and r["time"] and r["version"] == 1 for r in ends)


def test_step_end_record_carries_the_fault_message():
    provider = FakeProvider(fail={("destroy", "vm-a")})
    _, result = run(plan(delete("a", power="off")), provider)
    assert step_record(result.final[0])["message"] == "destroy fault on vm-a"


@settings(max_examples=25, deadline=None)
@given(plans())
def test_execution_respects_every_dependency_edge(p):
    provider = FakeProvider(duration=0.001)
    events: list[StepEvent] = []
    graph = build_steps(p)
    Executor(provider, p, graph, 4, events.append, wait_timeout=1.0).run()
    started = {e.step.id: i for i, e in enumerate(events) if e.status is StepStatus.STARTED}
    ended = {e.step.id: i for i, e in enumerate(events) if e.status is not StepStatus.STARTED}
    assert set(ended) == set(graph.steps)
    for step, preds in graph.predecessors.items():
        if step in started:
            assert all(ended[pred] < started[step] for pred in preds)


def test_a_failed_vm_does_not_skip_a_folder_step_of_the_same_address():
    """Folder DC0/web (for VM app) is no part of VM DC0/web: web failing leaves it alone."""
    provider = FakeProvider(refuse={("reconfigure", "vm-web")})
    p = plan(update("web", {"cpus": (1, 2)}), create("app", folder="web"))
    _, result = run(p, provider, parallelism=1)  # web's step first, the folder after it
    s = statuses(result)
    assert s["DC0/web reconfigure"] is StepStatus.FAILED
    assert s["DC0/web folder"] is StepStatus.APPLIED
    assert s["DC0/app create"] is StepStatus.APPLIED


def test_a_stop_asked_before_the_run_starts_no_step_and_reports_every_one_not_started():
    provider = FakeProvider()
    stop = threading.Event()
    stop.set()  # Ctrl-C while the plan was read, its KeyboardInterrupt dropped
    p = power_plan(3)
    result = Executor(provider, p, build_steps(p), 2, stop=stop).run()
    assert provider.calls == []
    assert result.interrupted
    assert {e.message for e in result.final} == {"not started: interrupted"}
    assert ApplyReport(result, p).exit_code == 1
