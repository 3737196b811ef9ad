"""One VM's plain property record -> the planner's LiveVM: names for its placement from the
topology, disks and NICs from its device list, the ownership markers, extra_config.

The one conversion every reader uses: the inventory read, the apply's re-check and read-back,
and drift's watch. No vCenter call here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from planner.model import (
    MARKER_PREFIX,
    PREVENT_DESTROY_MARKER,
    WORKSPACE_MARKER,
    Disk,
    LiveVM,
    Nic,
    Power,
    Scope,
)
from providers.vsphere.markers import read_markers
from providers.vsphere.wire import DeviceRecord


class Placement(Protocol):
    """The names of what a VM sits in and its NICs are on (providers/vsphere/inventory.py's
    Topology)."""

    def host_name(self, moid: str) -> str: ...
    def datacenter_of(self, moid: str) -> str | None: ...
    def compute_of(self, moid: str) -> tuple[str | None, str | None]: ...
    def folder_path(self, folder_moid: str | None) -> str: ...
    def pool_path(self, pool_moid: str | None) -> str: ...
    def datastore_names(self, moids: Sequence[str]) -> tuple[str, ...]: ...
    def network_name(self, moid: str) -> str | None: ...


VMTags = Mapping[str, tuple[str, ...]]  # category -> sorted tag names

POWER = {
    "poweredOn": Power.ON,
    "poweredOff": Power.OFF,
    "suspended": Power.SUSPENDED,
}


def _disks_and_nics(
    devices: Sequence[DeviceRecord], topo: Placement
) -> tuple[tuple[Disk, ...], tuple[Nic, ...]]:
    """Disks in bus order (controller, unit); NICs in device-list order, which is the order
    they were added ("Network adapter 1, 2"; vcsim gives added NICs lower keys and units than
    its built-in one, so neither key nor unit order is reliable there)."""
    disks = tuple(
        Disk(size_gb=math.ceil(d.capacity_bytes / 2**30))
        for d in sorted(devices, key=lambda d: (d.controller_key, d.unit_number))
        if d.kind == "disk"
    )
    nics = tuple(Nic(network=_nic_network(d, topo)) for d in devices if d.kind == "nic")
    return disks, nics


def _nic_network(dev: DeviceRecord, topo: Placement) -> str:
    """A distributed portgroup's key is its moid on vCenter, so one name lookup serves both."""
    if dev.network is not None and (name := topo.network_name(dev.network)) is not None:
        return name
    if dev.portgroup_key:
        name = topo.network_name(dev.portgroup_key)
        return dev.portgroup_key if name is None else name
    return dev.device_name or dev.opaque_id or ""


def _extra_config(props: Mapping[str, Any]) -> dict[str, str]:
    """extraConfig as a map. A key's last value wins: vcsim 0.24 appends a duplicate OptionValue
    when a key is updated instead of replacing it (docs/simulator.md); vCenter has one each."""
    return dict(props.get("config.extraConfig") or [])


def live_vm(
    moid: str,
    props: Mapping[str, Any],
    topo: Placement,
    field_names: Mapping[int, str],
    esx: bool,
    tags: VMTags | None = None,
) -> LiveVM | None:
    host = props.get("runtime.host")
    if not host or "config.hardware.numCPU" not in props:
        return None  # an orphaned or inaccessible VM has no placement or config to plan against
    cluster, _standalone = topo.compute_of(host)
    disks, nics = _disks_and_nics(props.get("config.hardware.device") or [], topo)
    extra = _extra_config(props)
    custom, pending = read_markers(props, field_names, extra, esx)
    return LiveVM(
        datacenter=topo.datacenter_of(host) or "",
        name=props.get("name", ""),
        cluster=cluster,
        host=topo.host_name(host),
        resource_pool=topo.pool_path(props.get("resourcePool")),
        folder=topo.folder_path(props.get("parent")),
        datastores=topo.datastore_names(props.get("datastore") or []),
        power=POWER.get(props.get("runtime.powerState", ""), Power.OFF),
        cpus=int(props.get("config.hardware.numCPU") or 0),
        cores_per_socket=int(props.get("config.hardware.numCoresPerSocket") or 1),
        memory_mb=int(props.get("config.hardware.memoryMB") or 0),
        annotation=props.get("config.annotation") or "",
        attributes={k: v for k, v in custom.items() if not k.startswith(MARKER_PREFIX)},
        template=bool(props.get("config.template")),
        cpu_hot_add=bool(props.get("config.cpuHotAddEnabled")),
        memory_hot_add=bool(props.get("config.memoryHotAddEnabled")),
        tools_running=props.get("guest.toolsRunningStatus") == "guestToolsRunning",
        disks=disks,
        nics=nics,
        instance_uuid=props.get("config.instanceUuid") or "",
        moref=moid,
        workspace=custom.get(WORKSPACE_MARKER) or None,
        prevent_destroy=custom.get(PREVENT_DESTROY_MARKER, "").lower() == "true",
        extra_config={k: v for k, v in extra.items() if not k.startswith(MARKER_PREFIX)},
        tags=tags,
        markers_pending=pending,
    )


def in_scope(vm: LiveVM, scope: Scope) -> bool:
    if scope.datacenter and vm.datacenter != scope.datacenter:
        return False
    if scope.cluster and vm.cluster != scope.cluster:
        return False
    return not (scope.host and vm.host != scope.host)
