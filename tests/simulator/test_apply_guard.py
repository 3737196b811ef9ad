"""A saved plan's safety rules, re-checked on the live VM right before each step, whatever the
plan file says (docs/security.md#saved-plans). Each test edits a real plan the way a careless or
hostile hand would, and checks in vCenter, independently, that the VM was not touched."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from pyVim.task import WaitForTask
from pyVmomi import vim

from planner.apply.events import StepStatus
from tests.support.apply import SMALL, WS, delete, live_vms, plan, provider_for, run, update
from tests.support.vcenter import find_vm, open_si, set_custom_attribute

VM = "DC0_C0_RP0_VM0"

CONFIG = f"""
vcplan {{
  workspace = "{WS}"
}}

datacenter "DC0" {{
  cluster "DC0_C0" {{
    vm "{VM}" {{
      cpus = 2
    }}
  }}
}}
"""


def _plan_edited_into_a_delete(run_cli: Any, sim: Any, tmp_path: Path) -> Path:
    """A real saved plan (adopting VM), its change then edited into a delete of that VM."""
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "main.hcl").write_text(textwrap.dedent(CONFIG))
    saved = tmp_path / "plan.json"
    planned = run_cli("plan", str(config), "--out", str(saved), env=sim.env())
    assert planned.code == 0, planned.output
    doc = json.loads(saved.read_text())
    (change,) = doc["changes"]
    change.update(action="delete", after=None, diffs=[])
    saved.write_text(json.dumps(doc))
    return saved


def test_an_edited_plan_deleting_an_unmarked_vm_is_refused_and_the_vm_survives(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    saved = _plan_edited_into_a_delete(run_cli, sim, tmp_path)
    result = run_cli("apply", str(saved), "--auto-approve", env=sim.env())
    assert result.code == 1, result.output
    assert f"does not carry the marker of workspace '{WS}'" in result.output
    assert "Traceback" not in result.output
    with open_si(sim) as si:
        vm = find_vm(si, VM)
        assert vm is not None and vm.runtime.powerState == "poweredOn"


def test_an_edited_plan_deleting_a_vm_with_a_recorded_prevent_destroy_is_refused(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    with open_si(sim) as si:
        set_custom_attribute(si, VM, "vcplan.workspace", WS)
        set_custom_attribute(si, VM, "vcplan.prevent_destroy", "true")
    saved = _plan_edited_into_a_delete(run_cli, sim, tmp_path)
    result = run_cli("apply", str(saved), "--auto-approve", env=sim.env())
    assert result.code == 1, result.output
    assert "is protected by prevent_destroy" in result.output
    with open_si(sim) as si:
        assert find_vm(si, VM) is not None


def test_a_vm_changed_after_the_plan_was_checked_is_not_touched(make_vcsim, connect_si):
    """The window between apply's stale check and a VM's first step: the step itself refuses."""
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    vm = live_vms(provider)[VM]
    p = plan(update(vm, cpus=4))
    si = connect_si(sim)
    WaitForTask(find_vm(si, VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(annotation="by hand")))
    outcome = run(provider, p)
    (first, *_) = outcome.final
    assert first.status is StepStatus.FAILED
    assert "changed in vCenter since the plan was made" in first.message
    assert live_vms(provider)[VM].cpus == vm.cpus
    provider.close()


def test_a_delete_planned_against_a_vm_of_another_workspace_is_refused(make_vcsim, connect_si):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    set_custom_attribute(connect_si(sim), VM, "vcplan.workspace", "someone-else")
    vm = live_vms(provider)[VM]
    outcome = run(provider, plan(delete(vm)))
    assert {e.status for e in outcome.final} == {StepStatus.FAILED, StepStatus.SKIPPED}
    assert "belongs to workspace 'someone-else'" in outcome.final[0].message
    assert VM in live_vms(provider)
    provider.close()


FLEET = ["-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "1", "-vm", "3"]


def test_one_read_of_several_vms_is_each_vm_as_read_alone(make_vcsim):
    provider = provider_for(make_vcsim(*FLEET))
    morefs = sorted(vm.moref for vm in live_vms(provider).values())
    assert len(morefs) > 2
    assert provider.read_vms(morefs) == {moref: provider.read_vm(moref) for moref in morefs}
    provider.close()


def test_a_wave_of_one_vm_is_that_vm_as_read_alone_and_none_once_deleted(make_vcsim, connect_si):
    sim = make_vcsim(*FLEET)
    provider = provider_for(sim)
    vm = live_vms(provider)[VM]
    assert provider.read_vms([vm.moref]) == {vm.moref: provider.read_vm(vm.moref)}
    doomed = find_vm(connect_si(sim), VM)
    WaitForTask(doomed.PowerOffVM_Task())
    WaitForTask(doomed.Destroy_Task())
    assert provider.read_vms([vm.moref]) == {vm.moref: None}
    provider.close()


def test_one_read_of_several_vms_maps_a_deleted_vm_to_none(make_vcsim, connect_si):
    sim = make_vcsim(*FLEET)
    provider = provider_for(sim)
    vms = live_vms(provider)
    doomed = find_vm(connect_si(sim), VM)
    WaitForTask(doomed.PowerOffVM_Task())
    WaitForTask(doomed.Destroy_Task())
    read = provider.read_vms(sorted(vm.moref for vm in vms.values()))
    assert read[vms[VM].moref] is None
    assert {m: v for m, v in read.items() if v is not None} == {
        vm.moref: vm for vm in live_vms(provider).values()
    }
    provider.close()


def test_in_a_wave_only_the_vm_changed_after_the_plan_is_refused(make_vcsim, connect_si):
    """Steps started together are re-checked by one read: the one VM edited by hand is left
    alone, the others in the same wave are applied."""
    sim = make_vcsim(*FLEET)
    provider = provider_for(sim)
    vms = [vm for vm in live_vms(provider).values() if vm.cluster]
    p = plan(*(update(vm, cpus=vm.cpus + 1) for vm in vms))
    WaitForTask(
        find_vm(connect_si(sim), VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(annotation="by hand"))
    )
    outcome = run(provider, p)
    failed = [e for e in outcome.final if e.status is StepStatus.FAILED]
    assert [e.step.address for e in failed] == [f"DC0/{VM}"]
    assert "changed in vCenter since the plan was made" in failed[0].message
    now = live_vms(provider)
    assert now[VM].cpus == next(vm.cpus for vm in vms if vm.name == VM)
    assert all(now[vm.name].cpus == vm.cpus + 1 for vm in vms if vm.name != VM)
    provider.close()
