"""Read the vCenter events that can explain drift, in bulk (docs/drift.md, "Who changed it").

One EventHistoryCollector for the whole fleet, filtered by vCenter on time (--since) and on the
event types planner.drift.attribution can match; the VMs are filtered here, because an
EventFilterSpec names at most one entity and a collector per drifted VM would cost three round
trips per VM. Cost: create, page size, one ReadNextEvents per 1,000 events, destroy.
Returns planner.drift.attribution.VCenterEvent records; nothing above this module sees pyVmomi.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyVmomi import vim

from planner.drift.attribution import EVENT_TYPES, VCenterEvent, relevant
from providers.vsphere.session import Session

PAGE_SIZE = 1000
MAX_PAGES = 50  # 50,000 events of the chosen types within --since; beyond, the read stops

_SPEC_FIELDS = ("numCPUs", "numCoresPerSocket", "memoryMB", "annotation", "extraConfig")


@dataclass(frozen=True, slots=True)
class EventRead:
    events: tuple[VCenterEvent, ...]
    round_trips: int
    complete: bool  # False when MAX_PAGES were read and more events remained


def _spec_fields(spec: Any) -> frozenset[str]:
    """The configSpec fields a reconfigure set; a deviceChange is named by device kind."""
    if spec is None:
        return frozenset()
    fields = {name for name in _SPEC_FIELDS if getattr(spec, name, None) not in (None, [])}
    for change in getattr(spec, "deviceChange", None) or []:
        device = getattr(change, "device", None)
        if isinstance(device, vim.vm.device.VirtualDisk):
            fields.add("deviceChange.disk")
        elif isinstance(device, vim.vm.device.VirtualEthernetCard):
            fields.add("deviceChange.nic")
    return frozenset(fields)


def _moref(argument: Any, attribute: str) -> str:
    ref = getattr(argument, attribute, None) if argument is not None else None
    return str(ref._moId) if ref is not None else ""


def to_event(raw: Any) -> VCenterEvent | None:
    """A pyVmomi event as plain data; None for an event that names no VM."""
    kind = raw.eventTypeId if isinstance(raw, vim.event.EventEx) else raw._wsdlName
    vm_arg = getattr(raw, "vm", None)
    moref = _moref(vm_arg, "vm")
    field = ""
    if isinstance(raw, vim.event.CustomFieldValueChangedEvent):
        moref = moref or _moref(raw.entity, "entity")
        field = raw.name or ""
    if not moref and vm_arg is None:
        return None
    created = raw.createdTime
    if not isinstance(created, datetime):
        return None
    return VCenterEvent(
        kind=str(kind),
        vm=moref,
        name=getattr(vm_arg, "name", "") or "",
        datacenter=getattr(getattr(raw, "datacenter", None), "name", None),
        created_at=created,
        user=raw.userName or "",
        message=raw.fullFormattedMessage or "",
        spec_fields=_spec_fields(getattr(raw, "configSpec", None)),
        field=field,
        old_name=getattr(raw, "oldName", "") or "",
    )


def read_events(
    session: Session,
    since: datetime,
    morefs: frozenset[str],
    names: frozenset[tuple[str, str]],
) -> EventRead:
    """The events since `since` about the VMs `morefs`, or removing/renaming away `names`.
    Reads nothing when there is nothing to explain. vCenter's collector starts at the oldest
    matching event; events are kept in any order and the latest is chosen by the planner."""
    if not morefs and not names:
        return EventRead((), 0, True)
    manager = session.content.eventManager
    spec = vim.event.EventFilterSpec(
        time=vim.event.EventFilterSpec.ByTime(beginTime=since),
        eventTypeId=list(EVENT_TYPES),
    )
    collector = manager.CreateCollectorForEvents(filter=spec)
    round_trips = 2  # create and destroy
    found: list[VCenterEvent] = []
    complete = True
    try:
        # vcsim keeps a collector's events in its latest page only (10 by default).
        collector.SetCollectorPageSize(PAGE_SIZE)
        round_trips += 1
        for number in range(1, MAX_PAGES + 1):
            page = list(collector.ReadNextEvents(PAGE_SIZE) or [])
            round_trips += 1
            for raw in page:
                event = to_event(raw)
                if event is not None and relevant(event, morefs, names):
                    found.append(event)
            if len(page) < PAGE_SIZE:
                break
            complete = number < MAX_PAGES
    finally:
        with contextlib.suppress(Exception):  # a collector dies with its session anyway
            collector.DestroyCollector()
    return EventRead(tuple(found), round_trips, complete)
