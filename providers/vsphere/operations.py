"""The executor's operations on vCenter: each submits a task (or makes a synchronous call) and
returns a Handle at once; providers/vsphere/tasks.py waits for them.

Each operation acts on the attributes the planner says changed (the attribute table decides,
planner/model/attributes.py); it does not decide again. Written for a real vCenter; where the
simulator differs (of a clone's config spec it keeps only extraConfig and instanceUuid, and it
ignores the relocate spec and the powerOn flag) the
executor's read-back after a create reconciles the rest. Returns planner types only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from uuid import uuid4

from pyVmomi import vim, vmodl

from planner.apply.provider import Handle, OperationRefused
from planner.model import (
    INSTANCE_MARKER,
    PREVENT_DESTROY_MARKER,
    WORKSPACE_MARKER,
    LiveVM,
    Power,
)
from providers.vsphere.customization import nic_count, specification
from providers.vsphere.devices import Devices
from providers.vsphere.guards import refuse_if_name_taken
from providers.vsphere.lookup import Lookup, call, done, task_handle
from providers.vsphere.readback import ReadBack
from providers.vsphere.session import Session
from providers.vsphere.soap import invoke
from providers.vsphere.tasks import Watch

# configuration attribute -> vim.vm.ConfigSpec field
CONFIG_SPEC_FIELDS = {
    "cpus": "numCPUs",
    "cores_per_socket": "numCoresPerSocket",
    "memory_mb": "memoryMB",
    "annotation": "annotation",
}
POWER_STATE = {Power.ON: "poweredOn", Power.OFF: "poweredOff", Power.SUSPENDED: "suspended"}
_fields_lock = threading.Lock()


def _option_values(values: Mapping[str, str]) -> list[Any]:
    """extraConfig entries; vCenter adds a key that is missing and replaces one that exists."""
    return [vim.option.OptionValue(key=k, value=str(v)) for k, v in values.items()]


def _marker_values(workspace: str, prevent_destroy: bool) -> dict[str, str]:
    """The ownership markers as vCenter stores them (docs/language.md#ownership)."""
    return {WORKSPACE_MARKER: workspace, PREVENT_DESTROY_MARKER: str(prevent_destroy).lower()}


def _mark_from_creation(spec: Any, after: Mapping[str, Any]) -> None:
    """Ownership first (docs/language.md#ownership): the create spec itself carries the markers
    in extraConfig, bound to an instance UUID it chooses, so the VM is this workspace's from the
    moment it exists, even if the apply stops before the markers step writes the custom
    attributes (which stay what users see, and win once written)."""
    uuid = str(uuid4())
    spec.instanceUuid = uuid
    markers = {
        **_marker_values(after["workspace"], bool(after.get("prevent_destroy"))),
        INSTANCE_MARKER: uuid,
    }
    spec.extraConfig = list(spec.extraConfig or []) + _option_values(markers)


class Operations(Lookup):
    """Operations for one session."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.devices = Devices(self)
        self.readback = ReadBack(session)
        self._field_keys: dict[str, int] = {}  # custom attribute name -> key, read once

    # --- read back -------------------------------------------------------------------------

    def read_vm(self, moref: str) -> LiveVM | None:
        return self.readback.read_vm(moref)

    def read_vms(self, morefs: Sequence[str]) -> dict[str, LiveVM | None]:
        return self.readback.read_vms(morefs)

    def _live(self, moref: str, live: LiveVM | None) -> LiveVM:
        """The VM as the executor's re-check just read it, else read now."""
        live = live or self.read_vm(moref)
        if live is None:
            raise OperationRefused(f"{moref} no longer exists")
        return live

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
        return done("" if created else "already there")

    # --- create ----------------------------------------------------------------------------

    def create_vm(self, datacenter: str, name: str, after: Mapping[str, Any]) -> Handle:
        dc = self.datacenter(datacenter)
        folder = self.folder(dc, after.get("folder"))
        call(refuse_if_name_taken, self.session, folder, name)
        compute, host = self.compute(dc, after)
        pool = self.pool(compute, after.get("resource_pool"))
        datastore = self.datastore(dc, after["datastore"]) if after.get("datastore") else None
        config = self._hardware_spec(after)
        _mark_from_creation(config, after)
        if after.get("template"):
            template = self._named(dc.vmFolder, vim.VirtualMachine, after["template"], "template")
            location = vim.vm.RelocateSpec(pool=pool, host=host, datastore=datastore)
            # powered off: customization runs at the first power-on, the create's POWER step
            clone = vim.vm.CloneSpec(
                location=location, config=config, powerOn=False, template=False
            )
            if after.get("customize"):
                clone.customization = specification(
                    after["customize"], call(nic_count, template), after["template"]
                )
            return task_handle(call(template.CloneVM_Task, folder=folder, name=name, spec=clone))
        if datastore is None:
            stores = (host.datastore if host else compute.datastore) or []
            if not stores:
                raise OperationRefused(f"no datastore to create {name!r} on")
            datastore = stores[0]
        config.name = name
        config.guestId = "otherGuest64"
        config.files = vim.vm.FileInfo(vmPathName=f"[{datastore.name}]")
        config.deviceChange = self.devices.new_devices(dc, after)
        return task_handle(call(folder.CreateVM_Task, config=config, pool=pool, host=host))

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
        if after.get("extra_config"):
            spec.extraConfig = _option_values(after["extra_config"])
        return spec

    def relocate(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        """One RelocateVM_Task for the placement attributes in `changed`. A new cluster or
        standalone host with no host pinned names one of its hosts (DRS may move it on)."""
        vm = self.vm(moref)
        dc = self.datacenter(self._live(moref, live).datacenter)
        compute, host = self.compute(dc, after)
        spec = vim.vm.RelocateSpec()
        new_compute = "cluster" in changed or ("host" in changed and after.get("cluster") is None)
        if "host" in changed and host is not None:
            spec.host = host
        elif new_compute and host is None:
            spec.host = next(iter(compute.host), None)
        if new_compute or "resource_pool" in changed:
            spec.pool = self.pool(compute, after.get("resource_pool"))
        if "datastore" in changed and after.get("datastore"):
            spec.datastore = self.datastore(dc, after["datastore"])
        if "folder" in changed and after.get("folder") is not None:
            spec.folder = self.folder(dc, after["folder"])
        if not any((spec.host, spec.pool, spec.datastore, spec.folder)):
            return done("already in place")
        return task_handle(call(vm.RelocateVM_Task, spec=spec))

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

    def _power_of(self, vm: Any, live: LiveVM | None) -> tuple[str, bool]:
        """(power state, Tools running) from the VM the re-check just read, else read now."""
        if live is None:
            return self._power_facts(vm)
        return POWER_STATE[live.power], live.tools_running

    def power_off(self, moref: str, shutdown_timeout: float, live: LiveVM | None = None) -> Handle:
        """Guest shutdown when VMware Tools run, then a hard power off if the guest is still up
        after `shutdown_timeout`; a hard power off at once without Tools (or when suspended)."""
        vm = self.vm(moref)
        state, tools = self._power_of(vm, live)
        if state == "poweredOff":
            return done("already off")
        if state == "poweredOn" and tools:
            call(invoke, vm, "ShutdownGuest")
            return Handle(
                token=Watch(
                    vm=vm,
                    want_power="poweredOff",
                    deadline=time.monotonic() + shutdown_timeout,
                    on_timeout=lambda: call(invoke, self.vm(moref), "PowerOffVM_Task"),
                    note="guest shutdown",
                )
            )
        return task_handle(
            call(invoke, vm, "PowerOffVM_Task"), note="hard power off (VMware Tools not running)"
        )

    def restart(self, moref: str, timeout: float, live: LiveVM | None = None) -> Handle:
        """A guest reboot when VMware Tools run: done once Tools have gone away and report
        running again (the guest came back, not just the VM); a reset (ResetVM_Task) without
        Tools, done once the VM is powered on. A guest that ignores the reboot, or a VM not back
        within `timeout`, fails: apply never falls back to a reset behind your back."""
        vm = self.vm(moref)
        state, tools = self._power_of(vm, live)
        if state != "poweredOn":
            raise OperationRefused(f"{moref} is {state}; only a running VM is restarted")
        deadline = time.monotonic() + timeout
        late = f"not back within {timeout:g} s of the restart"
        if tools:
            call(invoke, vm, "RebootGuest")
            return Handle(
                token=Watch(
                    vm=vm,
                    want_power="poweredOn",
                    reboot="going",
                    deadline=deadline,
                    timeout_error=late,
                    note="guest reboot",
                )
            )
        return task_handle(
            call(invoke, vm, "ResetVM_Task"),
            vm=vm,
            want_power="poweredOn",
            deadline=deadline,
            timeout_error=late,
            note="reset (VMware Tools not running)",
        )

    def set_power(
        self, moref: str, power: Power, shutdown_timeout: float, live: LiveVM | None = None
    ) -> Handle:
        vm = self.vm(moref)
        state, _tools = self._power_of(vm, live)
        if state == POWER_STATE[power]:
            return done(f"already {power.value}")
        if power is Power.OFF:
            return self.power_off(moref, shutdown_timeout, live)
        if power is Power.ON:
            return task_handle(call(invoke, vm, "PowerOnVM_Task"))
        if state == "poweredOn":
            return task_handle(call(invoke, vm, "SuspendVM_Task"))
        # off -> suspended: vCenter only suspends a running VM
        return task_handle(
            call(invoke, vm, "PowerOnVM_Task"),
            then=[lambda: call(invoke, self.vm(moref), "SuspendVM_Task")],
        )

    # --- reconfigure -----------------------------------------------------------------------

    def reconfigure(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        """One ReconfigVM_Task for the hardware, annotation, extraConfig keys and devices in
        `changed` (only the extraConfig keys that differ are sent); custom attributes are set
        through the CustomFieldsManager (they are not part of a ConfigSpec)."""
        vm = self.vm(moref)
        live = self._live(moref, live)
        spec = vim.vm.ConfigSpec()
        edited = False
        for key, field in CONFIG_SPEC_FIELDS.items():
            if key in changed and after.get(key) is not None:
                setattr(spec, field, after[key])
                edited = True
        if "extra_config" in changed:
            pending = {
                k: v
                for k, v in (after.get("extra_config") or {}).items()
                if live.extra_config.get(k) != v
            }
            if pending:
                spec.extraConfig = _option_values(pending)
                edited = True
        devices = self.devices.changes(vm, live, after, changed)
        if devices:
            spec.deviceChange = devices
            edited = True
        attributes = {}
        if "attributes" in changed:
            attributes = {
                k: str(v)
                for k, v in (after.get("attributes") or {}).items()
                if live.attributes.get(k) != v
            }
        if attributes:
            self._set_fields(vm, attributes)
        if not edited:
            return done("" if attributes else "already in place")
        return task_handle(call(vm.ReconfigVM_Task, spec=spec))

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
        values = _marker_values(workspace, prevent_destroy)
        if self.session.is_esx:
            spec = vim.vm.ConfigSpec(extraConfig=_option_values(values))
            return task_handle(call(vm.ReconfigVM_Task, spec=spec))
        self._set_fields(vm, values)
        return done()

    # --- delete ----------------------------------------------------------------------------

    def destroy(self, moref: str) -> Handle:
        return task_handle(call(self.vm(moref).Destroy_Task))
