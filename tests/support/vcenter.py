"""Read what vCenter holds the slow, obvious way (pyVmomi attribute access, VM by VM), to check
vcplan's bulk reader against something written independently of it; and open such a session."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from pyVmomi import vim

from planner.config.endpoint import resolve_endpoint
from providers.vsphere.session import ssl_context
from tests.vcsim import harness

POWER = {"poweredOn": "on", "poweredOff": "off", "suspended": "suspended"}


def _datacenter(obj: Any) -> Any:
    while not isinstance(obj, vim.Datacenter):
        obj = obj.parent
    return obj


def _folder_path(vm: Any) -> str:
    names = []
    folder = vm.parent
    root = _datacenter(vm.runtime.host).vmFolder
    while folder != root:
        names.append(folder.name)
        folder = folder.parent
    return "/".join(reversed(names))


def vm_records(si: Any) -> list[dict[str, Any]]:
    """The inventory record (docs/getting-started.md) of every VM, read attribute by attribute."""
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    manager = content.customFieldsManager  # None on a standalone ESXi host
    fields = {f.key: f.name for f in (manager.field or [])} if manager else {}
    records = []
    for vm in view.view:
        host = vm.runtime.host
        custom = {fields.get(cv.key): cv.value for cv in vm.customValue or []}
        if manager is None:
            custom = {o.key: o.value for o in vm.config.extraConfig or []}
        records.append(
            {
                "datacenter": _datacenter(host).name,
                "cluster": host.parent.name
                if isinstance(host.parent, vim.ClusterComputeResource)
                else None,
                "host": host.name,
                "name": vm.name,
                "power": POWER[vm.runtime.powerState],
                "cpus": vm.config.hardware.numCPU,
                "memory_mb": vm.config.hardware.memoryMB,
                "folder": _folder_path(vm),
                "workspace": custom.get("vcplan.workspace"),
                "tags": {},  # a fresh simulator has none (tests/simulator/test_tags.py)
            }
        )
    view.DestroyView()
    return sorted(records, key=lambda r: (r["datacenter"], r["name"]))


def find_vm(si: Any, name: str) -> Any:
    """The VM of that name anywhere in the inventory, or None."""
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return next((v for v in view.view if v.name == name), None)
    finally:
        view.DestroyView()


def set_custom_attribute(si: Any, vm_name: str, key: str, value: str) -> None:
    manager = si.RetrieveContent().customFieldsManager
    field = next((f for f in manager.field or [] if f.name == key), None)
    if field is None:
        field = manager.AddCustomFieldDef(name=key, moType=vim.VirtualMachine)
    manager.SetField(entity=find_vm(si, vm_name), key=field.key, value=value)


def snapshot(si: Any) -> list[dict[str, Any]]:
    """Everything a plan could conceivably change, VM by VM: to assert it changed nothing."""
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    manager = content.customFieldsManager
    fields = {f.key: f.name for f in (manager.field or [])} if manager else {}
    extra = []
    for vm in view.view:
        hw = vm.config.hardware
        extra.append(
            {
                "name": vm.name,
                "moref": vm._moId,
                "annotation": vm.config.annotation,
                "custom": sorted((fields.get(cv.key), cv.value) for cv in vm.customValue or []),
                "devices": sorted(
                    (type(d).__name__, getattr(d, "capacityInKB", None)) for d in hw.device
                ),
                "cores_per_socket": hw.numCoresPerSocket,
                "pool": vm.resourcePool.name if vm.resourcePool else None,
            }
        )
    view.DestroyView()
    return [*vm_records(si), *sorted(extra, key=lambda r: r["name"])]


def smart_connect(sim: harness.Simulator) -> Any:
    """An independent pyVmomi session to `sim`, TLS verified against the run's CA."""
    from pyVim.connect import SmartConnect

    ctx = ssl.create_default_context(cafile=str(sim.certs.ca_file)) if sim.certs else None
    return SmartConnect(
        host=sim.host, port=sim.port, user=sim.user, pwd=sim.password, sslContext=ctx
    )


@contextmanager
def open_si(sim: harness.Simulator) -> Iterator[Any]:
    from pyVim.connect import Disconnect

    si = smart_connect(sim)
    try:
        yield si
    finally:
        Disconnect(si)


def end_every_session(sim: Any) -> None:
    """As a vCenter restart would (docs/simulator.md#sessions)."""
    endpoint = resolve_endpoint(None, None, False, None, sim.env(), None)
    response = httpx.delete(
        f"https://{sim.host}:{sim.port}/vcsim/sessions",
        auth=(sim.user, sim.password),
        verify=ssl_context(endpoint),
    )
    assert response.status_code == 200, response.text
