"""`vcplan plan` against a simulator: every action and flag, ownership, references, targets, saved
plans. Each test reads the plan through `--format json`; after each, an independent pyVmomi read
shows vCenter unchanged (plan never changes it)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim

from tests.support.vcenter import find_vm, open_si, set_custom_attribute, snapshot

SIM = ["-dc", "1", "-cluster", "2", "-host", "2", "-standalone-host", "1", "-vm", "2"]
A = "DC0_C0_RP0_VM0"  # unmarked, on, no hot-add
B = "DC0_C0_RP0_VM1"  # unmarked, on, CPU and memory hot-add
C = "DC0_C1_RP0_VM0"  # unmarked, off, its disk grown to 4 GB
D = "DC0_C1_RP0_VM1"  # marked by workspace "other"
E = "DC0_H0_VM0"  # marked by workspace "owned"
F = "DC0_H0_VM1"  # marked by workspace "guarded", prevent_destroy recorded


@pytest.fixture(scope="module")
def sim(make_module_vcsim):
    simulator = make_module_vcsim(*SIM)
    with open_si(simulator) as si:
        spec = vim.vm.ConfigSpec(cpuHotAddEnabled=True, memoryHotAddEnabled=True)
        WaitForTask(find_vm(si, B).ReconfigVM_Task(spec=spec))
        WaitForTask(find_vm(si, C).PowerOffVM_Task())
        disk = next(
            d
            for d in find_vm(si, C).config.hardware.device
            if isinstance(d, vim.vm.device.VirtualDisk)
        )
        disk.capacityInKB = 4 * 1024 * 1024
        edit = vim.vm.device.VirtualDeviceSpec(operation="edit", device=disk)
        WaitForTask(find_vm(si, C).ReconfigVM_Task(spec=vim.vm.ConfigSpec(deviceChange=[edit])))
        set_custom_attribute(si, D, "vcplan.workspace", "other")
        set_custom_attribute(si, E, "vcplan.workspace", "owned")
        set_custom_attribute(si, F, "vcplan.workspace", "guarded")
        set_custom_attribute(si, F, "vcplan.prevent_destroy", "true")
    return simulator


@pytest.fixture(autouse=True)
def unchanged(sim):
    """Every test in this module: vCenter is exactly as it was."""
    with open_si(sim) as si:
        before = snapshot(si)
    yield
    with open_si(sim) as si:
        assert snapshot(si) == before


def _config(tmp_path: Path, body: str, workspace: str = "t") -> Path:
    text = f'vcplan {{\n  workspace = "{workspace}"\n}}\n\n' + textwrap.dedent(body)
    (tmp_path / "main.hcl").write_text(text)
    return tmp_path


def _cluster_vm(name: str, attrs: str = "", cluster: str = "DC0_C0") -> str:
    return f"""
        datacenter "DC0" {{
          cluster "{cluster}" {{
            vm "{name}" {{
              {attrs}
            }}
          }}
        }}
        """


def _plan(run_cli, sim, directory: Path, *args: str) -> dict[str, Any]:
    result = run_cli("plan", str(directory), "--format", "json", *args, env=sim.env())
    assert result.code == 0, result.output
    return json.loads(result.stdout)


def _change(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in plan["changes"] if c["address"] == f"DC0/{name}")


def _diffs(change: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {d["attribute"]: (d["before"], d["after"]) for d in change["diffs"]}


# --- actions ---------------------------------------------------------------------------------


def test_a_declared_vm_missing_from_vcenter_is_created(run_cli, sim, tmp_path):
    body = _cluster_vm("new-1", 'cpus = 2\nmemory_mb = 1024\nfolder = "apps/new"')
    change = _change(_plan(run_cli, sim, _config(tmp_path, body)), "new-1")
    assert change["action"] == "create"
    assert change["before"] is None
    assert change["after"]["cpus"] == 2
    assert change["after"]["folder"] == "apps/new"
    assert change["after"]["cluster"] == "DC0_C0"
    assert change["fingerprint"] is None


def test_a_vm_matching_its_declaration_is_noop(run_cli, sim, tmp_path):
    body = _cluster_vm(E, "cpus = 1\nmemory_mb = 32", cluster="x").replace(
        'cluster "x"', 'host "DC0_H0"'
    )
    plan = _plan(run_cli, sim, _config(tmp_path, body, workspace="owned"))
    assert _change(plan, E)["action"] == "noop"
    assert plan["summary"] == {"create": 0, "update": 0, "delete": 0, "noop": 1, "restart": 0}


def test_an_owned_vm_no_longer_declared_is_deleted(run_cli, sim, tmp_path):
    plan = _plan(run_cli, sim, _config(tmp_path, _cluster_vm("other-vm"), workspace="owned"))
    change = _change(plan, E)
    assert change["action"] == "delete"
    assert change["after"] is None
    assert change["before"]["workspace"] == "owned"
    assert change["fingerprint"].startswith("sha256:")


def test_an_unmarked_undeclared_vm_is_never_touched(run_cli, sim, tmp_path):
    plan = _plan(run_cli, sim, _config(tmp_path, _cluster_vm("other-vm")))
    assert {c["address"] for c in plan["changes"]} == {"DC0/other-vm"}


# --- update flags ------------------------------------------------------------------------


def test_a_cpu_increase_on_a_running_vm_without_hot_add_needs_a_restart(run_cli, sim, tmp_path):
    change = _change(_plan(run_cli, sim, _config(tmp_path, _cluster_vm(A, "cpus = 2"))), A)
    assert change["action"] == "update"
    assert _diffs(change)["cpus"] == (1, 2)
    assert change["restart"] is True
    assert change["moves"] is False


def test_a_cpu_and_memory_increase_with_hot_add_needs_no_restart(run_cli, sim, tmp_path):
    body = _cluster_vm(B, "cpus = 2\nmemory_mb = 64")
    change = _change(_plan(run_cli, sim, _config(tmp_path, body)), B)
    assert _diffs(change)["memory_mb"] == (32, 64)
    assert change["restart"] is False


def test_a_memory_decrease_needs_a_restart_even_with_hot_add(run_cli, sim, tmp_path):
    change = _change(_plan(run_cli, sim, _config(tmp_path, _cluster_vm(B, "memory_mb = 16"))), B)
    assert change["restart"] is True


def test_a_cpu_change_on_a_powered_off_vm_needs_no_restart(run_cli, sim, tmp_path):
    body = _cluster_vm(C, "cpus = 4", cluster="DC0_C1")
    change = _change(_plan(run_cli, sim, _config(tmp_path, body)), C)
    assert _diffs(change)["cpus"] == (1, 4)
    assert change["restart"] is False


def test_a_power_change_is_an_update_of_power(run_cli, sim, tmp_path):
    body = _cluster_vm(C, 'power = "on"', cluster="DC0_C1")
    change = _change(_plan(run_cli, sim, _config(tmp_path, body)), C)
    assert _diffs(change)["power"] == ("off", "on")


def test_moving_a_vm_block_to_another_cluster_migrates_it(run_cli, sim, tmp_path):
    body = _cluster_vm(A, "", cluster="DC0_C1")
    change = _change(_plan(run_cli, sim, _config(tmp_path, body)), A)
    assert change["action"] == "update"
    assert _diffs(change)["cluster"] == ("DC0_C0", "DC0_C1")
    assert change["moves"] is True


def test_a_folder_change_moves_the_vm(run_cli, sim, tmp_path):
    change = _change(_plan(run_cli, sim, _config(tmp_path, _cluster_vm(A, 'folder = "web"'))), A)
    assert _diffs(change)["folder"] == ("", "web")
    assert change["moves"] is True


def test_an_unpinned_vm_on_any_host_of_its_cluster_is_not_a_change(run_cli, sim, tmp_path):
    change = _change(_plan(run_cli, sim, _config(tmp_path, _cluster_vm(A, "cpus = 1"))), A)
    assert "host" not in _diffs(change)


def test_annotation_attributes_disks_and_nics_are_compared(run_cli, sim, tmp_path):
    attrs = """annotation = "hello"
      attributes = { owner = "team-a" }
      disk {
        size_gb = 2
      }
      disk {
        size_gb = 5
      }
      network_interface {
        network = "VM Network"
      }"""
    change = _change(_plan(run_cli, sim, _config(tmp_path, _cluster_vm(A, attrs))), A)
    diffs = _diffs(change)
    assert diffs["annotation"] == ("", "hello")
    assert diffs["attributes"] == ({"owner": None}, {"owner": "team-a"})
    assert diffs["disk"] == ([{"size_gb": 1}], [{"size_gb": 2}, {"size_gb": 5}])
    assert diffs["network_interface"] == ([{"network": "DC0_DVPG0"}], [{"network": "VM Network"}])


def test_a_disk_shrink_is_an_error_naming_the_size(run_cli, sim, tmp_path):
    attrs = "disk {\n        size_gb = 2\n      }"
    result = run_cli("plan", str(_config(tmp_path, _cluster_vm(C, attrs, "DC0_C1"))), env=sim.env())
    assert result.code == 1
    assert f"DC0/{C}: disk 1 would shrink from 4 GB to 2 GB" in result.stderr
    assert "main.hcl:10:13:" in result.stderr


# --- ownership -------------------------------------------------------------------------------


def test_declaring_an_unmarked_vm_adopts_it(run_cli, sim, tmp_path):
    change = _change(_plan(run_cli, sim, _config(tmp_path, _cluster_vm(A))), A)
    assert change["action"] == "update"
    assert _diffs(change) == {"workspace": (None, "t")}
    assert change["restart"] is False


def test_declaring_another_workspaces_vm_is_an_error_naming_it(run_cli, sim, tmp_path):
    result = run_cli(
        "plan", str(_config(tmp_path, _cluster_vm(D, cluster="DC0_C1"))), env=sim.env()
    )
    assert result.code == 1
    assert f"DC0/{D} belongs to workspace 'other'" in result.stderr
    assert "main.hcl:" in result.stderr
    assert "Traceback" not in result.output


def test_prevent_destroy_outlives_the_removed_block(run_cli, sim, tmp_path):
    directory = _config(tmp_path, _cluster_vm("something-else"), workspace="guarded")
    result = run_cli("plan", str(directory), env=sim.env())
    assert result.code == 1
    assert f"DC0/{F} would be deleted, but it is protected by prevent_destroy" in result.stderr


def test_prevent_destroy_false_declared_releases_the_protection(run_cli, sim, tmp_path):
    body = f"""
        datacenter "DC0" {{
          host "DC0_H0" {{
            vm "{F}" {{
              lifecycle {{
                prevent_destroy = false
              }}
            }}
          }}
        }}
        """
    change = _change(_plan(run_cli, sim, _config(tmp_path, body, workspace="guarded")), F)
    assert _diffs(change) == {"prevent_destroy": (True, False)}


def test_ignore_changes_masks_an_attribute(run_cli, sim, tmp_path):
    attrs = 'cpus = 8\n      lifecycle {\n        ignore_changes = ["cpus"]\n      }'
    body = _cluster_vm(E, attrs).replace('cluster "DC0_C0"', 'host "DC0_H0"')
    change = _change(_plan(run_cli, sim, _config(tmp_path, body, workspace="owned")), E)
    assert change["action"] == "noop"


# --- references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        (
            'datacenter "DC9" {\n  cluster "DC0_C0" {\n    vm "x" {}\n  }\n}\n',
            "datacenter 'DC9'",
            5,
        ),
        ('datacenter "DC0" {\n  cluster "C9" {\n    vm "x" {}\n  }\n}\n', "cluster 'C9'", 6),
        (
            'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "x" {\n      host = "H9"\n    }\n'
            "  }\n}\n",
            "host 'H9' does not exist",
            8,
        ),
        (
            'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "x" {\n      host = "DC0_C1_H0"\n'
            "    }\n  }\n}\n",
            "host 'DC0_C1_H0' is in cluster 'DC0_C1', not in cluster 'DC0_C0'",
            8,
        ),
        (
            'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "x" {\n      network_interface {\n'
            '        network = "nope"\n      }\n    }\n  }\n}\n',
            "network 'nope'",
            9,
        ),
        (
            'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "x" {\n      datastore = "DS9"\n'
            "    }\n  }\n}\n",
            "datastore 'DS9'",
            8,
        ),
        (
            'datacenter "DC0" {\n  cluster "DC0_C0" {\n    vm "x" {\n      template = "tpl"\n'
            "    }\n  }\n}\n",
            "template 'tpl'",
            8,
        ),
    ],
    ids=[
        "datacenter",
        "cluster",
        "host",
        "host-outside-cluster",
        "network",
        "datastore",
        "template",
    ],
)
def test_an_unknown_reference_is_an_error_at_its_position(
    run_cli, sim, tmp_path, body, message, line
):
    directory = tmp_path / "cfg"
    directory.mkdir()
    (directory / "main.hcl").write_text('vcplan {\n  workspace = "t"\n}\n\n' + body)
    result = run_cli("plan", str(directory), env=sim.env())
    assert result.code == 1
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert f"main.hcl:{line}:" in first
    assert message in first


def test_all_reference_errors_are_reported_together(run_cli, sim, tmp_path):
    body = """
        datacenter "DC0" {
          cluster "DC0_C0" {
            vm "x" {
              datastore = "DS9"
              network_interface {
                network = "nope"
              }
            }
          }
        }
        """
    result = run_cli("plan", str(_config(tmp_path, body)), env=sim.env())
    assert result.code == 1
    assert "datastore 'DS9'" in result.stderr
    assert "network 'nope'" in result.stderr


# --- targets, output, saved plans --------------------------------------------------------


TWO_TIERS = """
    datacenter "DC0" {
      cluster "DC0_C0" {
        vm "db" {
          cpus = 2
        }
        vm "web" {
          depends_on = ["db"]
        }
        vm "cache" {
        }
      }
    }
    """


def test_a_target_pulls_in_what_it_depends_on(run_cli, sim, tmp_path):
    plan = _plan(run_cli, sim, _config(tmp_path, TWO_TIERS), "--target", "DC0/web")
    assert {c["address"] for c in plan["changes"]} == {"DC0/web", "DC0/db"}


def test_a_target_matching_nothing_is_an_error(run_cli, sim, tmp_path):
    result = run_cli(
        "plan", str(_config(tmp_path, TWO_TIERS)), "--target", "DC0/nope*", env=sim.env()
    )
    assert result.code == 1
    assert "--target 'DC0/nope*' matches no VM" in result.stderr


def test_detailed_exitcode_is_2_with_changes(run_cli, sim, tmp_path):
    directory = _config(tmp_path, TWO_TIERS)
    assert run_cli("plan", str(directory), "--detailed-exitcode", env=sim.env()).code == 2


def test_detailed_exitcode_is_0_without_changes(run_cli, sim, tmp_path):
    body = _cluster_vm(E).replace('cluster "DC0_C0"', 'host "DC0_H0"')
    directory = _config(tmp_path, body, workspace="owned")
    result = run_cli("plan", str(directory), "--detailed-exitcode", env=sim.env())
    assert result.code == 0, result.output
    assert "No changes" in result.stdout


def test_text_output_reads_like_terraform(run_cli, sim, tmp_path):
    directory = _config(tmp_path, TWO_TIERS.replace('vm "cache" {', f'vm "{A}" {{\n cpus = 2'))
    result = run_cli("plan", str(directory), env=sim.env())
    assert result.code == 0, result.output
    assert "+ DC0/db will be created" in result.stdout
    assert f"~ DC0/{A} will be updated in place  [restart]" in result.stdout
    assert re.search(r"^      cpus: +1 → 2$", result.stdout, re.M)
    assert "Plan: 2 to create, 1 to update, 0 to delete, 0 unchanged." in result.stdout


def test_a_saved_plan_shows_the_same_in_every_format(run_cli, sim, tmp_path):
    directory = _config(tmp_path, TWO_TIERS)
    out = tmp_path / "tiers.plan"
    planned = run_cli("plan", str(directory), "--out", str(out), env=sim.env())
    assert planned.code == 0, planned.output
    saved = json.loads(out.read_text())
    assert saved["format_version"] == 2
    shown = run_cli("show", str(out), "--format", "json")
    assert json.loads(shown.stdout) == saved
    text = run_cli("show", str(out))
    assert text.stdout.strip() == planned.stdout.strip()
    markdown = run_cli("show", str(out), "--format", "markdown")
    assert "| + | <code>DC0/db</code> | create |" in markdown.stdout
    assert "<details>" in markdown.stdout


def test_no_credential_appears_in_any_plan_output(run_cli, sim, tmp_path):
    directory = _config(tmp_path, TWO_TIERS)
    out = tmp_path / "p.plan"
    outputs = [
        run_cli("plan", str(directory), "--format", fmt, "--out", str(out), env=sim.env()).output
        for fmt in ("text", "json", "markdown")
    ]
    for text in [*outputs, out.read_text()]:
        assert sim.password not in text
        assert "vmware_soap_session" not in text
