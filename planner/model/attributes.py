"""Both sides of a diff as plain dicts with the configuration's attribute names.

A plan's `before` comes from `live_attributes`, its `after` from `desired_attributes`; the
executor reads `after`, the renderers print both. None in `after` means "not managed".
Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from typing import Any

from planner.model import DesiredVM, LiveVM

# The order attributes are compared and shown in.
COMPARED = (
    "cluster",
    "host",
    "resource_pool",
    "datastore",
    "folder",
    "cpus",
    "cores_per_socket",
    "memory_mb",
    "annotation",
    "attributes",
    "disk",
    "network_interface",
    "power",
    "workspace",
    "prevent_destroy",
)
PLACEMENT = frozenset({"cluster", "host", "resource_pool", "datastore", "folder"})
OWNERSHIP = frozenset({"workspace", "prevent_destroy"})


def normalize_folder(path: str | None) -> str | None:
    if path is None:
        return None
    return "/".join(p for p in path.split("/") if p)


def desired_attributes(vm: DesiredVM, workspace: str) -> dict[str, Any]:
    """What apply should bring the VM to; a standalone host's VM has `cluster` None."""
    return {
        "datacenter": vm.datacenter,
        "name": vm.name,
        "cluster": vm.cluster,
        "host": vm.host,
        "resource_pool": vm.resource_pool,
        "datastore": vm.datastore,
        "folder": normalize_folder(vm.folder),
        "template": vm.template,
        "cpus": vm.cpus,
        "cores_per_socket": vm.cores_per_socket,
        "memory_mb": vm.memory_mb,
        "power": vm.power.value if vm.power is not None else None,
        "annotation": vm.annotation,
        "attributes": dict(vm.attributes) if vm.attributes is not None else None,
        "disk": [{"size_gb": d.size_gb} for d in vm.disks] if vm.disks is not None else None,
        "network_interface": (
            [{"network": n.network} for n in vm.nics] if vm.nics is not None else None
        ),
        "depends_on": [f"{vm.datacenter}/{d}" for d in vm.depends_on],
        "workspace": workspace,
        "prevent_destroy": vm.prevent_destroy,
        "shutdown_timeout": vm.shutdown_timeout,
    }


def live_attributes(vm: LiveVM) -> dict[str, Any]:
    """The VM as vCenter has it, in the same shape as `desired_attributes`."""
    return {
        "datacenter": vm.datacenter,
        "name": vm.name,
        "cluster": vm.cluster,
        "host": vm.host,
        "resource_pool": vm.resource_pool,
        "datastore": vm.datastores[0] if vm.datastores else None,
        "folder": vm.folder,
        "template": None,
        "cpus": vm.cpus,
        "cores_per_socket": vm.cores_per_socket,
        "memory_mb": vm.memory_mb,
        "power": vm.power.value,
        "annotation": vm.annotation,
        "attributes": dict(vm.attributes),
        "disk": [{"size_gb": d.size_gb} for d in vm.disks],
        "network_interface": [{"network": n.network} for n in vm.nics],
        "workspace": vm.workspace,
        "prevent_destroy": vm.prevent_destroy,
    }
