"""`vcplan inventory` against a simulator of 2 datacenters x (2 clusters of 3 hosts + 1 standalone
host): the JSON equals an independent pyVmomi read, for every VM and field, in every scope."""

from __future__ import annotations

import json

import pytest

from tests.support.vcenter import open_si, set_custom_attribute, vm_records


def _inventory(run_cli, sim, *args: str) -> list[dict]:
    result = run_cli("inventory", "--format", "json", *args, env=sim.env())
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def truth(readonly_vcsim) -> list[dict]:
    with open_si(readonly_vcsim) as si:
        return vm_records(si)


def test_inventory_json_equals_independent_read_for_every_vm_and_field(
    run_cli, readonly_vcsim, truth
):
    assert _inventory(run_cli, readonly_vcsim) == truth
    assert len(truth) == 12


def test_inventory_scoped_to_a_datacenter_lists_only_its_vms(run_cli, readonly_vcsim, truth):
    url = f"{readonly_vcsim.vpx_url}/DC1"
    assert _inventory(run_cli, readonly_vcsim, "--url", url) == [
        r for r in truth if r["datacenter"] == "DC1"
    ]


def test_inventory_scoped_to_a_cluster_lists_only_its_vms(run_cli, readonly_vcsim, truth):
    url = f"{readonly_vcsim.vpx_url}/DC0/DC0_C1"
    expected = [r for r in truth if r["cluster"] == "DC0_C1"]
    assert expected
    assert _inventory(run_cli, readonly_vcsim, "--url", url) == expected


def test_inventory_scoped_to_a_host_in_a_cluster_lists_only_its_vms(run_cli, readonly_vcsim, truth):
    host = next(r["host"] for r in truth if r["cluster"] == "DC1_C0")
    url = f"{readonly_vcsim.vpx_url}/DC1/DC1_C0/{host}"
    assert _inventory(run_cli, readonly_vcsim, "--url", url) == [
        r for r in truth if r["host"] == host
    ]


def test_inventory_scoped_to_a_standalone_host_lists_only_its_vms(run_cli, readonly_vcsim, truth):
    url = f"{readonly_vcsim.vpx_url}/DC0/DC0_H0"
    records = _inventory(run_cli, readonly_vcsim, "--url", url)
    assert records == [r for r in truth if r["host"] == "DC0_H0"]
    assert all(r["cluster"] is None for r in records)


def test_https_sdk_url_is_the_same_as_vpx(run_cli, readonly_vcsim, truth):
    url = f"https://{readonly_vcsim.host}:{readonly_vcsim.port}/sdk"
    assert _inventory(run_cli, readonly_vcsim, "--url", url) == truth


def test_inventory_table_lists_every_vm_name(run_cli, readonly_vcsim, truth):
    result = run_cli("inventory", env=readonly_vcsim.env())
    assert result.code == 0
    for record in truth:
        assert record["name"] in result.stdout


def test_inventory_shows_the_workspace_marker(run_cli, make_vcsim, connect_si):
    sim = make_vcsim("-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "2")
    si = connect_si(sim)
    set_custom_attribute(si, "DC0_C0_RP0_VM1", "vcplan.workspace", "prod-web")
    records = {r["name"]: r for r in _inventory(run_cli, sim)}
    assert records["DC0_C0_RP0_VM1"]["workspace"] == "prod-web"
    assert records["DC0_C0_RP0_VM0"]["workspace"] is None
    assert list(records.values()) == vm_records(si)


def test_esx_url_lists_the_hosts_vms_in_ha_datacenter(run_cli, make_vcsim, connect_si):
    sim = make_vcsim("-esx")
    records = _inventory(run_cli, sim)
    assert records == vm_records(connect_si(sim))
    assert {r["datacenter"] for r in records} == {"ha-datacenter"}
    assert sim.env()["VCPLAN_URL"].startswith("esx://")
