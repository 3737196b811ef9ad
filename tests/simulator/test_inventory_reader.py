"""The bulk reader: the lean wire parser and pyVmomi's deserializer give the same LiveVMs, and
every LiveVM field matches what vCenter holds."""

from __future__ import annotations

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim

from planner.config.endpoint import resolve_endpoint
from planner.model import Disk, Nic, Power, Scope
from providers.vsphere.inventory import read_inventory
from providers.vsphere.session import Session
from tests.support.vcenter import set_custom_attribute


def _find_vm(si, name):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return next(v for v in view.view if v.name == name)
    finally:
        view.DestroyView()


@pytest.fixture
def shaped_vcsim(make_vcsim, connect_si):
    """A small simulator whose VM DC0_C0_RP0_VM0 has been given one of everything."""
    sim = make_vcsim("-cluster", "1", "-host", "2", "-standalone-host", "1", "-vm", "1")
    si = connect_si(sim)
    vm = _find_vm(si, "DC0_C0_RP0_VM0")
    WaitForTask(vm.PowerOffVM_Task())
    nic = vim.vm.device.VirtualDeviceSpec(
        operation="add",
        device=vim.vm.device.VirtualVmxnet3(
            key=-1,
            backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName="VM Network"),
        ),
    )
    spec = vim.vm.ConfigSpec(
        numCPUs=4,
        numCoresPerSocket=2,
        memoryMB=2048,
        annotation="made by a test",
        cpuHotAddEnabled=True,
        deviceChange=[nic],
        extraConfig=[
            vim.option.OptionValue(key="guestinfo.role", value="web"),
            vim.option.OptionValue(key="vcplan.note", value="a marker, not extra_config"),
        ],
    )
    WaitForTask(vm.ReconfigVM_Task(spec))
    update = [vim.option.OptionValue(key="guestinfo.role", value="db")]  # vcsim appends it
    WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(extraConfig=update)))
    set_custom_attribute(si, "DC0_C0_RP0_VM0", "owner", "team-web")
    set_custom_attribute(si, "DC0_C0_RP0_VM0", "vcplan.workspace", "ws1")
    set_custom_attribute(si, "DC0_C0_RP0_VM0", "vcplan.prevent_destroy", "true")
    return sim


def _read(sim, monkeypatch, parser: str | None):
    if parser:
        monkeypatch.setenv("VCPLAN_PARSER", parser)
    else:
        monkeypatch.delenv("VCPLAN_PARSER", raising=False)
    env = sim.env()
    endpoint = resolve_endpoint(env["VCPLAN_URL"], env["VCPLAN_CA_FILE"], False, None, env, None)
    with Session(endpoint) as session:
        return read_inventory(session, Scope())


def test_wire_parser_and_pyvmomi_parser_read_the_same_inventory(shaped_vcsim, monkeypatch):
    assert _read(shaped_vcsim, monkeypatch, None) == _read(shaped_vcsim, monkeypatch, "pyvmomi")


def test_live_vm_carries_every_field_vcenter_holds(shaped_vcsim, monkeypatch):
    inv = _read(shaped_vcsim, monkeypatch, None)
    vm = next(v for v in inv.vms if v.name == "DC0_C0_RP0_VM0")
    assert (vm.datacenter, vm.cluster, vm.resource_pool, vm.folder) == ("DC0", "DC0_C0", "", "")
    assert vm.host in ("DC0_C0_H0", "DC0_C0_H1")
    assert (vm.cpus, vm.cores_per_socket, vm.memory_mb) == (4, 2, 2048)
    assert vm.power is Power.OFF
    assert vm.annotation == "made by a test"
    assert vm.cpu_hot_add and not vm.memory_hot_add and not vm.template
    assert vm.attributes == {"owner": "team-web"}
    assert (vm.workspace, vm.prevent_destroy) == ("ws1", True)
    assert vm.disks == (Disk(size_gb=1),)
    assert vm.nics == (Nic("DC0_DVPG0"), Nic("VM Network"))
    assert vm.datastores == ("LocalDS_0",)
    assert vm.instance_uuid and vm.moref.startswith("vm-")
    assert vm.extra_config["guestinfo.role"] == "db"
    assert not any(key.startswith("vcplan.") for key in vm.extra_config)


def test_inventory_lists_the_names_references_are_checked_against(readonly_vcsim, monkeypatch):
    inv = _read(readonly_vcsim, monkeypatch, None)
    assert inv.datacenters == ("DC0", "DC1")
    assert [(c.datacenter, c.name, len(c.hosts)) for c in inv.clusters] == [
        ("DC0", "DC0_C0", 3),
        ("DC0", "DC0_C1", 3),
        ("DC1", "DC1_C0", 3),
        ("DC1", "DC1_C1", 3),
    ]
    standalone = [h.name for h in inv.hosts if h.cluster is None]
    assert standalone == ["DC0_H0", "DC1_H0"]
    assert {"VM Network", "DC0_DVPG0"} <= inv.networks["DC0"]
    assert inv.datastores["DC1"] == frozenset({"LocalDS_0"})
    assert "" in inv.folders["DC0"]
    assert inv.resource_pools[("DC0", "DC0_C0")] == frozenset({""})


@pytest.fixture(scope="module")
def fleet_vcsim(make_module_vcsim):
    """2 clusters × 12 VMs and a standalone host's 12: 36 VMs."""
    return make_module_vcsim("-cluster", "2", "-host", "1", "-standalone-host", "1", "-vm", "12")


def _tokens_seen(monkeypatch) -> list[str | None]:
    """The page tokens the pipelined reader is handed, in order."""
    import providers.vsphere.wire as wire

    seen: list[str | None] = []
    original = wire.pipelined_pages

    def spy(*args):
        for item in original(*args):
            if not isinstance(item, bytes):
                seen.append(item)
            yield item

    monkeypatch.setattr(wire, "pipelined_pages", spy)
    return seen


def test_a_paged_read_follows_every_token_to_the_last_page(fleet_vcsim, monkeypatch):
    one_page = _read(fleet_vcsim, monkeypatch, None)  # maxObjects 1,000
    monkeypatch.setattr("providers.vsphere.inventory.PAGE_SIZE", 10)
    seen = _tokens_seen(monkeypatch)
    paged = _read(fleet_vcsim, monkeypatch, None)
    assert len(seen) == 4 and all(seen[:3]) and seen[3] is None  # 10 + 10 + 10 + 6
    assert len(paged.vms) == 36
    assert paged == one_page


def test_pages_asked_one_at_a_time_read_the_same_inventory(fleet_vcsim, monkeypatch):
    monkeypatch.setattr("providers.vsphere.inventory.PAGE_SIZE", 7)
    pipelined = _read(fleet_vcsim, monkeypatch, None)
    monkeypatch.setenv("VCPLAN_NO_PIPELINE", "1")
    assert _read(fleet_vcsim, monkeypatch, None) == pipelined
    assert _read(fleet_vcsim, monkeypatch, "pyvmomi") == pipelined


def test_a_page_limit_below_max_objects_is_followed_too(make_vcsim, monkeypatch):
    """vCenter's policy may cut a page below maxObjects; the tokens say so."""
    sim = make_vcsim("-cluster", "1", "-host", "1", "-vm", "9", "-page-limit", "4")
    seen = _tokens_seen(monkeypatch)
    assert len(_read(sim, monkeypatch, None).vms) == 18  # 9 in the cluster, 9 on the host
    assert len(seen) == 5 and seen[-1] is None
