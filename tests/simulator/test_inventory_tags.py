"""The inventory's tags are read page by page while the VM pages are read: each VM gets its own
tags over any number of pages, and a read without tags leaves them unread."""

from __future__ import annotations

import pytest
from pyVmomi import vim

from planner.config.endpoint import resolve_endpoint
from providers.vsphere.provider import VSphereProvider
from providers.vsphere.tags import TagClient
from tests.support.vcenter import open_si


@pytest.fixture(scope="module")
def tagged(make_module_vcsim):
    """12 VMs; every third one tagged env=prod, every other one team=web."""
    sim = make_module_vcsim("-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "12")
    with open_si(sim) as si:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.VirtualMachine], True
        )
        morefs = sorted((vm.name, vm._moId) for vm in view.view)
        view.DestroyView()
    endpoint = resolve_endpoint(None, None, False, None, sim.env(), None)
    with TagClient(endpoint) as client:
        env = client.create_category("env", "SINGLE")
        team = client.create_category("team", "MULTIPLE")
        prod, web = client.create_tag(env, "prod"), client.create_tag(team, "web")
        client.attach_to_objects(prod, [m for i, (_, m) in enumerate(morefs) if i % 3 == 0])
        client.attach_to_objects(web, [m for i, (_, m) in enumerate(morefs) if i % 2 == 0])
    expected = {}
    for i, (name, _) in enumerate(morefs):
        tags = {}
        if i % 3 == 0:
            tags["env"] = ("prod",)
        if i % 2 == 0:
            tags["team"] = ("web",)
        expected[name] = tags
    return sim, expected


def _read(sim, tags: bool):
    provider = VSphereProvider(resolve_endpoint(None, None, False, None, sim.env(), None))
    try:
        return provider.read_inventory(tags=tags)
    finally:
        provider.close()


def test_each_vm_gets_its_own_tags_over_many_pages(tagged, monkeypatch):
    sim, expected = tagged
    monkeypatch.setattr("providers.vsphere.inventory.PAGE_SIZE", 5)  # 5 + 5 + 2
    inventory = _read(sim, tags=True)
    assert {vm.name: dict(vm.tags or {}) for vm in inventory.vms} == expected
    assert inventory.tag_categories is not None
    assert set(inventory.tag_categories) == {"env", "team"}


def test_a_read_without_tags_leaves_them_unread(tagged):
    sim, _ = tagged
    inventory = _read(sim, tags=False)
    assert {vm.tags for vm in inventory.vms} == {None}
    assert inventory.tag_categories is None
