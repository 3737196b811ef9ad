"""One VM read back during an apply (the executor's re-checks and the read after a create).

The VM's own properties are one RetrievePropertiesEx. Turning them into a LiveVM needs the names
of its host, cluster, pool, folder and datastores and of the custom attributes; those come from
a topology and field list read once per apply and read again only when a VM names an object or
a field they do not know (a folder the apply just created, a host added meanwhile). Reading them
per VM cost two more round trips each, one of them over the whole vCenter's containers.

The executor re-checks the VMs of a wave of steps together (`read_vms`): one
RetrievePropertiesEx with one ObjectSpec per VM, its response parsed by the lean wire reader
(providers/vsphere/wire.py) instead of pyVmomi's deserializer, which held the interpreter lock
for ~1 ms a VM while the steps of the wave waited to be submitted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from pyVmomi import vim, vmodl

from planner.apply.provider import OperationRefused, SessionExpired
from planner.model import LiveVM
from planner.model.diagnostics import DiagnosticError
from providers.vsphere.inventory import VM_PROPERTIES, Topology, retrieve_options
from providers.vsphere.live_vm import live_vm
from providers.vsphere.lookup import call
from providers.vsphere.session import Session
from providers.vsphere.soap import retrieve_request
from providers.vsphere.wire import fetch_vm_records_wire, plain_record

_PLACEHOLDER = b"vcplan-wave-vm"
_OBJECT_SPEC = b'<objectSet><obj type="VirtualMachine">' + _PLACEHOLDER + b"</obj></objectSet>"


def _vm_spec(stub: Any, morefs: Sequence[str], missing: bool) -> Any:
    """The FilterSpec of these VMs' properties. `missing`: a VM gone meanwhile is reported
    in the results instead of failing the whole read (a wave); a lone VM's read lets it fail,
    which is how it learns the VM is gone."""
    pc = vmodl.query.PropertyCollector
    return pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=vim.VirtualMachine(m, stub)) for m in morefs],
        propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=VM_PROPERTIES)],
        reportMissingObjectsInResults=missing,
    )


def _wave_request(stub: Any, collector: Any, morefs: Sequence[str]) -> bytes:
    """The RetrievePropertiesEx of these VMs, as pyVmomi serializes it."""
    spec = _vm_spec(stub, morefs, missing=True)
    return retrieve_request(stub, collector, spec, retrieve_options())


def _around_one(stub: Any, collector: Any) -> tuple[bytes, bytes] | None:
    """What pyVmomi serializes before and after the ObjectSpec of a one-VM wave read; None
    if it does not write that ObjectSpec as expected (every wave is then serialized whole)."""
    body = _wave_request(stub, collector, [_PLACEHOLDER.decode()])
    head, found, tail = body.partition(_OBJECT_SPEC)
    return (head, tail) if found and _OBJECT_SPEC not in tail else None


class ReadBack:
    def __init__(self, session: Session):
        self.session = session
        self._lock = threading.Lock()
        self._topology: Topology | None = None
        self._fields: dict[int, str] = {}
        self._template: tuple[bytes, bytes] | None = None
        self._template_built = False

    def read_vm(self, moref: str) -> LiveVM | None:
        """The VM as it is now; None when it is gone."""
        props = self._properties(moref)
        live = None
        if props is not None:
            record = plain_record(props)
            topology, fields = self._names(record)
            live = live_vm(moref, record, topology, fields, self.session.is_esx)
        if live is None:
            self._check_session()
        return live

    def read_vms(self, morefs: Sequence[str]) -> dict[str, LiveVM | None]:
        """Several VMs as they are now, in one round trip. A VM the bulk read does not return
        whole (gone, not yet readable, or the read faulted) is read on its own by `read_vm`,
        which tells a deleted VM from an expired session: the fast path never decides "gone"."""
        if not morefs:
            return {}
        try:
            records = dict(self._records(morefs))
        except (DiagnosticError, OperationRefused):
            records = {}
        result: dict[str, LiveVM | None] = {}
        for moref in morefs:
            record = records.get(moref)
            live = None
            if record:
                topology, fields = self._names(record)
                live = live_vm(moref, record, topology, fields, self.session.is_esx)
            result[moref] = live if live is not None else self.read_vm(moref)
        return result

    def _records(self, morefs: Sequence[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(moref, plain record) of each VM that exists. reportMissingObjectsInResults: a VM
        deleted meanwhile is left out (or comes without properties) instead of failing the read."""
        stub = self.session.si._stub
        collector = self.session.content.propertyCollector
        body = self._request(stub, collector, morefs)
        # one page (a wave is at most a page): no thread to fetch a next one
        yield from fetch_vm_records_wire(stub, collector, body, pipelined=False)

    def _request(self, stub: Any, collector: Any, morefs: Sequence[str]) -> bytes:
        """The wave's RetrievePropertiesEx: serialized by pyVmomi once, for one placeholder VM,
        then its ObjectSpec repeated a VM (building and serializing them was a fifth of a small
        wave's read, on the way from one VM back to the next one down)."""
        if not self._template_built:
            self._template, self._template_built = _around_one(stub, collector), True
        around = self._template
        if around is None:
            return _wave_request(stub, collector, morefs)
        objects = (_OBJECT_SPEC.replace(_PLACEHOLDER, escape(m).encode()) for m in morefs)
        return around[0] + b"".join(objects) + around[1]

    def reset(self) -> None:
        """After a relogin: the new session's stub negotiated its API version anew, and the wave
        template is that version's serialization. The same vCenter gives the same version (and
        the collector keeps its moid), so this costs one serialization per relogin, no more."""
        self._template, self._template_built = None, False

    def _properties(self, moref: str) -> dict[str, Any] | None:
        spec = _vm_spec(self.session.si._stub, [moref], missing=False)
        try:
            result = call(
                self.session.content.propertyCollector.RetrievePropertiesEx,
                [spec],
                vmodl.query.PropertyCollector.RetrieveOptions(),
            )
        except OperationRefused:
            return None  # ManagedObjectNotFound: deleted behind our back, or so it seems
        if result is None or not result.objects:
            return None
        return {p.name: p.val for p in result.objects[0].propSet or []}

    def _check_session(self) -> None:
        """ "Gone" makes apply refuse the VM: be sure it is not our session that went. vcsim
        answers an ended session's property read with nothing instead of NotAuthenticated."""
        current = call(lambda: self.session.content.sessionManager.currentSession)
        if current is None:
            raise SessionExpired("the vCenter session is no longer valid")

    def _names(self, record: Mapping[str, Any]) -> tuple[Topology, dict[int, str]]:
        with self._lock:
            if self._topology is None or not self._knows(record):
                self._refresh()
            assert self._topology is not None
            return self._topology, self._fields

    def _knows(self, record: Mapping[str, Any]) -> bool:
        assert self._topology is not None
        nodes = self._topology.nodes
        placed = [record.get("runtime.host"), record.get("resourcePool"), record.get("parent")]
        placed += list(record.get("datastore") or [])
        if any(moid and moid not in nodes for moid in placed):
            return False
        return all(key in self._fields for key, _value in record.get("customValue") or [])

    def _refresh(self) -> None:
        topology = call(Topology, self.session)  # an expired session is SessionExpired here too
        manager = self.session.content.customFieldsManager
        self._fields = {f.key: f.name for f in (call(lambda: manager.field) if manager else [])}
        self._topology = topology
