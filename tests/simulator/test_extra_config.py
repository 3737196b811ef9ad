"""extra_config against the simulator, through the CLI: apply sets the declared keys, an update
converges despite vcsim's duplicate entries, the plan after apply is empty, and a key changed
behind vcplan's back is drift. vCenter is read independently with pyVmomi."""

from __future__ import annotations

import base64
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim

from tests.support.apply import SMALL
from tests.support.vcenter import find_vm, open_si

pytestmark = pytest.mark.simulator

VM = "DC0_C0_RP0_VM0"


def _config(directory: Path, extra: dict[str, str], power: str = "off") -> Path:
    pairs = "\n".join(f'      "{k}" = "{v}"' for k, v in extra.items())
    text = f"""
    vcplan {{
      workspace = "xc"
    }}
    datacenter "DC0" {{
      cluster "DC0_C0" {{
        vm "{VM}" {{
          power        = "{power}"
          extra_config = {{
    {pairs}
          }}
        }}
      }}
    }}
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.hcl").write_text(textwrap.dedent(text))
    return directory


def _live_extra_config(sim: Any) -> dict[str, str]:
    """The VM's extraConfig as vCenter lists it, the last entry of a key winning."""
    with open_si(sim) as si:
        return {o.key: str(o.value) for o in find_vm(si, VM).config.extraConfig or []}


def _apply(run_cli: Any, sim: Any, directory: Path) -> None:
    result = run_cli("apply", str(directory), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output


def _assert_plan_empty(run_cli: Any, sim: Any, directory: Path) -> None:
    result = run_cli("plan", str(directory), "--detailed-exitcode", env=sim.env())
    assert result.code == 0, result.output


def test_apply_sets_the_declared_extra_config_keys_and_the_plan_after_is_empty(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    config = _config(
        tmp_path, {"guestinfo.userdata": "aGk=", "guestinfo.userdata.encoding": "base64"}
    )
    _apply(run_cli, sim, config)
    live = _live_extra_config(sim)
    assert live["guestinfo.userdata"] == "aGk="
    assert live["guestinfo.userdata.encoding"] == "base64"
    _assert_plan_empty(run_cli, sim, config)


def test_an_updated_key_converges_although_vcsim_appends_a_duplicate(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    _apply(run_cli, sim, _config(tmp_path, {"guestinfo.role": "web"}))
    config = _config(tmp_path, {"guestinfo.role": "db"})
    _apply(run_cli, sim, config)
    assert _live_extra_config(sim)["guestinfo.role"] == "db"
    _assert_plan_empty(run_cli, sim, config)


def test_a_plan_names_the_changed_key_and_a_power_cycle_for_a_non_guestinfo_key_on_a_running_vm(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    _apply(run_cli, sim, _config(tmp_path, {"guestinfo.role": "web"}, power="on"))
    config = _config(tmp_path, {"guestinfo.role": "db", "disk.EnableUUID": "TRUE"}, power="on")
    result = run_cli("plan", str(config), "--format", "json", env=sim.env())
    assert result.code == 0, result.output
    (change,) = [c for c in json.loads(result.stdout)["changes"] if c["action"] == "update"]
    assert [d["attribute"] for d in change["diffs"]] == ["extra_config"]
    assert change["restart"] is True
    text = run_cli("plan", str(config), env=sim.env()).stdout
    assert re.search(r'extra_config\["guestinfo.role"\]: +"web" → "db"', text)
    assert "extra_config keys other than guestinfo.* apply at power-on" in text


def test_a_guestinfo_change_on_a_running_vm_needs_no_power_cycle(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    _apply(run_cli, sim, _config(tmp_path, {"guestinfo.role": "web"}, power="on"))
    config = _config(tmp_path, {"guestinfo.role": "db"}, power="on")
    result = run_cli("plan", str(config), "--format", "json", env=sim.env())
    (change,) = [c for c in json.loads(result.stdout)["changes"] if c["action"] == "update"]
    assert change["restart"] is False


def test_a_key_changed_behind_vcplans_back_is_drift(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, {"guestinfo.role": "web"})
    _apply(run_cli, sim, config)
    with open_si(sim) as si:
        spec = vim.vm.ConfigSpec(
            extraConfig=[vim.option.OptionValue(key="guestinfo.role", value="x")]
        )
        WaitForTask(find_vm(si, VM).ReconfigVM_Task(spec=spec))
    result = run_cli("drift", str(config), "--format", "json", "--detailed-exitcode", env=sim.env())
    assert result.code == 2, result.output
    assert "extra_config" in result.stdout


def test_the_cloud_init_example_applies_and_the_guest_data_reads_back(make_vcsim, run_cli):
    sim = make_vcsim(*SMALL)
    example = Path(__file__).resolve().parents[2] / "examples" / "cloud-init"
    _apply(run_cli, sim, example)
    with open_si(sim) as si:
        extra = {o.key: str(o.value) for o in find_vm(si, "ci-app-1").config.extraConfig or []}
    user_data = base64.b64decode(extra["guestinfo.userdata"]).decode()
    assert user_data.startswith("#cloud-config\nhostname: ci-app-1\n")
    assert extra["guestinfo.userdata.encoding"] == "base64"
    _assert_plan_empty(run_cli, sim, example)
