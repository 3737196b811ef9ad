"""The one place that waits for vCenter (providers/vsphere/tasks.py) against the simulator: work
that finished during its call is done after one read, without entering the waiter's view; work
still running is waited for until vCenter says it is done. vcsim's tasks have run when their
call returns; `-reset-task-ms` makes ResetVM_Task answer with a queued task, as vCenter does."""

from __future__ import annotations

from typing import Any

from pyVmomi import vim

from tests.support.apply import live_vms, provider_for

ONE_HOST = ["-dc", "1", "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "2"]
PATIENCE = 60.0  # seconds of waiting before a test gives up (a failure, never a measurement)


def _wait(provider: Any, handle: Any) -> list[Any]:
    """wait_any until the handle is reported (it returns early on its own first sync)."""
    for _ in range(100):
        done = provider.wait_any([handle], PATIENCE)
        if done:
            return done
    raise AssertionError(f"{handle.task} never reported")


def test_a_reset_done_during_its_call_is_reported_without_entering_the_waiters_view(make_vcsim):
    provider = provider_for(make_vcsim(*ONE_HOST))
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    handle = provider.restart(vm.moref, 600, vm)
    assert _wait(provider, handle)[0][1].ok
    view = provider._parts()[1]._view
    assert view.view == []  # vCenter's ListView: the task and the VM never went in
    provider.close()


def test_a_reset_task_still_queued_after_its_call_is_waited_for_until_vcenter_has_it_done(
    make_vcsim, connect_si
):
    sim = make_vcsim(*ONE_HOST, "-reset-task-ms", "500")
    provider = provider_for(sim)
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    handle = provider.restart(vm.moref, 600, vm)
    task = vim.Task(handle.task, connect_si(sim)._stub)  # vCenter's own view of it
    assert task.info.state == "queued"
    [(_, outcome)] = _wait(provider, handle)
    assert outcome.ok and outcome.note == "reset (VMware Tools not running)"
    assert task.info.state == "success"
    provider.close()
