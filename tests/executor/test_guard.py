"""The re-check before a step touches an existing VM, on plain data (docs/security.md)."""

from __future__ import annotations

from dataclasses import replace

from planner.apply.events import StepStatus
from planner.apply.guard import refusal
from planner.model import Power
from tests.builders import WS, delete, plan, planned, update
from tests.executor.fake_provider import FakeProvider
from tests.executor.test_executor import run, statuses


def test_a_delete_of_the_vm_planned_against_may_run():
    assert refusal(delete("old"), planned("old"), WS, first=True) is None


def test_a_delete_of_an_unmarked_vm_is_refused_at_every_step():
    unmarked = replace(planned("old"), workspace=None)
    for first in (True, False):
        why = refusal(delete("old"), unmarked, WS, first)
        assert why is not None and "does not carry the marker of workspace" in why


def test_a_delete_of_a_vm_with_a_recorded_prevent_destroy_is_refused():
    protected = replace(planned("old"), prevent_destroy=True)
    why = refusal(delete("old"), protected, WS, first=False)
    assert why is not None and "prevent_destroy" in why


def test_no_step_touches_a_vm_of_another_workspace():
    theirs = replace(planned("web"), workspace="other")
    why = refusal(update("web", {"cpus": (1, 2)}), theirs, WS, first=False)
    assert why is not None and "belongs to workspace 'other'" in why


def test_the_first_step_refuses_a_vm_whose_fingerprint_moved():
    moved = replace(planned("web"), annotation="edited by hand")
    why = refusal(update("web", {"cpus": (1, 2)}), moved, WS, first=True)
    assert why is not None and "changed in vCenter since the plan was made" in why


def test_later_steps_accept_the_changes_earlier_steps_made():
    powered_off = replace(planned("web"), cpus=2, power=Power.ON)
    assert refusal(update("web", {"cpus": (1, 2)}), powered_off, WS, first=False) is None


def test_a_plan_without_a_fingerprint_is_refused():
    change = replace(update("web", {"cpus": (1, 2)}), fingerprint=None)
    assert "no fingerprint" in (refusal(change, planned("web"), WS, first=True) or "")


def test_a_vm_gone_or_renamed_is_refused():
    change = update("web", {"cpus": (1, 2)})
    assert "no longer exists" in (refusal(change, None, WS, first=True) or "")
    renamed = replace(planned("web"), name="other")
    assert "not the VM the plan names" in (refusal(change, renamed, WS, first=True) or "")


def test_the_executor_fails_a_refused_vm_untouched_and_applies_the_others():
    provider = FakeProvider()
    provider.live["vm-old"] = replace(planned("old"), workspace=None)
    _, result = run(plan(delete("old"), update("web", {"cpus": (1, 2)})), provider)
    s = statuses(result)
    assert s["DC0/old power_off"] is StepStatus.FAILED
    assert s["DC0/old delete"] is StepStatus.SKIPPED
    assert s["DC0/web reconfigure"] is StepStatus.APPLIED
    assert provider.ops("vm-old") == []
