"""Ownership first (docs/language.md#ownership): a VM vcplan creates is this workspace's from the
moment it exists, so an apply stopped between the create and the markers step never leaves a VM
the next plan would create again."""

from __future__ import annotations

import signal
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

from pyVmomi import vim

from planner.apply.events import StepEvent, StepStatus
from planner.apply.executor import Executor
from planner.apply.steps import build_steps
from planner.model import WORKSPACE_MARKER
from planner.model.attributes import StepKind
from planner.model.plan import Action, AttributeChange, VMChange
from planner.plan.fingerprint import fingerprint
from tests.support.apply import SMALL, WS, create, leftover, live_vms, plan, provider_for, run
from tests.support.cli import VCPLAN, cli_env, run_vcplan
from tests.support.vcenter import find_vm, open_si

CONFIG = """
vcplan {
  workspace = "owned"
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "web-1" {
      cpus      = 1
      memory_mb = 64
    }
  }
}
"""


def _custom_values(si: Any, name: str) -> dict[str, str]:
    manager = si.RetrieveContent().customFieldsManager
    fields = {f.key: f.name for f in manager.field or []}
    vm = find_vm(si, name)
    return {fields.get(cv.key, ""): cv.value for cv in vm.customValue or []}


def _count(si: Any, name: str) -> int:
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return sum(1 for vm in view.view if vm.name == name)
    finally:
        view.DestroyView()


def _stop_once_created(executor: list[Executor]):
    def on_event(event: StepEvent) -> None:
        if event.step.kind is StepKind.CREATE and event.status is StepStatus.STARTED:
            executor[0].request_stop()  # Ctrl-C while the create is in flight

    return on_event


def test_ctrl_c_right_after_a_create_leaves_a_vm_the_next_plan_owns(make_vcsim):
    provider = provider_for(make_vcsim(*SMALL))
    p = plan(create("fresh", cluster="DC0_C0", cpus=1, memory_mb=64, power="off"))
    holder: list[Executor] = []
    holder.append(Executor(provider, p, build_steps(p), 1, _stop_once_created(holder)))
    result = holder[0].run()
    statuses = {e.step.kind: e.status for e in result.final}
    assert result.interrupted
    assert statuses[StepKind.CREATE] is StepStatus.APPLIED
    assert statuses[StepKind.MARKERS] is StepStatus.SKIPPED  # the custom values never written
    vm = live_vms(provider)["fresh"]
    assert vm.workspace == WS and vm.markers_pending
    assert not [k for k in vm.extra_config if k.startswith("vcplan.")]  # reserved: never drift
    # the next plan finds it owned: no create again, only the custom values still to write
    assert leftover(provider, p) == ["DC0/fresh update: workspace"]
    provider.close()


def test_a_vm_owned_through_its_create_spec_gets_its_custom_values_on_the_next_apply(make_vcsim):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    p = plan(create("fresh", cluster="DC0_C0", cpus=1, memory_mb=64, power="off"))
    holder: list[Executor] = []
    holder.append(Executor(provider, p, build_steps(p), 1, _stop_once_created(holder)))
    holder[0].run()
    vm = live_vms(provider)["fresh"]
    adopt = VMChange(
        vm.address,
        Action.UPDATE,
        {"workspace": None},
        p.changes[0].after,
        (AttributeChange("workspace", None, WS),),
        fingerprint=fingerprint(vm),
        moref=vm.moref,
    )
    again = plan(adopt)
    assert run(provider, again).result.with_status(StepStatus.FAILED) == []
    with open_si(sim) as si:
        assert _custom_values(si, "fresh")[WORKSPACE_MARKER] == WS
        assert _count(si, "fresh") == 1
    assert not live_vms(provider)["fresh"].markers_pending
    assert leftover(provider, p) == []
    provider.close()


def test_a_copy_of_a_created_vm_made_outside_vcplan_is_not_owned(make_vcsim):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    p = plan(create("fresh", cluster="DC0_C0", cpus=1, memory_mb=64, power="off"))
    holder: list[Executor] = []
    holder.append(Executor(provider, p, build_steps(p), 1, _stop_once_created(holder)))
    holder[0].run()
    with open_si(sim) as si:  # a hand-made clone copies the extraConfig, not the instance UUID
        source = find_vm(si, "fresh")
        # vCenter copies the source's extraConfig into a clone; vcsim copies only the spec's
        copied = vim.vm.ConfigSpec(extraConfig=source.config.extraConfig)
        location = vim.vm.RelocateSpec(pool=source.resourcePool)
        spec = vim.vm.CloneSpec(location=location, config=copied)
        task = source.CloneVM_Task(folder=source.parent, name="copy", spec=spec)
        while task.info.state not in ("success", "error"):
            time.sleep(0.1)
        assert task.info.state == "success"
        keys = {o.key for o in find_vm(si, "copy").config.extraConfig or []}
        assert WORKSPACE_MARKER in keys
    vms = live_vms(provider)
    assert vms["fresh"].workspace == WS
    assert vms["copy"].workspace is None and not vms["copy"].markers_pending
    provider.close()


def test_an_apply_killed_after_the_create_leaves_a_vm_the_next_plan_owns(
    make_vcsim, tmp_path: Path
):
    # the power-on after the create is slowed, so the process is surely killed before the markers
    sim = make_vcsim(*SMALL, "-method-delay", "PowerOnVM_Task=30000")
    (tmp_path / "main.hcl").write_text(textwrap.dedent(CONFIG))
    env = {**cli_env(), **sim.env()}
    apply = subprocess.Popen(
        [str(VCPLAN), "apply", str(tmp_path), "--auto-approve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with open_si(sim) as si:
            for _ in range(1200):
                if find_vm(si, "web-1") is not None:
                    break
                time.sleep(0.1)
            else:
                raise AssertionError("the apply never created web-1")
            apply.send_signal(signal.SIGKILL)  # the worst case: nothing runs after this
            apply.wait(timeout=60)
            assert WORKSPACE_MARKER not in _custom_values(si, "web-1")
        shown = run_vcplan("plan", str(tmp_path), env=sim.env())
        assert shown.code == 0, shown.output
        assert "Plan: 0 to create, 1 to update" in shown.stdout, shown.stdout
        assert 'workspace: (none) → "owned"' in shown.stdout  # the custom value still to write
        # it is this workspace's: another workspace declaring it is refused, not given it
        other = tmp_path / "other"
        other.mkdir()
        (other / "main.hcl").write_text(textwrap.dedent(CONFIG).replace('"owned"', '"other"'))
        refused = run_vcplan("plan", str(other), env=sim.env())
        assert refused.code == 1
        assert "DC0/web-1 belongs to workspace 'owned', not 'other'" in refused.stderr
        with open_si(sim) as si:
            assert _count(si, "web-1") == 1
    finally:
        if apply.poll() is None:
            apply.kill()
