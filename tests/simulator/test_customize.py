"""Guest customization against the simulator, through the CLI: a clone is customized and powered
on, the guest reports the hostname and address (read independently with pyVmomi), the plan after
apply is empty, and a customize block added to an existing VM proposes nothing."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.support.apply import SMALL
from tests.support.vcenter import find_vm, open_si

pytestmark = pytest.mark.simulator

TEMPLATE = "DC0_C0_RP0_VM0"  # an existing VM of the model, with one NIC

CUSTOMIZE = """
      customize {
        domain       = "example.com"
        dns_servers  = ["10.0.0.2"]
        dns_suffixes = ["example.com"]
        time_zone    = "Europe/Berlin"
        network_interface {
          ipv4_address = "10.0.1.10"
          ipv4_prefix  = 24
          ipv4_gateway = "10.0.1.1"
        }
      }
"""


def _config(directory: Path, name: str, body: str) -> Path:
    text = f"""
    vcplan {{
      workspace = "cz"
    }}
    datacenter "DC0" {{
      cluster "DC0_C0" {{
        vm "{name}" {{
    {body}
        }}
      }}
    }}
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.hcl").write_text(textwrap.dedent(text))
    return directory


def _guest(sim: Any, name: str) -> tuple[str, str, str]:
    with open_si(sim) as si:
        vm = find_vm(si, name)
        return vm.guest.hostName, vm.guest.ipAddress, vm.runtime.powerState


def test_a_customized_clone_reports_its_hostname_and_address_and_the_plan_after_is_empty(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, "app-1", f'template = "{TEMPLATE}"\n{CUSTOMIZE}')
    result = run_cli("apply", str(config), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    assert _guest(sim, "app-1") == ("app-1", "10.0.1.10", "poweredOn")
    again = run_cli("plan", str(config), "--detailed-exitcode", env=sim.env())
    assert again.code == 0, again.output


def test_the_plan_shows_the_customization_on_a_create(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _config(tmp_path, "app-1", f'template = "{TEMPLATE}"\n{CUSTOMIZE}')
    text = run_cli("plan", str(config), env=sim.env())
    assert (
        'customize: { hostname "app-1", domain "example.com", dns 10.0.0.2, search example.com, '
        "time zone Europe/Berlin, nic0 10.0.1.10/24 via 10.0.1.1, Linux }"
    ) in text.output
    plan = json.loads(run_cli("plan", str(config), "--format", "json", env=sim.env()).output)
    customize = plan["changes"][0]["after"]["customize"]
    assert customize["hostname"] == "app-1"
    assert customize["network_interface"] == [
        {"ipv4_address": "10.0.1.10", "ipv4_prefix": 24, "ipv4_gateway": "10.0.1.1"}
    ]


def test_customize_on_an_existing_vm_proposes_nothing(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    plain = _config(tmp_path / "a", TEMPLATE, 'power = "on"')
    assert run_cli("apply", str(plain), "--auto-approve", env=sim.env()).code == 0
    body = f'power = "on"\ntemplate = "{TEMPLATE}"\n' + CUSTOMIZE.replace(
        "customize {", 'customize {\n hostname = "vm0"'
    )
    customized = _config(tmp_path / "b", TEMPLATE, body)
    result = run_cli("plan", str(customized), "--detailed-exitcode", env=sim.env())
    assert result.code == 0, result.output


def test_a_windows_domain_join_without_its_password_variable_fails_before_cloning(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    windows = """
      customize {
        hostname = "win-1"
        windows {
          join_domain         = "corp.example.com"
          domain_admin        = "joiner"
          domain_password_env = "VCPLAN_TEST_JOIN_PASSWORD"
        }
      }
    """
    config = _config(tmp_path, "win-1", f'template = "{TEMPLATE}"\n{windows}')
    env = {k: v for k, v in sim.env().items() if k != "VCPLAN_TEST_JOIN_PASSWORD"}
    result = run_cli("apply", str(config), "--auto-approve", env=env)
    assert result.code == 1
    assert "VCPLAN_TEST_JOIN_PASSWORD" in result.output
    assert "Traceback" not in result.output
    with open_si(sim) as si:
        assert find_vm(si, "win-1") is None


def test_a_windows_clone_joins_with_the_password_from_the_environment(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    windows = """
      customize {
        hostname = "win-1"
        windows {
          join_domain         = "corp.example.com"
          domain_admin        = "joiner"
          domain_password_env = "VCPLAN_TEST_JOIN_PASSWORD"
        }
      }
    """
    config = _config(tmp_path, "win-1", f'template = "{TEMPLATE}"\n{windows}')
    env = {**sim.env(), "VCPLAN_TEST_JOIN_PASSWORD": "s3cret-join"}
    result = run_cli("apply", str(config), "--auto-approve", env=env)
    assert result.code == 0, result.output
    assert "s3cret-join" not in result.output
    assert _guest(sim, "win-1")[0] == "win-1"
