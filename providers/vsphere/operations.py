"""The executor's operations on vCenter: each submits a task (or makes a synchronous call) and
returns a Handle at once; providers/vsphere/tasks.py waits for them.

Written for a real vCenter; where the simulator differs (it ignores a clone's relocate and
config specs and its powerOn flag) the executor's read-back after a create reconciles the rest.
Takes a Session (`session.si`, `session.content`); returns planner types only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from pyVmomi import vim, vmodl

from planner.apply.provider import Handle, OperationRefused, Outcome, SessionExpired
from planner.model import PREVENT_DESTROY_MARKER, WORKSPACE_MARKER, LiveVM, Power
from providers.vsphere.guards import refuse_if_name_taken
from providers.vsphere.inventory import (
    ESX_EXTRA_PROPERTIES,
    VM_PROPERTIES,
    Topology,
    _live_vm,
    fetch_properties,
)
from providers.vsphere.session import Session
from providers.vsphere.tasks import Watch, fault_message
from providers.vsphere.wire import plain_record

GiB_KB = 1024 * 1024
POWER_STATE = {Power.ON: "poweredOn", Power.OFF: "poweredOff", Power.SUSPENDED: "suspended"}
_fields_lock = threading.Lock()


def _done(note: str = "", result: str | None = None) -> Handle:
    return Handle(outcome=Outcome(True, result=result, note=note))


def _task(task: Any, **watch: Any) -> Handle:
    return Handle(task=task._moId, token=Watch(task=task, **watch))


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """One vCenter call; its faults become the planner's exceptions with vCenter's message."""
    try:
        return fn(*args, **kwargs)
    except vim.fault.NotAuthenticated:
        raise SessionExpired("the vCenter session is no longer valid") from None
    except vmodl.MethodFault as exc:
        raise OperationRefused(fault_message(exc)) from None


class Operations:
    """Name lookups and operations for one session. Objects are rebuilt from morefs on the
    session's current stub, so a relogin needs nothing here to change."""

    def __init__(self, session: Session):
        self.session = session
        self._field_keys: dict[str, int] = {}  # custom attribute name -> key, read once

    # --- lookups ---------------------------------------------------------------------------

    def _ref(self, cls: Any, moref: str) -> Any:
        return cls(moref, self.session.si._stub)

    def vm(self, moref: str) -> Any:
        return self._ref(vim.VirtualMachine, moref)

    def _named(self, root: Any, cls: Any, name: str, what: str) -> Any:
        for obj, props in call(lambda: list(fetch_properties(self.session, root, {cls: ["name"]}))):
            if props.get("name") == name:
                return obj
        raise OperationRefused(f"{what} {name!r} not found")

    def datacenter(self, name: str) -> Any:
        return self._named(self.session.content.rootFolder, vim.Datacenter, name, "datacenter")

    def folder(self, dc: Any, path: str | None) -> Any:
        folder = dc.vmFolder
        for part in [p for p in (path or "").split("/") if p]:
            child = call(self.session.content.searchIndex.FindChild, folder, part)
            if not isinstance(child, vim.Folder):
                raise OperationRefused(f"folder {path!r} not found")
            folder = child
        return folder

    def compute(self, dc: Any, after: Mapping[str, Any]) -> tuple[Any, Any]:
        """(compute resource, host or None) for the cluster or standalone host in `after`."""
        host = None
        if after.get("cluster"):
            compute = self._named(
                dc.hostFolder, vim.ClusterComputeResource, after["cluster"], "cluster"
            )
            if after.get("host"):
                host = next((h for h in compute.host if h.name == after["host"]), None)
                if host is None:
                    raise OperationRefused(f"host {after['host']!r} not in {after['cluster']!r}")
        elif after.get("host"):
            host = self._named(dc.hostFolder, vim.HostSystem, after["host"], "host")
            compute = host.parent
        else:
            raise OperationRefused("neither cluster nor host given")
        return compute, host

    def pool(self, compute: Any, path: str | None) -> Any:
        pool = compute.resourcePool
        for part in [p for p in (path or "").split("/") if p]:
            pool = next((p for p in pool.resourcePool if p.name == part), None)
            if pool is None:
                raise OperationRefused(f"resource pool {path!r} not found")
        return pool

    def datastore(self, dc: Any, name: str) -> Any:
        return self._named(dc.datastoreFolder, vim.Datastore, name, "datastore")

    def network(self, dc: Any, name: str) -> Any:
        return self._named(dc.networkFolder, vim.Network, name, "network")

    # --- read back -------------------------------------------------------------------------

    def read_vm(self, moref: str) -> LiveVM | None:
        vm = self.vm(moref)
        esx = self.session.is_esx
        paths = VM_PROPERTIES + (ESX_EXTRA_PROPERTIES if esx else [])
        pc = vmodl.query.PropertyCollector
        spec = pc.FilterSpec(
            objectSet=[pc.ObjectSpec(obj=vm)],
            propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=paths)],
        )
        try:
            result = call(
                self.session.content.propertyCollector.RetrievePropertiesEx,
                [spec],
                pc.RetrieveOptions(),
            )
        except OperationRefused:
            return None  # ManagedObjectNotFound: deleted behind our back
        if result is None or not result.objects:
            return None
        props = {p.name: p.val for p in result.objects[0].propSet or []}
        topo = Topology(self.session)
        manager = self.session.content.customFieldsManager
        fields = {f.key: f.name for f in (manager.field if manager else [])}
        networks = {m: n.name for m, n in topo.nodes.items() if n.kind == "network"}
        return _live_vm(moref, plain_record(props), topo, fields, networks, esx)

    # --- folders ---------------------------------------------------------------------------

    def create_folder(self, datacenter: str, path: str) -> Handle:
        folder = self.datacenter(datacenter).vmFolder
        created = False
        for part in [p for p in path.split("/") if p]:
            child = call(self.session.content.searchIndex.FindChild, folder, part)
            if child is None:
                try:
                    child = call(folder.CreateFolder, part)
                    created = True
                except OperationRefused:  # created concurrently: DuplicateName
                    child = call(self.session.content.searchIndex.FindChild, folder, part)
                    if child is None:
                        raise
            folder = child
        return _done("" if created else "already there")

    # --- create ----------------------------------------------------------------------------

    def create_vm(self, datacenter: str, name: str, after: Mapping[str, Any]) -> Handle:
        dc = self.datacenter(datacenter)
        folder = self.folder(dc, after.get("folder"))
        call(refuse_if_name_taken, self.session, folder, name)
        compute, host = self.compute(dc, after)
        pool = self.pool(compute, after.get("resource_pool"))
        datastore = self.datastore(dc, after["datastore"]) if after.get("datastore") else None
        config = self._hardware_spec(after)
        if after.get("template"):
            template = self._named(dc.vmFolder, vim.VirtualMachine, after["template"], "template")
            location = vim.vm.RelocateSpec(pool=pool, host=host, datastore=datastore)
            clone = vim.vm.CloneSpec(
                location=location, config=config, powerOn=False, template=False
            )
            return _task(call(template.CloneVM_Task, folder=folder, name=name, spec=clone))
        if datastore is None:
            stores = (host.datastore if host else compute.datastore) or []
            if not stores:
                raise OperationRefused(f"no datastore to create {name!r} on")
            datastore = stores[0]
        config.name = name
        config.guestId = "otherGuest64"
        config.files = vim.vm.FileInfo(vmPathName=f"[{datastore.name}]")
        config.deviceChange = self._new_devices(dc, after)
        return _task(call(folder.CreateVM_Task, config=config, pool=pool, host=host))

    @staticmethod
    def _hardware_spec(after: Mapping[str, Any]) -> Any:
        spec: Any = vim.vm.ConfigSpec()
        if after.get("cpus") is not None:
            spec.numCPUs = int(after["cpus"])
        if after.get("cores_per_socket") is not None:
            spec.numCoresPerSocket = int(after["cores_per_socket"])
        if after.get("memory_mb") is not None:
            spec.memoryMB = int(after["memory_mb"])
        if after.get("annotation") is not None:
            spec.annotation = after["annotation"]
        return spec

    def _new_devices(self, dc: Any, after: Mapping[str, Any]) -> list[Any]:
        changes: list[Any] = []
        disks = after.get("disk") or []
        if disks:
            controller = vim.vm.device.ParaVirtualSCSIController(
                key=-100, busNumber=0, sharedBus="noSharing"
            )
            changes.append(_add(controller))
            for i, disk in enumerate(disks):
                changes.append(
                    _new_disk(-100, i if i < 7 else i + 1, int(disk["size_gb"]), -101 - i)
                )
        for i, nic in enumerate(after.get("network_interface") or []):
            changes.append(_add(self._new_nic(dc, nic["network"], -200 - i)))
        return changes

    def _nic_backing(self, dc: Any, network: str) -> Any:
        net: Any = self.network(dc, network)
        if isinstance(net, vim.dvs.DistributedVirtualPortgroup):
            switch: Any = net.config.distributedVirtualSwitch
            port = vim.dvs.PortConnection(portgroupKey=net.key, switchUuid=switch.uuid)
            return vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port)
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=network, network=net)

    def _new_nic(self, dc: Any, network: str, key: int) -> Any:
        return vim.vm.device.VirtualVmxnet3(
            key=key,
            backing=self._nic_backing(dc, network),
            connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                startConnected=True, allowGuestControl=True, connected=False
            ),
        )

    # --- move ------------------------------------------------------------------------------

    def relocate(self, moref: str, after: Mapping[str, Any]) -> Handle:
        """One RelocateVM_Task for host, pool, datastore and folder. With no host pinned, a
        move to another cluster names one of its hosts (DRS may move it on afterwards)."""
        vm = self.vm(moref)
        live = self.read_vm(moref)
        if live is None:
            raise OperationRefused(f"{moref} no longer exists")
        dc = self.datacenter(live.datacenter)
        compute, host = self.compute(dc, after)
        spec = vim.vm.RelocateSpec()
        target_cluster = after.get("cluster")
        moves_compute = target_cluster != live.cluster or (
            target_cluster is None and after.get("host") not in (None, live.host)
        )
        if host is not None and host.name != live.host:
            spec.host = host
        elif moves_compute and host is None:
            spec.host = next(iter(compute.host), None)
        if moves_compute or (
            after.get("resource_pool") is not None and after["resource_pool"] != live.resource_pool
        ):
            spec.pool = self.pool(compute, after.get("resource_pool"))
        if after.get("datastore") and after["datastore"] not in live.datastores:
            spec.datastore = self.datastore(dc, after["datastore"])
        if after.get("folder") is not None and after["folder"] != live.folder:
            spec.folder = self.folder(dc, after["folder"])
        if not any((spec.host, spec.pool, spec.datastore, spec.folder)):
            return _done("already in place")
        return _task(call(vm.RelocateVM_Task, spec=spec))

    # --- power -----------------------------------------------------------------------------

    def _power_facts(self, vm: Any) -> tuple[str, bool]:
        """(runtime.powerState, whether VMware Tools run), in one round trip."""
        pc = vmodl.query.PropertyCollector
        spec = pc.FilterSpec(
            objectSet=[pc.ObjectSpec(obj=vm)],
            propSet=[
                pc.PropertySpec(
                    type=vim.VirtualMachine,
                    pathSet=["runtime.powerState", "guest.toolsRunningStatus"],
                )
            ],
        )
        result = call(
            self.session.content.propertyCollector.RetrievePropertiesEx,
            [spec],
            pc.RetrieveOptions(),
        )
        if result is None or not result.objects:
            raise OperationRefused(f"{vm._moId} no longer exists")
        props = {p.name: p.val for p in result.objects[0].propSet or []}
        return str(props.get("runtime.powerState")), (
            props.get("guest.toolsRunningStatus") == "guestToolsRunning"
        )

    def power_off(self, moref: str, shutdown_timeout: float) -> Handle:
        """Guest shutdown when VMware Tools run, then a hard power off if the guest is still up
        after `shutdown_timeout`; a hard power off at once without Tools (or when suspended)."""
        vm = self.vm(moref)
        state, tools = self._power_facts(vm)
        if state == "poweredOff":
            return _done("already off")
        if state == "poweredOn" and tools:
            call(vm.ShutdownGuest)
            return Handle(
                token=Watch(
                    vm=vm,
                    want_power="poweredOff",
                    deadline=time.monotonic() + shutdown_timeout,
                    on_timeout=lambda: call(self.vm(moref).PowerOffVM_Task),
                    note="guest shutdown",
                )
            )
        return _task(call(vm.PowerOffVM_Task), note="hard power off (VMware Tools not running)")

    def set_power(self, moref: str, power: Power, shutdown_timeout: float) -> Handle:
        vm = self.vm(moref)
        state, _tools = self._power_facts(vm)
        if state == POWER_STATE[power]:
            return _done(f"already {power.value}")
        if power is Power.OFF:
            return self.power_off(moref, shutdown_timeout)
        if power is Power.ON:
            return _task(call(vm.PowerOnVM_Task))
        if state == "poweredOn":
            return _task(call(vm.SuspendVM_Task))
        # off -> suspended: vCenter only suspends a running VM
        return _task(call(vm.PowerOnVM_Task), then=[lambda: call(self.vm(moref).SuspendVM_Task)])

    # --- reconfigure -----------------------------------------------------------------------

    def reconfigure(self, moref: str, after: Mapping[str, Any]) -> Handle:
        vm = self.vm(moref)
        live = self.read_vm(moref)
        if live is None:
            raise OperationRefused(f"{moref} no longer exists")
        spec = vim.vm.ConfigSpec()
        changed = False
        for key, attr in (
            ("cpus", "numCPUs"),
            ("cores_per_socket", "numCoresPerSocket"),
            ("memory_mb", "memoryMB"),
            ("annotation", "annotation"),
        ):
            if after.get(key) is not None and after[key] != getattr(live, key):
                setattr(spec, attr, after[key])
                changed = True
        devices = self._device_changes(vm, live, after)
        if devices:
            spec.deviceChange = devices
            changed = True
        attributes = {
            k: str(v)
            for k, v in (after.get("attributes") or {}).items()
            if live.attributes.get(k) != v
        }
        if attributes:
            self._set_fields(vm, attributes)
        if not changed:
            return _done("" if attributes else "already in place")
        return _task(call(vm.ReconfigVM_Task, spec=spec))

    def _device_changes(self, vm: Any, live: LiveVM, after: Mapping[str, Any]) -> list[Any]:
        want_disks = after.get("disk")
        want_nics = after.get("network_interface")
        if want_disks is None and want_nics is None:
            return []
        devices = list(call(lambda: vm.config.hardware.device))
        changes: list[Any] = []
        if want_disks is not None:
            changes += self._disk_changes(devices, [int(d["size_gb"]) for d in want_disks])
        if want_nics is not None:
            dc = self.datacenter(live.datacenter)
            changes += self._nic_changes(dc, devices, [n["network"] for n in want_nics])
        return changes

    @staticmethod
    def _disk_changes(devices: list[Any], want: list[int]) -> list[Any]:
        disks: list[Any] = sorted(
            (d for d in devices if isinstance(d, vim.vm.device.VirtualDisk)),
            key=lambda d: (d.controllerKey, d.unitNumber or 0),
        )
        changes: list[Any] = []
        for disk, size_gb in zip(disks, want, strict=False):
            if size_gb * GiB_KB > disk.capacityInKB:
                edited: Any = disk
                edited.capacityInKB = size_gb * GiB_KB
                edited.capacityInBytes = size_gb * GiB_KB * 1024
                changes.append(vim.vm.device.VirtualDeviceSpec(operation="edit", device=disk))
            elif size_gb * GiB_KB < disk.capacityInKB:
                raise OperationRefused(f"disk {disk.key} cannot shrink to {size_gb} GB")
        extra = want[len(disks) :]
        if not extra:
            return changes
        controllers = [d for d in devices if isinstance(d, vim.vm.device.VirtualSCSIController)]
        if controllers:
            controller_key = controllers[0].key
            used = {d.unitNumber for d in devices if d.controllerKey == controller_key}
        else:
            controller_key = -100
            bus = vim.vm.device.ParaVirtualSCSIController(
                key=-100, busNumber=0, sharedBus="noSharing"
            )
            changes.append(_add(bus))
            used = set()
        free = (u for u in range(16) if u != 7 and u not in used)
        for i, size_gb in enumerate(extra):
            changes.append(_new_disk(controller_key, next(free), size_gb, -101 - i))
        return changes

    def _nic_changes(self, dc: Any, devices: list[Any], want: list[str]) -> list[Any]:
        nics = [d for d in devices if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        changes: list[Any] = []
        names = {d.key: _nic_network_name(d) for d in nics}
        for nic, network in zip(nics, want, strict=False):
            if names[nic.key] != network and not _nic_on(nic, self.network(dc, network)):
                nic.backing = self._nic_backing(dc, network)
                changes.append(vim.vm.device.VirtualDeviceSpec(operation="edit", device=nic))
        for i, network in enumerate(want[len(nics) :]):
            changes.append(_add(self._new_nic(dc, network, -200 - i)))
        for nic in nics[len(want) :]:
            changes.append(vim.vm.device.VirtualDeviceSpec(operation="remove", device=nic))
        return changes

    # --- custom attributes and markers -----------------------------------------------------

    def _set_fields(self, vm: Any, values: Mapping[str, str]) -> None:
        """vCenter custom attributes (defined on first use, for VMs)."""
        if self.session.is_esx:
            raise OperationRefused(
                "custom attributes need a vCenter; a standalone ESXi host has none"
            )
        manager = self.session.content.customFieldsManager
        with _fields_lock:
            if any(name not in self._field_keys for name in values):
                self._field_keys = {
                    f.name: f.key
                    for f in call(lambda: manager.field) or []
                    if f.managedObjectType in (None, vim.VirtualMachine)
                }
            for name in values:
                if name not in self._field_keys:
                    try:
                        field = call(
                            manager.AddCustomFieldDef, name=name, moType=vim.VirtualMachine
                        )
                        self._field_keys[name] = field.key
                    except OperationRefused:  # defined meanwhile
                        self._field_keys.update({f.name: f.key for f in manager.field or []})
            keys = dict(self._field_keys)
        for name, value in values.items():
            call(manager.SetField, entity=vm, key=keys[name], value=value)

    def set_markers(self, moref: str, workspace: str, prevent_destroy: bool) -> Handle:
        """The ownership marker and the recorded prevent_destroy (docs/language.md#ownership).
        On a standalone ESXi host there are no custom attributes: they go in its extraConfig."""
        vm = self.vm(moref)
        values = {WORKSPACE_MARKER: workspace, PREVENT_DESTROY_MARKER: str(prevent_destroy).lower()}
        if self.session.is_esx:
            options = [vim.option.OptionValue(key=k, value=v) for k, v in values.items()]
            return _task(call(vm.ReconfigVM_Task, spec=vim.vm.ConfigSpec(extraConfig=options)))
        self._set_fields(vm, values)
        return _done()

    # --- delete ----------------------------------------------------------------------------

    def destroy(self, moref: str) -> Handle:
        return _task(call(self.vm(moref).Destroy_Task))


def _add(device: Any) -> Any:
    return vim.vm.device.VirtualDeviceSpec(operation="add", device=device)


def _new_disk(controller_key: int, unit: int, size_gb: int, key: int) -> Any:
    backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
        diskMode="persistent", thinProvisioned=True, fileName=""
    )
    disk = vim.vm.device.VirtualDisk(
        key=key,
        controllerKey=controller_key,
        unitNumber=unit,
        capacityInKB=size_gb * GiB_KB,
        backing=backing,
    )
    return vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create", device=disk)


def _nic_network_name(nic: Any) -> str | None:
    backing = nic.backing
    if isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
        return str(backing.deviceName)
    return None


def _nic_on(nic: Any, network: Any) -> bool:
    backing = nic.backing
    port = getattr(backing, "port", None)
    if port is not None and isinstance(network, vim.dvs.DistributedVirtualPortgroup):
        return bool(port.portgroupKey == network.key)
    return False


def names(objs: Iterable[Any]) -> list[str]:
    return [o.name for o in objs]


class ExecutorMixin:
    """Makes VSphereProvider a planner.apply.provider.Provider: operations and the one waiter."""

    session: Session
    _executor_parts: tuple[Operations, Any] | None = None

    def _parts(self) -> tuple[Operations, Any]:
        if self._executor_parts is None:
            from providers.vsphere.tasks import TaskWaiter

            _widen_pool(self.session)
            self._executor_parts = (Operations(self.session), TaskWaiter(self.session))
        return self._executor_parts

    def create_folder(self, datacenter: str, path: str) -> Handle:
        return self._parts()[0].create_folder(datacenter, path)

    def create_vm(self, datacenter: str, name: str, after: Mapping[str, Any]) -> Handle:
        return self._parts()[0].create_vm(datacenter, name, after)

    def relocate(self, moref: str, after: Mapping[str, Any]) -> Handle:
        return self._parts()[0].relocate(moref, after)

    def power_off(self, moref: str, shutdown_timeout: float) -> Handle:
        return self._parts()[0].power_off(moref, shutdown_timeout)

    def reconfigure(self, moref: str, after: Mapping[str, Any]) -> Handle:
        return self._parts()[0].reconfigure(moref, after)

    def set_power(self, moref: str, power: Power, shutdown_timeout: float) -> Handle:
        return self._parts()[0].set_power(moref, power, shutdown_timeout)

    def set_markers(self, moref: str, workspace: str, prevent_destroy: bool) -> Handle:
        return self._parts()[0].set_markers(moref, workspace, prevent_destroy)

    def destroy(self, moref: str) -> Handle:
        return self._parts()[0].destroy(moref)

    def wait_any(self, handles: Any, timeout: float) -> list[tuple[Handle, Outcome]]:
        waiter = self._parts()[1]
        result: list[tuple[Handle, Outcome]] = waiter.wait_any(handles, timeout)
        return result

    def interrupt(self) -> None:
        self._parts()[1].interrupt()

    def read_vm(self, moref: str) -> LiveVM | None:
        return self._parts()[0].read_vm(moref)

    def relogin(self) -> None:
        self.session.relogin()
        _widen_pool(self.session)
        self._parts()[1].reset()


def _widen_pool(session: Session) -> None:
    """pyVmomi keeps 5 idle connections; concurrent steps would otherwise reconnect often."""
    stub = session.si._stub
    if getattr(stub, "poolSize", 0) < 64:
        stub.poolSize = 64
