"""`vcplan generate` against one small simulator set up once (generate and plan never change it):

    DC0_C0 (cluster, 2 hosts)  DC0_C0_RP0_VM0  renamed to `web 1 "${x}"`, an annotation with quotes,
                                               a newline and `%{`, a custom attribute
                               DC0_C0_RP0_VM1  workspace gen already (a noop, not an adoption)
                               DC0_C0_RP0_VM2  workspace other: left out
    DC0_H0 (standalone host)   DC0_H0_VM0..2   unmarked, DC0_H0_VM2 marked as a template: left out

Generate → validate → fmt --check → plan --format json shows only adoption or noop, and vCenter
is the same before and after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.vcenter import find_vm, open_si, set_custom_attribute
from tests.vcsim import harness

WORLD = ["-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "1", "-vm", "3"]
ODD_NAME = 'web 1 "${x}"'
ANNOTATION = 'says "hi"\nline 2 %{ if } \\ end'


def _set_up(si: Any) -> None:
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    vm = find_vm(si, "DC0_C0_RP0_VM0")
    WaitForTask(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(annotation=ANNOTATION)))
    WaitForTask(vm.Rename_Task(newName=ODD_NAME))
    set_custom_attribute(si, ODD_NAME, "cost center", "4${2}")
    set_custom_attribute(si, "DC0_C0_RP0_VM1", "vcplan.workspace", "gen")
    set_custom_attribute(si, "DC0_C0_RP0_VM2", "vcplan.workspace", "other")
    template = find_vm(si, "DC0_H0_VM2")
    WaitForTask(template.PowerOffVM_Task())
    template.MarkAsTemplate()


STATE_PROPS = [
    "name",
    "parent",
    "resourcePool",
    "runtime.host",
    "runtime.powerState",
    "customValue",
    "config.annotation",
    "config.template",
    "config.hardware.numCPU",
    "config.hardware.numCoresPerSocket",
    "config.hardware.memoryMB",
    "config.hardware.device",
]


def _state(si: Any) -> list[dict[str, Any]]:
    """Every VM's properties that generate or plan could conceivably change, read with one
    PropertyCollector call (ground_truth.snapshot reads property by property, which makes vcsim
    panic on a template)."""
    from pyVmomi import vim, vmodl

    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[
            vmodl.query.PropertyCollector.ObjectSpec(
                obj=view,
                skip=True,
                selectSet=[
                    vmodl.query.PropertyCollector.TraversalSpec(
                        path="view", type=vim.view.ContainerView
                    )
                ],
            )
        ],
        propSet=[
            vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=STATE_PROPS)
        ],
    )
    found = content.propertyCollector.RetrieveContents([spec])
    view.DestroyView()
    return sorted(
        ({"moref": o.obj._moId, **{p.name: repr(p.val) for p in o.propSet}} for o in found),
        key=lambda r: r["moref"],
    )


@pytest.fixture(scope="module")
def sim(make_module_vcsim) -> harness.Simulator:
    simulator = make_module_vcsim(*WORLD)
    with open_si(simulator) as si:
        _set_up(si)
    return simulator


@pytest.fixture(scope="module")
def before(sim: harness.Simulator) -> list[dict[str, Any]]:
    with open_si(sim) as si:
        return _state(si)


@pytest.fixture(scope="module")
def cache() -> dict[str, Any]:
    return {}


@pytest.fixture
def generated(run_cli, sim, before, cache, tmp_path_factory) -> Path:
    """The whole simulator's configuration, generated once for the module."""
    if "dir" not in cache:
        out = tmp_path_factory.mktemp("generated") / "config"
        result = run_cli("generate", "--workspace", "gen", "--out", str(out), env=sim.env())
        assert result.code == 0, result.stderr
        cache["dir"], cache["stdout"] = out, result.stdout
    return Path(cache["dir"])


def test_generate_says_how_many_vms_it_wrote_and_left_out(generated, cache):
    assert "4 VM(s), 2 left out (see the comments)" in cache["stdout"]


def _plan(run_cli, sim, directory: Path, *args: str) -> dict[str, Any]:
    result = run_cli("plan", str(directory), "--format", "json", *args, env=sim.env())
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _only_adoption_or_noop(plan: dict[str, Any]) -> None:
    for change in plan["changes"]:
        assert change["action"] in ("update", "noop"), change
        if change["action"] == "update":
            assert change["diffs"] == [
                {"attribute": "workspace", "before": None, "after": "gen"}
            ], change


def test_generate_writes_settings_and_one_file_per_datacenter(generated):
    assert sorted(p.name for p in generated.iterdir()) == ["DC0.hcl", "vcplan.hcl"]


def test_generated_configuration_validates(run_cli, generated):
    result = run_cli("validate", str(generated))
    assert result.code == 0, result.output


def test_generated_configuration_is_fmt_clean(run_cli, generated):
    result = run_cli("fmt", str(generated), "--check")
    assert result.code == 0, result.output


def test_plan_on_generated_configuration_proposes_only_adoption(run_cli, sim, generated):
    plan = _plan(run_cli, sim, generated)
    _only_adoption_or_noop(plan)
    actions = {c["address"]: c["action"] for c in plan["changes"]}
    assert actions == {
        f"DC0/{ODD_NAME}": "update",
        "DC0/DC0_C0_RP0_VM1": "noop",
        "DC0/DC0_H0_VM0": "update",
        "DC0/DC0_H0_VM1": "update",
    }


def test_odd_names_annotation_and_attributes_survive_the_round_trip(run_cli, sim, generated):
    plan = _plan(run_cli, sim, generated, "--target", "DC0/web*")
    (change,) = plan["changes"]
    assert change["after"]["name"] == ODD_NAME
    assert change["after"]["annotation"] == ANNOTATION
    assert change["after"]["attributes"] == {"cost center": "4${2}"}


def test_templates_and_other_workspaces_vms_are_left_out_with_a_comment(generated):
    text = (generated / "DC0.hcl").read_text()
    assert '# skipped "DC0_H0_VM2": a template' in text
    assert '# skipped "DC0_C0_RP0_VM2": belongs to workspace "other"' in text


def test_generate_and_plan_change_nothing_in_vcenter(run_cli, sim, generated, before):
    _plan(run_cli, sim, generated)
    with open_si(sim) as si:
        assert _state(si) == before


def test_generate_scoped_to_a_host_of_a_cluster_plans_only_adoption(run_cli, sim, tmp_path):
    env = {**sim.env(), "VCPLAN_URL": f"{sim.vpx_url}/DC0/DC0_C0/DC0_C0_H0"}
    result = run_cli("generate", "-w", "gen", "--out", str(tmp_path), env=env)
    assert result.code == 0, result.stderr
    del env["VCPLAN_URL"]  # plan reads the URL, and so the scope, from the vcenter block
    result = run_cli("plan", str(tmp_path), "--format", "json", env=env)
    assert result.code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["url"].endswith("/DC0/DC0_C0/DC0_C0_H0")
    assert plan["changes"], "the host has VMs"
    assert all(c["after"]["host"] == "DC0_C0_H0" for c in plan["changes"])
    _only_adoption_or_noop(plan)


def test_generate_refuses_a_directory_holding_a_configuration(run_cli, sim, tmp_path):
    (tmp_path / "main.hcl").write_text('vcplan {\n  workspace = "x"\n}\n')
    result = run_cli("generate", "--out", str(tmp_path), env=sim.env())
    assert result.code == 1
    assert "already holds a configuration (main.hcl)" in result.stderr
    assert "--force" in result.stderr
    assert (tmp_path / "main.hcl").read_text() == 'vcplan {\n  workspace = "x"\n}\n'
