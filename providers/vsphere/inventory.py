"""Read the live inventory in bulk: two PropertyCollector reads, no per-VM round trip.

1. Topology: one RetrievePropertiesEx over a ContainerView of datacenters, folders, clusters,
   compute resources, hosts, resource pools, networks and datastores (name and parent), from which
   every VM's datacenter, cluster, folder path and pool path is resolved locally.
2. VMs: one RetrievePropertiesEx (paged with ContinueRetrievePropertiesEx) over a ContainerView of
   VirtualMachines, fetching every property the planner needs, device list included.

`fetch_vm_records` is the one door for VM data: it hands plain records to the conversion, and
by default parses the response pages with the lean reader in wire.py instead of pyVmomi's
deserializer (set VCPLAN_PARSER=pyvmomi for the reference path).
Returns planner dataclasses (LiveVM, Inventory): nothing above this module sees pyVmomi.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from pyVmomi import vim, vmodl

from planner.gc_pause import collector_paused
from planner.model import (
    ClusterInfo,
    HostInfo,
    Inventory,
    LiveVM,
    Scope,
)
from planner.model.diagnostics import error
from providers.vsphere.live_vm import VMTags, in_scope, live_vm
from providers.vsphere.session import Session
from providers.vsphere.soap import retrieve_request
from providers.vsphere.wire import fetch_vm_records_wire, plain_record

PAGE_SIZE = 1000

# VM morefs -> their tags, asked for now and read meanwhile (in bulk, over REST)
TagsFor = Callable[[list[str]], "Future[Mapping[str, VMTags]]"]

VM_PROPERTIES = [
    "name",
    "parent",
    "resourcePool",
    "datastore",
    "runtime.powerState",
    "runtime.host",
    "config.hardware.numCPU",
    "config.hardware.numCoresPerSocket",
    "config.hardware.memoryMB",
    "config.hardware.device",
    "config.annotation",
    "config.template",
    "config.cpuHotAddEnabled",
    "config.memoryHotAddEnabled",
    "config.instanceUuid",
    "guest.toolsRunningStatus",
    "customValue",
    "config.extraConfig",  # extra_config, and the markers on ESXi or from a create spec
]

TOPOLOGY_TYPES: dict[type, list[str]] = {
    vim.Datacenter: ["name", "parent", "vmFolder"],
    vim.Folder: ["name", "parent"],
    vim.ComputeResource: ["name", "parent"],  # clusters too (a subtype)
    vim.HostSystem: ["name", "parent"],
    vim.ResourcePool: ["name", "parent"],
    vim.Network: ["name", "parent"],  # portgroups too (a subtype)
    vim.Datastore: ["name", "parent"],
}


def view_filter_spec(view: Any, types: Mapping[type, Sequence[str]]) -> Any:
    """A filter over every object of a ContainerView, fetching `types`' property paths."""
    traversal = vmodl.query.PropertyCollector.TraversalSpec(
        name="view", type=vim.view.ContainerView, path="view", skip=False
    )
    return vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[
            vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])
        ],
        propSet=[
            vmodl.query.PropertyCollector.PropertySpec(type=t, pathSet=list(paths))
            for t, paths in types.items()
        ],
    )


def retrieve_options() -> Any:
    return vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=PAGE_SIZE)


def fetch_properties(
    session: Session, root: Any, types: Mapping[type, Sequence[str]]
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Yield (object, {property path: value}) for every object of `types` under `root`.

    One ContainerView, one RetrievePropertiesEx, then ContinueRetrievePropertiesEx per page.
    """
    content = session.content
    view = content.viewManager.CreateContainerView(root, list(types), True)
    try:
        collector = content.propertyCollector
        result = collector.RetrievePropertiesEx([view_filter_spec(view, types)], retrieve_options())
        while result is not None:
            for obj in result.objects:
                yield obj.obj, {prop.name: prop.val for prop in (obj.propSet or [])}
            if not result.token:
                break
            result = collector.ContinueRetrievePropertiesEx(result.token)
    finally:
        view.DestroyView()


def fetch_vm_records(
    session: Session, root: Any, paths: Sequence[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(moid, plain property values) of every VM under `root`: the one door for VM data.

    By default the response pages are parsed by the lean wire reader (wire.py); with
    VCPLAN_PARSER=pyvmomi they go through pyVmomi's deserializer instead (same records).
    """
    if os.environ.get("VCPLAN_PARSER") == "pyvmomi":
        for obj, props in fetch_properties(session, root, {vim.VirtualMachine: paths}):
            yield obj._moId, plain_record(props)
        return
    content = session.content
    view = content.viewManager.CreateContainerView(root, [vim.VirtualMachine], True)
    try:
        spec = view_filter_spec(view, {vim.VirtualMachine: paths})
        stub, collector = session.si._stub, content.propertyCollector
        request = retrieve_request(stub, collector, spec, retrieve_options())
        yield from fetch_vm_records_wire(stub, collector, request)
    finally:
        view.DestroyView()


@dataclass
class _Node:
    kind: str
    name: str
    parent: str | None


class Topology:
    """Name and parent of every container object, to resolve paths without further reads."""

    def __init__(self, session: Session):
        self.nodes: dict[str, _Node] = {}
        self.vm_folder_of_dc: dict[str, str] = {}
        for obj, props in fetch_properties(session, session.content.rootFolder, TOPOLOGY_TYPES):
            parent = props.get("parent")
            self.nodes[obj._moId] = _Node(
                kind=_kind(obj), name=props.get("name", ""), parent=parent._moId if parent else None
            )
            if isinstance(obj, vim.Datacenter) and props.get("vmFolder") is not None:
                self.vm_folder_of_dc[obj._moId] = props["vmFolder"]._moId

    def ancestors(self, moid: str) -> Iterator[tuple[str, _Node]]:
        current: str | None = moid
        while current is not None and current in self.nodes:
            node = self.nodes[current]
            yield current, node
            current = node.parent

    def host_name(self, moid: str) -> str:
        node = self.nodes.get(moid)
        return node.name if node else ""

    def datastore_names(self, moids: Sequence[str]) -> tuple[str, ...]:
        return tuple(sorted(self.nodes[d].name for d in moids if d in self.nodes))

    def network_name(self, moid: str) -> str | None:
        """A network's or distributed portgroup's name; None for what is not a known network,
        so a NIC falls back to what its backing says. One lookup: it runs per NIC of every VM."""
        node = self.nodes.get(moid)
        return node.name if node is not None and node.kind == "network" else None

    def datacenter_of(self, moid: str) -> str | None:
        for _, node in self.ancestors(moid):
            if node.kind == "datacenter":
                return node.name
        return None

    def compute_of(self, moid: str) -> tuple[str | None, str | None]:
        """(cluster, standalone compute resource) names above an object: one of them is None."""
        for _, node in self.ancestors(moid):
            if node.kind == "cluster":
                return node.name, None
            if node.kind == "compute":
                return None, node.name
        return None, None

    def folder_path(self, folder_moid: str | None) -> str:
        """Path of a VM folder relative to its datacenter's VM folder ("" for the root)."""
        names: list[str] = []
        for moid, node in self.ancestors(folder_moid or ""):
            if moid in self.vm_folder_of_dc.values() or node.kind != "folder":
                break
            names.append(node.name)
        return "/".join(reversed(names))

    def pool_path(self, pool_moid: str | None) -> str:
        """Path of a resource pool below its cluster's/host's root pool ("" for the root)."""
        names: list[str] = []
        for _, node in self.ancestors(pool_moid or ""):
            if node.kind != "pool":
                break
            names.append(node.name)
        return "/".join(reversed(names[:-1])) if names else ""


def _kind(obj: Any) -> str:
    if isinstance(obj, vim.Datacenter):
        return "datacenter"
    if isinstance(obj, vim.ClusterComputeResource):
        return "cluster"
    if isinstance(obj, vim.ComputeResource):
        return "compute"
    if isinstance(obj, vim.HostSystem):
        return "host"
    if isinstance(obj, vim.ResourcePool):
        return "pool"
    if isinstance(obj, vim.Network):
        return "network"
    if isinstance(obj, vim.Datastore):
        return "datastore"
    return "folder"


def _resolve_scope(topo: Topology, scope: Scope, where: str) -> Scope:
    """Check the URL path against vCenter. The second segment may name a cluster or, as in
    libvirt's vpx://vcenter/datacenter/host form, a standalone host."""
    if scope.datacenter is None:
        return scope
    dcs = sorted(n.name for n in topo.nodes.values() if n.kind == "datacenter")
    if scope.datacenter not in dcs:
        raise error(
            f"datacenter {scope.datacenter!r} not found on {where}",
            hint=f"known datacenters: {', '.join(dcs) or 'none'}",
        )
    if scope.cluster is None:
        return scope
    clusters: dict[str, str] = {}
    standalone: dict[str, str] = {}
    for moid, node in topo.nodes.items():
        if node.kind in ("cluster", "compute") and topo.datacenter_of(moid) == scope.datacenter:
            (clusters if node.kind == "cluster" else standalone)[node.name] = moid
    if scope.cluster not in clusters:
        if scope.cluster in standalone and scope.host is None:
            return Scope(scope.datacenter, None, scope.cluster)
        known = sorted(clusters) + sorted(standalone)
        raise error(
            f"cluster or host {scope.cluster!r} not found in datacenter {scope.datacenter!r}",
            hint=f"known: {', '.join(known) or 'none'}",
        )
    if scope.host is None:
        return scope
    hosts = sorted(
        n.name
        for moid, n in topo.nodes.items()
        if n.kind == "host" and n.parent == clusters[scope.cluster]
    )
    if scope.host not in hosts:
        raise error(
            f"host {scope.host!r} not found in cluster {scope.datacenter}/{scope.cluster}",
            hint=f"its hosts: {', '.join(hosts) or 'none'}",
        )
    return scope


def read_inventory(session: Session, scope: Scope, tags_for: TagsFor | None = None) -> Inventory:
    """Everything the planner needs from vCenter, scoped by the URL's path. With `tags_for`,
    every VM's tags too: each page's VMs are asked for as the page is read, and a page is
    turned into LiveVMs once the next one is read, by when its tags have come."""
    topo = Topology(session)
    where = f"{session.endpoint.host}:{session.endpoint.port}"
    scope = _resolve_scope(topo, scope, where)
    esx = session.is_esx
    fields_manager = session.content.customFieldsManager
    field_names = {f.key: f.name for f in (fields_manager.field if fields_manager else [])}

    root = session.content.rootFolder
    if scope.datacenter:
        dc_moid = next(
            m
            for m, n in topo.nodes.items()
            if n.kind == "datacenter" and n.name == scope.datacenter
        )
        root = vim.Folder(topo.vm_folder_of_dc[dc_moid], session.si._stub)
    vms: list[LiveVM] = []

    def convert(page: list[tuple[str, dict[str, Any]]], tags: Future[Any] | None) -> None:
        by_moref = tags.result() if tags is not None else None
        for moid, props in page:
            vm_tags = by_moref.get(moid, {}) if by_moref is not None else None
            vm = live_vm(moid, props, topo, field_names, esx, vm_tags)
            if vm is not None and in_scope(vm, scope):
                vms.append(vm)

    with collector_paused():  # the last page is converted after the reader has ended
        records = fetch_vm_records(session, root, VM_PROPERTIES)
        behind: tuple[list[tuple[str, dict[str, Any]]], Future[Any] | None] | None = None
        for page in _pages_of(records):
            asked = tags_for([moid for moid, _ in page]) if tags_for is not None else None
            if behind is not None:
                convert(*behind)
            behind = (page, asked)
        if behind is not None:
            convert(*behind)
    vms.sort(key=lambda v: (v.datacenter, v.name))
    return _assemble(topo, tuple(vms), scope, esx)


def _pages_of(
    records: Iterator[tuple[str, dict[str, Any]]],
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    while page := list(itertools.islice(records, PAGE_SIZE)):
        yield page


def _assemble(topo: Topology, vms: tuple[LiveVM, ...], scope: Scope, esx: bool) -> Inventory:
    clusters: dict[tuple[str, str], list[str]] = defaultdict(list)
    hosts: list[HostInfo] = []
    networks: dict[str, set[str]] = defaultdict(set)
    datastores: dict[str, set[str]] = defaultdict(set)
    folders: dict[str, set[str]] = defaultdict(set)
    pools: dict[tuple[str, str], set[str]] = defaultdict(set)
    datacenters = []
    for moid, node in topo.nodes.items():
        dc = topo.datacenter_of(moid)
        if node.kind == "datacenter":
            datacenters.append(node.name)
            folders[node.name].add("")
        elif dc is None:
            continue
        elif node.kind == "cluster":
            clusters.setdefault((dc, node.name), [])
        elif node.kind == "host":
            cluster, _ = topo.compute_of(moid)
            hosts.append(HostInfo(dc, node.name, cluster))
            if cluster:
                clusters[(dc, cluster)].append(node.name)
        elif node.kind == "network":
            networks[dc].add(node.name)
        elif node.kind == "datastore":
            datastores[dc].add(node.name)
        elif node.kind == "folder":
            path = topo.folder_path(moid)
            vm_root = any(a in topo.vm_folder_of_dc.values() for a, _ in topo.ancestors(moid))
            if path and vm_root:
                folders[dc].add(path)
        elif node.kind == "pool":
            cluster, standalone = topo.compute_of(moid)
            pools[(dc, cluster or standalone or "")].add(topo.pool_path(moid))
    return Inventory(
        vms=vms,
        datacenters=tuple(sorted(datacenters)),
        clusters=tuple(
            ClusterInfo(dc, name, tuple(sorted(hs))) for (dc, name), hs in sorted(clusters.items())
        ),
        hosts=tuple(sorted(hosts, key=lambda h: (h.datacenter, h.name))),
        networks={dc: frozenset(v) for dc, v in networks.items()},
        datastores={dc: frozenset(v) for dc, v in datastores.items()},
        folders={dc: frozenset(v) for dc, v in folders.items()},
        resource_pools={k: frozenset(v) for k, v in pools.items()},
        is_esx=esx,
        scope=scope,
    )
