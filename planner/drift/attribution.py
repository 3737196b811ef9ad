"""Who changed what, and when: match vCenter events to drift findings (docs/drift.md,
"Who changed it").

Takes the events the provider read (plain VCenterEvent records, newest or oldest first, any
order) and a DriftReport; returns the report with `changed_by`, `changed_at` and `event` filled
in on each drifted attribute, missing VM and unmanaged VM an event explains. The latest
explaining event within the window wins. Pure; must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from planner.drift.findings import AttributeDrift, DriftReport, MissingVM, UnmanagedVM
from planner.model.diagnostics import error

DEFAULT_SINCE = "7d"

# What each field of a VmReconfiguredEvent's configSpec changes, by configuration attribute.
# The provider names the device kinds of a deviceChange as "deviceChange.disk" / ".nic".
SPEC_FIELDS: Mapping[str, frozenset[str]] = {
    "numCPUs": frozenset({"cpus"}),
    "numCoresPerSocket": frozenset({"cores_per_socket"}),
    "memoryMB": frozenset({"memory_mb"}),
    "annotation": frozenset({"annotation"}),
    "extraConfig": frozenset({"extra_config", "workspace", "prevent_destroy"}),
    "deviceChange.disk": frozenset({"disk"}),
    "deviceChange.nic": frozenset({"network_interface"}),
}
POWER_EVENTS = frozenset(
    {"VmPoweredOnEvent", "VmPoweredOffEvent", "VmSuspendedEvent", "VmGuestShutdownEvent"}
)
PLACEMENT_EVENTS = frozenset({"VmMigratedEvent", "DrsVmMigratedEvent", "VmRelocatedEvent"})
APPEARED_EVENTS = frozenset(
    {"VmCreatedEvent", "VmClonedEvent", "VmRegisteredEvent", "VmDeployedEvent"}
)
TAG_EVENTS = frozenset({"com.vmware.cis.tagging.attach", "com.vmware.cis.tagging.detach"})
# Every event type the provider asks vCenter for: nothing else can explain a finding.
EVENT_TYPES = tuple(
    sorted(
        {
            "VmReconfiguredEvent",
            "VmRenamedEvent",
            "VmRemovedEvent",
            "CustomFieldValueChangedEvent",
            *POWER_EVENTS,
            *PLACEMENT_EVENTS,
            *APPEARED_EVENTS,
        }
    )
)
PLACEMENT = frozenset({"cluster", "host", "resource_pool", "datastore"})
MARKERS = {"vcplan.workspace": "workspace", "vcplan.prevent_destroy": "prevent_destroy"}


@dataclass(frozen=True, slots=True)
class VCenterEvent:
    """One vCenter event about a VM, as plain data.

    `kind` is vCenter's type name (or an EventEx's eventTypeId), `vm` the VM's moref, `name` the
    VM's name in the event, `spec_fields` the configSpec fields a reconfigure set, `field` the
    custom attribute a CustomFieldValueChangedEvent set, `old_name` a rename's previous name."""

    kind: str
    vm: str
    name: str
    datacenter: str | None
    created_at: datetime  # timezone-aware
    user: str
    message: str
    spec_fields: frozenset[str] = frozenset()
    field: str = ""
    old_name: str = ""


@dataclass(frozen=True, slots=True)
class Attribution:
    changed_by: str | None
    changed_at: str  # ISO 8601, UTC
    event: str  # vCenter's fullFormattedMessage


def parse_since(text: str) -> timedelta:
    """`30m`, `12h`, `7d` (also `45s`, `2w`): how far back events may explain drift."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text or "")
    if not match or int(match.group(1)) == 0:
        raise error(
            f"--since {text!r} is not a duration",
            hint="write a number and a unit: 30m, 12h or 7d",
        )
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    return timedelta(**{unit[match.group(2)]: int(match.group(1))})


def explains(event: VCenterEvent, attribute: str) -> bool:
    """Whether `event` can have changed `attribute` of its VM."""
    if event.kind == "VmReconfiguredEvent":
        return any(attribute in SPEC_FIELDS.get(f, ()) for f in event.spec_fields)
    if event.kind in POWER_EVENTS:
        return attribute == "power"
    if event.kind in PLACEMENT_EVENTS:
        return attribute in PLACEMENT
    if event.kind == "CustomFieldValueChangedEvent":
        return MARKERS.get(event.field, "attributes") == attribute
    if event.kind in TAG_EVENTS:
        return attribute == "tags"
    return False


def attribution(event: VCenterEvent) -> Attribution:
    return Attribution(
        changed_by=event.user or None,
        changed_at=event.created_at.astimezone(UTC).isoformat(timespec="seconds"),
        event=event.message,
    )


def latest(events: Iterable[VCenterEvent]) -> Attribution | None:
    found = max(events, key=lambda e: e.created_at, default=None)
    return attribution(found) if found is not None else None


def explain_attribute(
    events: Iterable[VCenterEvent], moref: str, attribute: str
) -> Attribution | None:
    return latest(e for e in events if e.vm == moref and explains(e, attribute))


def explain_missing(events: Iterable[VCenterEvent], vm: MissingVM) -> Attribution | None:
    """A declared VM is missing because it was removed, or renamed away from its name."""

    def gone(e: VCenterEvent) -> bool:
        if e.datacenter is not None and e.datacenter != vm.datacenter:
            return False
        if e.kind == "VmRemovedEvent":
            return e.name == vm.name
        return e.kind == "VmRenamedEvent" and e.old_name == vm.name

    return latest(e for e in events if gone(e))


def explain_appeared(events: Iterable[VCenterEvent], moref: str) -> Attribution | None:
    """An unmanaged VM appeared: created, cloned, registered, deployed, or renamed to its name."""
    return latest(
        e
        for e in events
        if e.vm == moref and (e.kind in APPEARED_EVENTS or e.kind == "VmRenamedEvent")
    )


def within(events: Iterable[VCenterEvent], now: datetime, since: timedelta) -> list[VCenterEvent]:
    return [e for e in events if now - since <= e.created_at <= now + timedelta(minutes=5)]


def _attribute_drift(drift: AttributeDrift, found: Attribution | None) -> AttributeDrift:
    if found is None:
        return drift
    return replace(
        drift, changed_by=found.changed_by, changed_at=found.changed_at, event=found.event
    )


def attribute_report(
    report: DriftReport, events: Iterable[VCenterEvent], now: datetime, since: timedelta
) -> DriftReport:
    """The report with each finding's explaining event; findings no event explains keep None.
    vCenter's time filter is not trusted alone (the simulator ignores it): the window is
    re-checked here."""
    kept = within(events, now, since)
    drifted = tuple(
        replace(
            d,
            attributes=tuple(
                _attribute_drift(a, explain_attribute(kept, d.moref, a.attribute))
                for a in d.attributes
            ),
        )
        for d in report.drifted
    )
    missing = tuple(_with(m, explain_missing(kept, m)) for m in report.missing)
    unmanaged = tuple(_with(u, explain_appeared(kept, u.moref)) for u in report.unmanaged)
    return replace(report, drifted=drifted, missing=missing, unmanaged=unmanaged)


Found = TypeVar("Found", MissingVM, UnmanagedVM)


def _with(item: Found, found: Attribution | None) -> Found:
    if found is None:
        return item
    return replace(
        item, changed_by=found.changed_by, changed_at=found.changed_at, event=found.event
    )


def wanted(report: DriftReport) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """What the provider must read events for: the morefs of drifted and unmanaged VMs, and the
    (datacenter, name) of missing ones. Nothing when there is nothing to explain."""
    morefs = {d.moref for d in report.drifted if d.attributes} | {u.moref for u in report.unmanaged}
    names = {(m.datacenter, m.name) for m in report.missing}
    return frozenset(morefs - {""}), frozenset(names)


def relevant(
    event: VCenterEvent, morefs: frozenset[str], names: frozenset[tuple[str, str]]
) -> bool:
    """The provider's client-side filter: vCenter's event filter takes one entity at most."""
    if event.vm in morefs:
        return True
    if event.kind == "VmRemovedEvent":
        return any(name == event.name for _, name in names)
    if event.kind == "VmRenamedEvent":
        return any(name == event.old_name for _, name in names)
    return False
