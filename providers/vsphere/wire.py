"""A lean reader for the VM property pages: the raw RetrievePropertiesEx response, parsed by the
C XML parser, keeping only the ~20 leaf values vcplan uses.

pyVmomi's deserializer builds a typed object for every element (900,000 Python callbacks and
245,000 objects for 5,000 VMs' device lists: ~94 % of the bulk read's time). Here the request
is still built by pyVmomi's own serializer and sent on its connection with its session cookie;
only the response side differs. Both paths produce the same plain records (`plain_record`), so
the conversion to LiveVM has one implementation.
"""

from __future__ import annotations

import functools
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyVmomi import VmomiSupport, vim

from planner.gc_pause import collector_paused
from planner.model.diagnostics import error
from providers.vsphere.page_fetch import pipelined_pages, serial_pages
from providers.vsphere.pages import PageReader
from providers.vsphere.soap import continue_request

VIM = "{urn:vim25}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
OBJ, PROP_SET, NAME, VAL = f"{VIM}obj", f"{VIM}propSet", f"{VIM}name", f"{VIM}val"

INT_PATHS = {
    "config.hardware.numCPU",
    "config.hardware.numCoresPerSocket",
    "config.hardware.memoryMB",
}
BOOL_PATHS = {"config.template", "config.cpuHotAddEnabled", "config.memoryHotAddEnabled"}
REF_PATHS = {"parent", "resourcePool", "runtime.host"}


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """The part of a virtual device vcplan reads: is it a disk or a NIC, where, how big, on
    which network."""

    kind: str  # "disk", "nic" or "other"
    key: int = 0
    controller_key: int = 0
    unit_number: int = 0
    capacity_bytes: int = 0
    network: str | None = None  # moid of a standard network backing
    device_name: str | None = None  # its name, as a fallback
    portgroup_key: str | None = None  # distributed portgroup backing
    opaque_id: str | None = None  # NSX opaque network backing


@functools.cache
def _wsdl_class(type_name: str) -> Any:
    try:
        return VmomiSupport.GetWsdlType("urn:vim25", type_name.split(":")[-1])
    except (KeyError, AttributeError, TypeError):
        return None


def _device_kind(cls: Any) -> str:
    if cls is not None and issubclass(cls, vim.vm.device.VirtualDisk):
        return "disk"
    if cls is not None and issubclass(cls, vim.vm.device.VirtualEthernetCard):
        return "nic"
    return "other"


@functools.cache
def _kind_of_xsi_type(type_name: str) -> str:
    """A device's kind from its xsi:type, looked up once per type: 13 devices a VM on vcsim,
    of which 11 are neither disk nor NIC."""
    return _device_kind(_wsdl_class(type_name))


OTHER_DEVICE = DeviceRecord("other")  # frozen: one shared record for every other device

# --- before the parse: the other devices' bytes cut out --------------------------------------

_DEVICE_OPEN = b"<VirtualDevice "
_DEVICE_CLOSE = b"</VirtualDevice>"
_DEVICE_TYPE = re.compile(rb'([\w.-]+):type="([^"<>&]*)">')  # the tag's one attribute: xsi:type
XSI_NS = b"http://www.w3.org/2001/XMLSchema-instance"


@functools.cache
def _other_device_type(type_name: bytes) -> bool:
    return _kind_of_xsi_type(type_name.decode("utf-8", "replace")) == "other"


def without_other_devices(wrapper: bytes, batch: bytes) -> bytes:
    """A batch of whole `objects` without the devices that are neither disk nor NIC: 11 of a
    VM's 13 on vcsim, more than half the bytes of a page, which the parser then never sees
    (docs/performance.md#the-page-reader). Only an element written exactly as the WSDL's
    arrays write a device (`<VirtualDevice P:type="T">`, P declared as the XML Schema instance
    namespace, T a type the device kinds call "other") is cut, up to its end tag (a device
    holds no device); anything else is left for the parser, which reads it as before, and so
    is a batch with a comment or CDATA section (`<!`), inside which a tag is only text."""
    parts = batch.split(_DEVICE_OPEN)
    if len(parts) == 1 or b"<!" in batch:
        return batch
    xsi: dict[bytes, bool] = {}  # prefix -> declared as the XSI namespace here
    out = [parts[0]]
    keep = out.append
    for part in parts[1:]:
        m = _DEVICE_TYPE.match(part)
        if m is not None and _other_device_type(m.group(2)):
            prefix = m.group(1)
            if prefix not in xsi:
                decl = b'xmlns:%s="%s"' % (prefix, XSI_NS)
                xsi[prefix] = decl in wrapper or decl in batch
            end = part.find(_DEVICE_CLOSE) if xsi[prefix] else -1
            if end >= 0:
                keep(part[end + len(_DEVICE_CLOSE) :])
                continue
        keep(_DEVICE_OPEN)
        keep(part)
    return b"".join(out)


# --- from the wire ---------------------------------------------------------------------------


def _int(el: ET.Element | None) -> int:
    return int(el.text or 0) if el is not None else 0


def _device_from_xml(el: ET.Element) -> DeviceRecord:
    kind = _kind_of_xsi_type(el.get(XSI_TYPE, ""))
    if kind == "other":
        return OTHER_DEVICE
    capacity = _int(el.find(f"{VIM}capacityInBytes")) or _int(el.find(f"{VIM}capacityInKB")) * 1024
    backing = el.find(f"{VIM}backing")
    network = device_name = portgroup = opaque = None
    if backing is not None and kind == "nic":
        network = backing.findtext(f"{VIM}network")
        device_name = backing.findtext(f"{VIM}deviceName")
        portgroup = backing.findtext(f"{VIM}port/{VIM}portgroupKey")
        opaque = backing.findtext(f"{VIM}opaqueNetworkId")
    return DeviceRecord(
        kind,
        _int(el.find(f"{VIM}key")),
        _int(el.find(f"{VIM}controllerKey")),
        _int(el.find(f"{VIM}unitNumber")),
        capacity,
        network,
        device_name,
        portgroup,
        opaque,
    )


def _value_from_xml(path: str, val: ET.Element) -> Any:
    if path in INT_PATHS:
        return int(val.text or 0)
    if path in BOOL_PATHS:
        return (val.text or "") == "true"
    if path == "datastore":
        return [child.text or "" for child in val]
    if path == "config.hardware.device":
        return [_device_from_xml(child) for child in val]
    if path == "customValue":
        return [(int(c.findtext(f"{VIM}key") or 0), c.findtext(f"{VIM}value") or "") for c in val]
    if path == "config.extraConfig":
        return [(c.findtext(f"{VIM}key") or "", c.findtext(f"{VIM}value") or "") for c in val]
    return val.text or ""  # strings, enums and references (moids)


def _records_from_xml(objects: ET.Element) -> tuple[str, dict[str, Any]]:
    """One pass over the children (obj, then a propSet of name and val per property) instead
    of a path lookup (find/findtext/iterfind) per value."""
    moid: str | None = None
    props: dict[str, Any] = {}
    for child in objects:
        tag = child.tag
        if tag == PROP_SET:
            name: str | None = None
            val = None
            for part in child:
                if part.tag == NAME and name is None:
                    name = part.text or ""
                elif part.tag == VAL and val is None:
                    val = part
            if val is not None:
                props[name or ""] = _value_from_xml(name or "", val)
        elif tag == OBJ and moid is None:
            moid = child.text or ""
    return moid or "", props


def fetch_vm_records_wire(
    stub: Any, collector: Any, request: bytes, pipelined: bool = True
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every page of RetrievePropertiesEx/ContinueRetrievePropertiesEx, parsed lean, the next
    page fetched while this one is parsed (page_fetch.py) unless `pipelined` is False (a read
    of one page) or VCPLAN_NO_PIPELINE=1 (the benchmark's A/B). `request` is the serialized
    RetrievePropertiesEx (soap.retrieve_request). The collector stays paused until the last
    record is taken (or the generator is closed), so the caller's conversion of each record
    runs paused too."""
    next_body = functools.partial(continue_request, stub, collector)
    ahead = pipelined and os.environ.get("VCPLAN_NO_PIPELINE") != "1"
    pages = pipelined_pages if ahead else serial_pages
    reader = PageReader(without_other_devices)
    with collector_paused():
        for item in pages(stub, request, next_body):
            if isinstance(item, bytes):
                for el in reader.feed(item):
                    yield _records_from_xml(el)
                    if reader.elements_kept:
                        el.clear()
                continue
            if reader.close() != item:  # the fetcher's scan and the parser disagree on the token
                raise error("vCenter's inventory page could not be read: its token is ambiguous")
            reader = PageReader(without_other_devices)


# --- from pyVmomi objects (the reference path, VCPLAN_PARSER=pyvmomi) -------------------------


def _device_from_pyvmomi(dev: Any) -> DeviceRecord:
    kind = _device_kind(type(dev))
    if kind == "other":
        return DeviceRecord("other")
    backing = dev.backing
    return DeviceRecord(
        kind,
        dev.key or 0,
        dev.controllerKey or 0,
        dev.unitNumber or 0,
        dev.capacityInBytes or (dev.capacityInKB or 0) * 1024 if kind == "disk" else 0,
        getattr(getattr(backing, "network", None), "_moId", None),
        getattr(backing, "deviceName", None),
        getattr(getattr(backing, "port", None), "portgroupKey", None),
        getattr(backing, "opaqueNetworkId", None),
    )


def plain_record(props: dict[str, Any]) -> dict[str, Any]:
    """pyVmomi property values -> the same plain values the wire reader produces."""
    plain: dict[str, Any] = {}
    for path, value in props.items():
        if path in REF_PATHS:
            plain[path] = value._moId if value is not None else ""
        elif path == "datastore":
            plain[path] = [d._moId for d in value or []]
        elif path == "config.hardware.device":
            plain[path] = [_device_from_pyvmomi(d) for d in value or []]
        elif path in ("customValue", "config.extraConfig"):
            plain[path] = [(v.key, str(getattr(v, "value", ""))) for v in value or []]
        elif isinstance(value, vim.ManagedEntity) or hasattr(value, "_moId"):
            plain[path] = value._moId
        else:
            plain[path] = value
    return plain
