"""The re-check of a wave: the VMs of the steps started together are read in one call, and
each step still runs only on a VM that is as planned (docs/security.md#saved-plans)."""

from __future__ import annotations

from dataclasses import replace

from planner.apply.events import StepStatus
from tests.builders import create, plan, planned, restart, update
from tests.executor.fake_provider import FakeProvider
from tests.executor.test_rolling import restarts, run, statuses


def test_the_vms_of_steps_started_together_are_read_in_one_call():
    provider, _ = run(restarts(6), parallelism=10)
    assert provider.reads == [tuple(f"vm-vm{i}" for i in range(6))]


def test_each_vm_is_read_once_before_its_step_under_a_rolling_bound():
    provider, _ = run(restarts(6), max_unavailable=2)
    read = [moref for wave in provider.reads for moref in wave]
    assert sorted(read) == sorted(f"vm-vm{i}" for i in range(6))
    assert provider.reads[0] == ("vm-vm0", "vm-vm1")  # the first wave: what the bound admits


def test_a_vm_is_read_only_once_it_may_go_down_so_no_read_waits_for_a_slot():
    provider, _ = run(restarts(3), max_unavailable=1)
    assert provider.reads == [("vm-vm0",), ("vm-vm1",), ("vm-vm2",)]
    for n in (1, 2):
        previous_back = provider.first("restart", f"vm-vm{n - 1}").end
        assert previous_back <= provider.read_at[n] <= provider.first("restart", f"vm-vm{n}").start


def test_a_vm_changed_behind_our_back_before_the_wave_read_is_refused_and_left_alone():
    provider = FakeProvider(duration=0.03)
    provider.changes_at_read["vm-vm1"] = replace(planned("vm1"), annotation="edited by hand")
    _, result = run(restarts(3), provider, parallelism=10)
    s = statuses(result)
    assert s["DC0/vm1 restart"] is StepStatus.FAILED
    assert "changed in vCenter since the plan was made" in next(
        e.message for e in result.final if e.step.id == "DC0/vm1 restart"
    )
    assert provider.ops("vm-vm1") == []
    assert s["DC0/vm0 restart"] is s["DC0/vm2 restart"] is StepStatus.APPLIED
    assert len(provider.reads) == 1


def test_a_vm_gone_by_the_wave_read_is_refused_and_the_others_run():
    provider = FakeProvider(duration=0.03, gone={"vm-gone"})
    _, result = run(plan(update("gone", {"cpus": (1, 2)}), restart("vm0")), provider)
    s = statuses(result)
    assert s["DC0/gone reconfigure"] is StepStatus.FAILED
    assert s["DC0/vm0 restart"] is StepStatus.APPLIED
    assert provider.ops("vm-gone") == []


def test_each_operation_is_handed_the_vm_its_re_check_read():
    provider, _ = run(plan(restart("vm0"), update("web", {"cpus": (1, 2)})))
    assert provider.handed == {"vm-vm0": planned("vm0"), "vm-web": planned("web")}


def test_a_tags_step_is_handed_the_vm_its_re_check_read_so_its_tags_are_not_read_again():
    provider, _ = run(plan(update("web", {"tags": ({}, {"env": ["prod"]})})))
    assert provider.ops("vm-web")[0] == "set_tags"
    assert provider.handed == {"vm-web": planned("web")}


def test_a_failed_wave_read_fails_its_steps_without_acting():
    class Unreadable(FakeProvider):
        def read_vms(self, morefs):
            raise OSError("connection reset")

    provider = Unreadable()
    _, result = run(restarts(3), provider)
    assert all(e.status is StepStatus.FAILED for e in result.final)
    assert "re-reading the VMs failed" in result.final[0].message
    assert provider.calls == []


def test_a_created_vm_gone_before_its_read_back_is_named_by_the_moref_its_create_returned():
    provider = FakeProvider(duration=0.03, gone={"vm-DC0-app"})
    _, result = run(plan(create("app")), provider)
    (failed,) = [e for e in result.final if e.status is StepStatus.FAILED]
    assert failed.message == "DC0/app (vm-DC0-app) no longer exists"
