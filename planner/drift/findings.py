"""Drift: what differs between a configuration and vCenter, as a report (docs/drift.md).

Takes a DesiredConfig and an Inventory, returns a DriftReport in four categories. Unlike the
planner (planner.plan.diff), drift never refuses: a VM of another workspace or a protected VM that
a plan would reject is a finding here, not an error. Pure; must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from planner.model import DesiredConfig, DesiredVM, Inventory, LiveVM, Scope
from planner.plan.compare import compare

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class AttributeDrift:
    """One drifted attribute; the changed_* fields come from the vCenter event that explains
    it (planner.drift.attribution), None when no event within --since does."""

    attribute: str
    expected: Any  # the configuration's value
    actual: Any  # vCenter's value
    changed_by: str | None = None
    changed_at: str | None = None  # ISO 8601, UTC
    event: str | None = None  # vCenter's own message
    # inside a structured value, the elements that drifted: (path, expected, actual)
    elements: tuple[tuple[str, Any, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class DriftedVM:
    """A declared VM present in vCenter whose managed attributes differ from the configuration.

    `owner` is the live workspace marker: None means "not yet adopted" (apply would mark it),
    another name means the VM belongs to that workspace (a plan would refuse it)."""

    address: str
    datacenter: str
    name: str
    cluster: str | None
    host: str
    declared_at: str
    owner: str | None
    attributes: tuple[AttributeDrift, ...]
    notes: tuple[str, ...] = ()
    moref: str = ""  # the live VM, to find its events


@dataclass(frozen=True, slots=True)
class MissingVM:
    """A declared VM that vCenter does not have."""

    address: str
    datacenter: str
    name: str
    cluster: str | None
    host: str | None
    declared_at: str
    note: str = ""
    changed_by: str | None = None  # from a VmRemovedEvent or VmRenamedEvent
    changed_at: str | None = None
    event: str | None = None


@dataclass(frozen=True, slots=True)
class UndeclaredVM:
    """A VM carrying this workspace's marker that the configuration no longer declares."""

    address: str
    datacenter: str
    name: str
    cluster: str | None
    host: str
    power: str
    prevent_destroy: bool


@dataclass(frozen=True, slots=True)
class UnmanagedVM:
    """A VM inside a declared cluster or standalone host that this workspace does not manage.
    `workspace` is another workspace's marker, or None when the VM has none."""

    address: str
    datacenter: str
    name: str
    cluster: str | None
    host: str
    power: str
    workspace: str | None
    template: bool
    moref: str = ""
    changed_by: str | None = None  # from the event that made it appear (created, cloned, ...)
    changed_at: str | None = None
    event: str | None = None


@dataclass(frozen=True, slots=True)
class DriftReport:
    workspace: str
    url: str  # never carries a credential
    created_at: str  # ISO 8601, UTC
    drifted: tuple[DriftedVM, ...]
    missing: tuple[MissingVM, ...]
    undeclared: tuple[UndeclaredVM, ...]
    unmanaged: tuple[UnmanagedVM, ...]
    in_sync: int  # declared VMs present in vCenter that match the configuration
    out_of_scope: tuple[str, ...] = ()  # declared VMs outside the URL's scope: not checked

    @property
    def has_drift(self) -> bool:
        return bool(self.drifted or self.missing or self.undeclared or self.unmanaged)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "drifted": len(self.drifted),
            "missing": len(self.missing),
            "undeclared": len(self.undeclared),
            "unmanaged": len(self.unmanaged),
            "in_sync": self.in_sync,
        }

    @property
    def datacenters(self) -> list[str]:
        """Every datacenter with a finding, sorted: the renderers' sections."""
        found: set[str] = set()
        for group in (self.drifted, self.missing, self.undeclared, self.unmanaged):
            found.update(item.datacenter for item in group)
        return sorted(found)


def _in_scope(vm: DesiredVM, scope: Scope) -> bool:
    """Whether the URL's path covers where the VM is declared; a VM in a cluster without a
    pinned host may be on any host, so a host-scoped read cannot say it is missing."""
    if scope.datacenter is not None and vm.datacenter != scope.datacenter:
        return False
    if scope.cluster is not None and vm.cluster != scope.cluster:
        return False
    return scope.host is None or vm.host == scope.host


def _missing_note(vm: DesiredVM, inventory: Inventory) -> str:
    """Why a declared VM may be missing: its datacenter, cluster or host is not there either."""
    if vm.datacenter not in inventory.datacenters:
        return f"datacenter {vm.datacenter!r} does not exist in vCenter"
    clusters = {(c.datacenter, c.name) for c in inventory.clusters}
    if vm.cluster is not None and (vm.datacenter, vm.cluster) not in clusters:
        return f"cluster {vm.cluster!r} does not exist in vCenter"
    hosts = {(h.datacenter, h.name) for h in inventory.hosts}
    if vm.host is not None and (vm.datacenter, vm.host) not in hosts:
        return f"host {vm.host!r} does not exist in vCenter"
    return ""


def _drifted(vm: DesiredVM, matches: list[LiveVM], workspace: str) -> DriftedVM | None:
    live = matches[0]
    notes = []
    if len(matches) > 1:
        notes.append(f"{len(matches)} VMs of this name exist; compared with the first found")
    if live.template:
        notes.append("it is a template in vCenter, not a VM")
    result = compare(vm, live, workspace)
    if not result.diffs and not notes:
        return None
    return DriftedVM(
        address=vm.address,
        datacenter=vm.datacenter,
        name=vm.name,
        cluster=live.cluster,
        host=live.host,
        declared_at=str(vm.pos),
        owner=live.workspace,
        attributes=tuple(
            AttributeDrift(
                d.attribute,
                d.after,
                d.before,
                elements=tuple((e.path, e.after, e.before) for e in d.elements),
            )
            for d in result.diffs
        ),
        notes=tuple(notes),
        moref=live.moref,
    )


def _inside(live: LiveVM, containers: set[tuple[str, str | None, str | None]]) -> bool:
    """A declared cluster holds its VMs; a declared standalone host block holds the VMs of
    that host when it is outside any cluster. A `host` pinned inside a cluster is not a
    container, and neither is a bare datacenter block."""
    if live.cluster is not None:
        return (live.datacenter, live.cluster, None) in containers
    return (live.datacenter, None, live.host) in containers


def _cloned_from(config: DesiredConfig) -> set[tuple[str, str]]:
    return {(vm.datacenter, vm.template) for vm in config.vms if vm.template is not None}


def compute_drift(
    config: DesiredConfig,
    inventory: Inventory,
    url: str = "",
    created_at: str | None = None,
) -> DriftReport:
    """The four categories of drift. Templates a declared VM clones from are sources, not
    unmanaged VMs, so they are left out of that category."""
    live: dict[str, list[LiveVM]] = {}
    for found in inventory.vms:
        live.setdefault(found.address, []).append(found)
    declared = {vm.address for vm in config.vms}
    drifted: list[DriftedVM] = []
    missing: list[MissingVM] = []
    out_of_scope: list[str] = []
    in_sync = 0
    for vm in config.vms:
        matches = live.get(vm.address)
        if matches:
            item = _drifted(vm, matches, config.workspace)
            if item is None:
                in_sync += 1
            else:
                drifted.append(item)
        elif _in_scope(vm, inventory.scope):
            missing.append(
                MissingVM(
                    vm.address,
                    vm.datacenter,
                    vm.name,
                    vm.cluster,
                    vm.host,
                    str(vm.pos),
                    _missing_note(vm, inventory),
                )
            )
        else:
            out_of_scope.append(vm.address)
    containers = {
        (c.datacenter, c.cluster, c.host)
        for c in config.containers
        if c.cluster is not None or c.host is not None
    }
    sources = _cloned_from(config)
    undeclared: list[UndeclaredVM] = []
    unmanaged: list[UnmanagedVM] = []
    for found in _sorted(inventory.vms):
        if found.address in declared:
            continue
        if found.workspace == config.workspace:
            undeclared.append(
                UndeclaredVM(
                    found.address,
                    found.datacenter,
                    found.name,
                    found.cluster,
                    found.host,
                    found.power.value,
                    found.prevent_destroy,
                )
            )
        elif _inside(found, containers) and not (
            found.template and (found.datacenter, found.name) in sources
        ):
            unmanaged.append(
                UnmanagedVM(
                    found.address,
                    found.datacenter,
                    found.name,
                    found.cluster,
                    found.host,
                    found.power.value,
                    found.workspace,
                    found.template,
                    found.moref,
                )
            )
    return DriftReport(
        workspace=config.workspace,
        url=url,
        created_at=created_at or datetime.now(UTC).isoformat(timespec="seconds"),
        drifted=tuple(sorted(drifted, key=lambda d: d.address)),
        missing=tuple(sorted(missing, key=lambda m: m.address)),
        undeclared=tuple(undeclared),
        unmanaged=tuple(unmanaged),
        in_sync=in_sync,
        out_of_scope=tuple(sorted(out_of_scope)),
    )


def _sorted(vms: Iterable[LiveVM]) -> list[LiveVM]:
    return sorted(vms, key=lambda vm: (vm.address, vm.moref))


def _changed(item: AttributeDrift | MissingVM | UnmanagedVM) -> dict[str, str | None]:
    return {"changed_by": item.changed_by, "changed_at": item.changed_at, "event": item.event}


def report_to_dict(report: DriftReport) -> dict[str, Any]:
    """The JSON report (docs/drift.md): stable keys, configuration attribute names."""
    return {
        "format_version": FORMAT_VERSION,
        "workspace": report.workspace,
        "url": report.url,
        "created_at": report.created_at,
        "has_drift": report.has_drift,
        "summary": report.counts,
        "drifted": [
            {
                "address": d.address,
                "datacenter": d.datacenter,
                "name": d.name,
                "cluster": d.cluster,
                "host": d.host,
                "declared_at": d.declared_at,
                "owner": d.owner,
                "attributes": [
                    {
                        "attribute": a.attribute,
                        "expected": a.expected,
                        "actual": a.actual,
                        **_changed(a),
                        **_elements(a),
                    }
                    for a in d.attributes
                ],
                "notes": list(d.notes),
            }
            for d in report.drifted
        ],
        "missing": [
            {
                "address": m.address,
                "datacenter": m.datacenter,
                "name": m.name,
                "cluster": m.cluster,
                "host": m.host,
                "declared_at": m.declared_at,
                "note": m.note or None,
                **_changed(m),
            }
            for m in report.missing
        ],
        "undeclared": [
            {
                "address": u.address,
                "datacenter": u.datacenter,
                "name": u.name,
                "cluster": u.cluster,
                "host": u.host,
                "power": u.power,
                "prevent_destroy": u.prevent_destroy,
            }
            for u in report.undeclared
        ],
        "unmanaged": [
            {
                "address": u.address,
                "datacenter": u.datacenter,
                "name": u.name,
                "cluster": u.cluster,
                "host": u.host,
                "power": u.power,
                "workspace": u.workspace,
                "template": u.template,
                **_changed(u),
            }
            for u in report.unmanaged
        ],
        "out_of_scope": list(report.out_of_scope),
    }


def _elements(drift: AttributeDrift) -> dict[str, Any]:
    """Which elements of a structured value drifted, only when it is structured."""
    if not drift.elements:
        return {}
    return {
        "elements": [
            {"path": path, "expected": expected, "actual": actual}
            for path, expected, actual in drift.elements
        ]
    }
