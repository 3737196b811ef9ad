"""Drift attribution against the simulator: a change made behind vcplan's back through pyVmomi
is named in the report with the user vCenter recorded and the time it happened.

vcsim records the session's user on the events it posts (VmReconfiguredEvent with its configSpec,
power events); most tests expect the harness's own user, one logs in as a second user (alice).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim

from tests.support.vcenter import find_vm, set_custom_attribute

pytestmark = pytest.mark.simulator

WORLD = ["-dc", "1", "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "2"]
VM = "DC0_C0_RP0_VM0"
CONFIG = f"""
vcplan {{
  workspace = "ws"
}}
datacenter "DC0" {{
  cluster "DC0_C0" {{
    vm "{VM}" {{
      cpus  = 1
      power = "on"
    }}
    vm "ghost" {{
      cpus = 1
    }}
  }}
}}
"""


@pytest.fixture
def world(make_vcsim, connect_si, tmp_path: Path):
    sim = make_vcsim(*WORLD)
    si = connect_si(sim)
    set_custom_attribute(si, VM, "vcplan.workspace", "ws")
    (tmp_path / "main.hcl").write_text(CONFIG)
    return sim, si, tmp_path


def _drift(run_cli, sim, directory: Path, *args: str) -> dict[str, Any]:
    result = run_cli("drift", str(directory), "--format", "json", *args, env=sim.env())
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _attribute(report: dict[str, Any], name: str) -> dict[str, Any]:
    (vm,) = [d for d in report["drifted"] if d["name"] == VM]
    return next(a for a in vm["attributes"] if a["attribute"] == name)


def test_a_cpu_change_names_the_user_and_time_of_the_reconfigure(world, run_cli):
    sim, si, directory = world
    before = datetime.now(UTC) - timedelta(seconds=1)
    WaitForTask(find_vm(si, VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=3)))
    cpus = _attribute(_drift(run_cli, sim, directory), "cpus")
    assert (cpus["expected"], cpus["actual"]) == (1, 3)
    assert cpus["changed_by"] == sim.user
    assert datetime.fromisoformat(cpus["changed_at"]) >= before.replace(microsecond=0)
    assert cpus["event"].startswith(f"Reconfigured {VM}")


def test_a_power_off_names_the_user_of_the_power_off(world, run_cli):
    sim, si, directory = world
    WaitForTask(find_vm(si, VM).PowerOffVM_Task())
    power = _attribute(_drift(run_cli, sim, directory), "power")
    assert (power["expected"], power["actual"]) == ("on", "off")
    assert power["changed_by"] == sim.user
    assert "powered off" in power["event"].lower()


def test_a_reconfigure_of_memory_does_not_explain_a_cpu_drift(world, run_cli):
    sim, si, directory = world
    WaitForTask(find_vm(si, VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=3)))
    WaitForTask(find_vm(si, VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(memoryMB=64)))
    report = _drift(run_cli, sim, directory)
    # The latest reconfigure touched memory only: the CPU one still explains cpus.
    assert _attribute(report, "cpus")["event"].startswith(f"Reconfigured {VM}")
    assert _attribute(report, "cpus")["changed_by"] == sim.user


def test_drift_nobody_explains_has_null_attribution(world, run_cli):
    sim, _si, directory = world
    (ghost,) = _drift(run_cli, sim, directory)["missing"]
    assert (ghost["changed_by"], ghost["changed_at"], ghost["event"]) == (None, None, None)


def test_a_removed_vm_is_missing_with_the_user_who_removed_it(world, run_cli):
    sim, si, directory = world
    vm = find_vm(si, "DC0_C0_RP0_VM1")
    WaitForTask(vm.PowerOffVM_Task())
    WaitForTask(vm.Destroy_Task())
    text = CONFIG.replace('vm "ghost"', 'vm "DC0_C0_RP0_VM1"')
    (directory / "main.hcl").write_text(text)
    (missing,) = _drift(run_cli, sim, directory)["missing"]
    assert missing["name"] == "DC0_C0_RP0_VM1"
    assert missing["changed_by"] == sim.user
    assert "removed" in missing["event"].lower()


def test_the_text_report_says_who_changed_an_attribute_and_how_long_ago(world, run_cli):
    sim, si, directory = world
    WaitForTask(find_vm(si, VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=3)))
    result = run_cli("drift", str(directory), env=sim.env())
    assert result.code == 0, result.stderr
    assert f"cpus: expected 1, actual 3; changed by {sim.user} just now (Reconfigured {VM}" in (
        result.stdout
    )


def test_a_since_that_is_not_a_duration_is_one_line_and_exit_1(world, run_cli):
    sim, _si, directory = world
    result = run_cli("drift", str(directory), "--since", "yesterday", env=sim.env())
    assert result.code == 1
    assert result.stderr.startswith("error: --since 'yesterday' is not a duration")
    assert "Traceback" not in result.output


def test_a_change_made_by_another_user_names_that_user(make_vcsim, tmp_path, run_cli):
    """vcplan reads as its own user; the report names whoever made the change (alice)."""
    import ssl

    from pyVim.connect import Disconnect, SmartConnect

    sim = make_vcsim(*WORLD, "-user", "alice@vsphere.local:alice-pw")
    (tmp_path / "main.hcl").write_text(CONFIG)
    ctx = ssl.create_default_context(cafile=str(sim.certs.ca_file))
    alice = SmartConnect(
        host=sim.host, port=sim.port, user="alice@vsphere.local", pwd="alice-pw", sslContext=ctx
    )
    try:
        set_custom_attribute(alice, VM, "vcplan.workspace", "ws")
        WaitForTask(find_vm(alice, VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=3)))
    finally:
        Disconnect(alice)
    cpus = _attribute(_drift(run_cli, sim, tmp_path), "cpus")
    assert cpus["changed_by"] == "alice@vsphere.local" != sim.user
