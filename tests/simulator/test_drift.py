"""`vcplan drift` against one small simulator set up once (drift never changes vCenter):

    DC0_C0 (cluster)  DC0_C0_RP0_VM0  workspace ws, CPUs changed to 2 by hand
                      DC0_C0_RP0_VM1  no marker
                      DC0_C0_RP0_VM2  no marker, never declared
    DC0_H0 (host)     DC0_H0_VM0      workspace ws, prevent_destroy recorded
                      DC0_H0_VM1      workspace ws
                      DC0_H0_VM2      workspace team<b>
    DC0_H1 (host)     DC0_H1_VM0..2   workspace clean

The "full" configuration (workspace ws) declares DC0_C0_RP0_VM0 and _VM1 in DC0_C0 and a VM
"ghost" on DC0_H0: every category shows at once. Each test asserts one behaviour of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.vcenter import open_si, set_custom_attribute, vm_records
from tests.vcsim import harness

pytestmark = pytest.mark.simulator

WORLD = ["-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "2", "-vm", "3"]

FULL = """
vcplan {
  workspace = "ws"
}
datacenter "DC0" {
  cluster "DC0_C0" {
    vm "DC0_C0_RP0_VM0" {
      cpus = 1
    }
    vm "DC0_C0_RP0_VM1" {
      cpus = 1
    }
  }
  host "DC0_H0" {
    vm "ghost" {
      cpus = 1
    }
  }
}
"""

CLEAN = """
vcplan {
  workspace = "clean"
}
datacenter "DC0" {
  host "DC0_H1" {
    vm "vm" {
      for_each  = toset(["DC0_H1_VM0", "DC0_H1_VM1", "DC0_H1_VM2"])
      name      = each.key
      memory_mb = 32
    }
  }
}
"""


def _one_vm(body: str, name: str = "DC0_C0_RP0_VM0", workspace: str = "ws") -> str:
    return f"""
vcplan {{
  workspace = "{workspace}"
}}
datacenter "DC0" {{
  cluster "DC0_C0" {{
    vm "{name}" {{
{body}
    }}
  }}
}}
"""


def _set_cpus(si: Any, name: str, cpus: int) -> None:
    from pyVim.task import WaitForTask
    from pyVmomi import vim

    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    vm = next(v for v in view.view if v.name == name)
    view.DestroyView()
    WaitForTask(vm.ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=cpus)))


@pytest.fixture(scope="module")
def sim(certs: harness.Certs) -> Iterator[harness.Simulator]:
    simulator = harness.start(WORLD, certs)
    try:
        with open_si(simulator) as si:
            _set_cpus(si, "DC0_C0_RP0_VM0", 2)
            marks = {
                "DC0_C0_RP0_VM0": "ws",
                "DC0_H0_VM0": "ws",
                "DC0_H0_VM1": "ws",
                "DC0_H0_VM2": "team<b>",
                "DC0_H1_VM0": "clean",
                "DC0_H1_VM1": "clean",
                "DC0_H1_VM2": "clean",
            }
            for name, workspace in marks.items():
                set_custom_attribute(si, name, "vcplan.workspace", workspace)
            set_custom_attribute(si, "DC0_H0_VM0", "vcplan.prevent_destroy", "true")
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    texts = {
        "full": FULL,
        "clean": CLEAN,
        "ignored": _one_vm(
            '      cpus = 1\n      lifecycle {\n        ignore_changes = ["cpus"]\n      }'
        ),
        "unmanaged_attr": _one_vm("      memory_mb = 32"),
        "other_owner": _one_vm("      memory_mb = 32", name="DC0_H1_VM0").replace(
            'cluster "DC0_C0"', 'host "DC0_H1"'
        ),
    }
    dirs = {}
    for name, text in texts.items():
        directory = tmp_path_factory.mktemp(name)
        (directory / "main.hcl").write_text(text)
        dirs[name] = directory
    return dirs


def _drift(run_cli, sim, directory: Path, *args: str, env: dict[str, str] | None = None):
    return run_cli("drift", str(directory), *args, env=env or sim.env())


def _json(run_cli, sim, directory: Path, *args: str) -> dict[str, Any]:
    result = _drift(run_cli, sim, directory, "--format", "json", *args)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cache() -> dict[str, Any]:
    return {}


@pytest.fixture
def full_report(run_cli, sim, configs, cache) -> dict[str, Any]:
    """The full configuration's JSON report, run once and shared by the category tests."""
    if "full" not in cache:
        cache["full"] = _json(run_cli, sim, configs["full"])
    return cache["full"]


def _by_address(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["address"]: item for item in items}


def _values(attributes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The drifted values without their attribution (tests/simulator/test_drift_attribution.py)."""
    return [{k: a[k] for k in ("attribute", "expected", "actual")} for a in attributes]


# --- the four categories -----------------------------------------------------------------------


def test_drifted_attribute_of_a_declared_vm_shows_expected_and_actual(full_report):
    item = _by_address(full_report["drifted"])["DC0/DC0_C0_RP0_VM0"]
    assert _values(item["attributes"]) == [{"attribute": "cpus", "expected": 1, "actual": 2}]
    assert item["owner"] == "ws"
    assert item["cluster"] == "DC0_C0"


def test_declared_unmarked_vm_is_workspace_drift_not_yet_adopted(full_report):
    item = _by_address(full_report["drifted"])["DC0/DC0_C0_RP0_VM1"]
    assert _values(item["attributes"]) == [
        {"attribute": "workspace", "expected": "ws", "actual": None}
    ]
    assert item["owner"] is None


def test_declared_vm_of_another_workspace_is_reported_as_drift_not_an_error(run_cli, sim, configs):
    report = _json(run_cli, sim, configs["other_owner"])
    item = _by_address(report["drifted"])["DC0/DC0_H1_VM0"]
    assert item["owner"] == "clean"
    assert {"attribute": "workspace", "expected": "ws", "actual": "clean"} in _values(
        item["attributes"]
    )


def test_attributes_in_ignore_changes_are_not_drift(run_cli, sim, configs):
    report = _json(run_cli, sim, configs["ignored"])
    assert report["drifted"] == []
    assert report["summary"]["in_sync"] == 1


def test_attributes_the_configuration_leaves_out_are_not_drift(run_cli, sim, configs):
    report = _json(run_cli, sim, configs["unmanaged_attr"])
    assert report["drifted"] == []
    assert report["summary"]["in_sync"] == 1


def test_declared_vm_missing_from_vcenter_names_where_it_is_declared(full_report):
    (item,) = full_report["missing"]
    assert item["address"] == "DC0/ghost"
    assert item["host"] == "DC0_H0"
    assert item["declared_at"].endswith("main.hcl:15:5")


def test_workspace_vms_no_longer_declared_say_which_are_protected(full_report):
    assert full_report["undeclared"] == [
        {
            "address": "DC0/DC0_H0_VM0",
            "datacenter": "DC0",
            "name": "DC0_H0_VM0",
            "cluster": None,
            "host": "DC0_H0",
            "power": "on",
            "prevent_destroy": True,
        },
        {
            "address": "DC0/DC0_H0_VM1",
            "datacenter": "DC0",
            "name": "DC0_H0_VM1",
            "cluster": None,
            "host": "DC0_H0",
            "power": "on",
            "prevent_destroy": False,
        },
    ]


def test_unmanaged_vms_are_listed_only_inside_declared_clusters_and_hosts(full_report):
    unmanaged = _by_address(full_report["unmanaged"])
    # DC0_H1's VMs are not listed: the configuration declares no DC0_H1 block.
    assert set(unmanaged) == {"DC0/DC0_C0_RP0_VM2", "DC0/DC0_H0_VM2"}
    assert unmanaged["DC0/DC0_C0_RP0_VM2"]["workspace"] is None
    assert unmanaged["DC0/DC0_H0_VM2"]["workspace"] == "team<b>"


def test_declared_vms_outside_the_urls_scope_are_not_called_missing(run_cli, sim, configs):
    url = f"{sim.vpx_url}/DC0/DC0_H1"
    report = _json(run_cli, sim, configs["full"], "--url", url)
    assert report["missing"] == []
    assert report["out_of_scope"] == ["DC0/DC0_C0_RP0_VM0", "DC0/DC0_C0_RP0_VM1", "DC0/ghost"]


# --- formats -----------------------------------------------------------------------------------


def test_json_report_has_format_version_workspace_url_and_summary(full_report, sim):
    assert full_report["format_version"] == 1
    assert full_report["workspace"] == "ws"
    assert full_report["url"] == sim.vpx_url
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", full_report["created_at"])
    assert full_report["has_drift"] is True
    assert full_report["summary"] == {
        "drifted": 2,
        "missing": 1,
        "undeclared": 2,
        "unmanaged": 2,
        "in_sync": 0,
    }


def test_no_output_format_carries_the_password(run_cli, sim, configs):
    for fmt in ("text", "json", "markdown", "html"):
        result = _drift(run_cli, sim, configs["full"], "--format", fmt)
        assert result.code == 0, result.stderr
        assert sim.password not in result.output


def test_text_report_lists_every_category_plainly_when_not_a_terminal(run_cli, sim, configs):
    result = _drift(run_cli, sim, configs["full"])
    assert result.code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    assert "~ DC0/DC0_C0_RP0_VM0" in result.stdout
    assert "cpus: expected 1, actual 2" in result.stdout
    assert "not yet adopted" in result.stdout
    assert "+ DC0/ghost" in result.stdout
    assert "- DC0/DC0_H0_VM0" in result.stdout
    assert "protected by prevent_destroy" in result.stdout
    assert "? DC0/DC0_C0_RP0_VM2" in result.stdout
    assert result.stdout.rstrip().endswith(
        "Drift: 2 drifted, 1 missing, 2 no longer declared, 2 unmanaged; 0 declared VMs in sync."
    )


def test_markdown_report_has_a_summary_table_and_a_table_per_datacenter(run_cli, sim, configs):
    result = _drift(run_cli, sim, configs["full"], "--format", "markdown")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "| category | VMs | what it means |" in lines
    assert any(line.startswith("| Drifted | 2 |") for line in lines)
    assert "### Datacenter DC0" in lines
    assert any(line.startswith("| Missing | ghost |") for line in lines)
    assert "team&lt;b&gt;" in result.stdout  # vCenter strings cannot become markup


def test_html_report_is_one_self_contained_file_with_summary_and_table_per_datacenter(
    run_cli, sim, configs, tmp_path
):
    out = tmp_path / "drift.html"
    result = _drift(run_cli, sim, configs["full"], "--format", "html", "--out", str(out))
    assert result.code == 0, result.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    for external in ("http://", "https://", "<script", "<link", "src=", "@import", "url("):
        assert external not in page
    assert page.index("<h2>Summary</h2>") < page.index("<h2>Datacenter DC0</h2>")
    assert page.count("<table>") == 2  # the summary and DC0's table
    for sentence in ("do not exist in vCenter", "no longer declares", "does not manage"):
        assert sentence in page  # each category is explained for readers new to vcplan


def test_html_report_escapes_strings_from_vcenter(run_cli, sim, configs):
    result = _drift(run_cli, sim, configs["full"], "--format", "html")
    assert "team&lt;b&gt;" in result.stdout
    assert "team<b>" not in result.stdout


def test_out_writes_the_report_to_the_file_and_a_summary_line_to_stdout(
    run_cli, sim, configs, tmp_path
):
    out = tmp_path / "drift.json"
    result = _drift(run_cli, sim, configs["full"], "--format", "json", "--out", str(out))
    assert result.code == 0, result.stderr
    assert json.loads(out.read_text())["summary"]["missing"] == 1
    assert result.stdout.strip() == (
        "Drift: 2 drifted, 1 missing, 2 no longer declared, 2 unmanaged; "
        f"0 declared VMs in sync. Report written to {out}."
    )


# --- exit codes, errors, read-only -------------------------------------------------------------


def test_detailed_exitcode_is_2_when_there_is_drift(run_cli, sim, configs):
    assert _drift(run_cli, sim, configs["full"], "--detailed-exitcode").code == 2


def test_drift_exits_0_without_detailed_exitcode_even_when_there_is_drift(run_cli, sim, configs):
    assert _drift(run_cli, sim, configs["full"]).code == 0


def test_detailed_exitcode_is_0_when_vcenter_matches_the_configuration(run_cli, sim, configs):
    result = _drift(run_cli, sim, configs["clean"], "--detailed-exitcode")
    assert result.code == 0, result.output
    assert "No drift: 3 declared VMs in sync." in result.stdout


def test_a_wrong_password_is_one_line_and_exit_1(run_cli, sim, configs):
    env = {**sim.env(), "VCPLAN_PASSWORD": "wrong-secret"}
    result = _drift(run_cli, sim, configs["full"], "--detailed-exitcode", env=env)
    assert result.code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert "wrong-secret" not in result.output


def test_drift_changes_nothing_in_vcenter(run_cli, sim, configs, tmp_path):
    with open_si(sim) as si:
        before = vm_records(si)
    for fmt in ("text", "json", "markdown", "html"):
        _drift(run_cli, sim, configs["full"], "--format", fmt, "--out", str(tmp_path / fmt))
    _drift(run_cli, sim, configs["other_owner"])
    with open_si(sim) as si:
        assert vm_records(si) == before


def test_an_out_file_in_a_missing_directory_is_an_error_before_vcenter_is_read(
    run_cli, configs, tmp_path
):
    out = tmp_path / "no-such-dir" / "drift.html"
    result = run_cli("drift", str(configs["full"]), "--out", str(out))  # no URL: never connects
    assert result.code == 1
    assert result.stderr.strip() == (
        f"error: cannot write --out {out}: directory {out.parent} does not exist; "
        "create it first, or choose another path"
    )
