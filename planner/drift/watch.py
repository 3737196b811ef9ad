"""What changed between two drift reports, as transitions a watch reports (docs/drift.md,
"Watching"): a VM drifting (or drifting differently), back in sync, a declared VM missing, an
unmanaged or undeclared VM appearing, and such a VM gone.

Pure: the watch (planner/cli/drift_watch.py) recomputes the DriftReport with
planner.drift.findings.compute_drift on the updated LiveVMs and hands both reports here.
Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from planner.drift.attribution import (
    Attribution,
    VCenterEvent,
    explain_appeared,
    explain_attribute,
    explain_missing,
    within,
)
from planner.drift.findings import (
    AttributeDrift,
    DriftedVM,
    DriftReport,
    MissingVM,
    UndeclaredVM,
    UnmanagedVM,
)

KINDS = ("drifted", "in_sync", "missing", "unmanaged", "undeclared", "gone")


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of a VM's drift status. `attributes` are a drifted VM's current drift;
    `changed_*` explain a missing or appearing VM."""

    kind: str  # one of KINDS
    address: str
    datacenter: str
    name: str
    moref: str = ""
    attributes: tuple[AttributeDrift, ...] = ()
    changed_by: str | None = None
    changed_at: str | None = None
    event: str | None = None


def _values(vm: DriftedVM) -> tuple[tuple[str, Any, Any], ...]:
    return tuple((a.attribute, repr(a.expected), repr(a.actual)) for a in vm.attributes)


Item = DriftedVM | MissingVM | UndeclaredVM | UnmanagedVM


def _by_address(items: Iterable[Item]) -> dict[str, Item]:
    return {i.address: i for i in items}


def transitions(before: DriftReport, after: DriftReport) -> list[Transition]:
    """Every VM whose drift status differs between the two reports, in address order."""
    out: list[Transition] = []
    old_drifted, new_drifted = _by_address(before.drifted), _by_address(after.drifted)
    old_missing, new_missing = _by_address(before.missing), _by_address(after.missing)
    for address, vm in new_drifted.items():
        old = old_drifted.get(address)
        assert isinstance(vm, DriftedVM)
        if not isinstance(old, DriftedVM) or _values(old) != _values(vm):
            out.append(_transition("drifted", vm, moref=vm.moref, attributes=vm.attributes))
    for address, item in new_missing.items():
        if address not in old_missing:
            out.append(_transition("missing", item))
    for address, item in {**old_drifted, **old_missing}.items():
        if address not in new_drifted and address not in new_missing:
            out.append(_transition("in_sync", item, moref=getattr(item, "moref", "")))
    for group in ("unmanaged", "undeclared"):
        old_items = _by_address(getattr(before, group))
        new_items = _by_address(getattr(after, group))
        for address, item in new_items.items():
            if address not in old_items:
                out.append(_transition(group, item, moref=getattr(item, "moref", "")))
        for address, item in old_items.items():
            if address not in new_items and address not in new_drifted:
                out.append(_transition("gone", item, moref=getattr(item, "moref", "")))
    return sorted(out, key=lambda t: (t.address, KINDS.index(t.kind)))


def _transition(kind: str, item: Item, **kw: Any) -> Transition:
    return Transition(kind, item.address, item.datacenter, item.name, **kw)


def _explained(t: Transition, found: Attribution | None) -> Transition:
    if found is None:
        return t
    return replace(t, changed_by=found.changed_by, changed_at=found.changed_at, event=found.event)


def attribute_transitions(
    found: Iterable[Transition], events: Iterable[VCenterEvent], now: datetime, since: timedelta
) -> list[Transition]:
    """Each transition with the event that explains it: per attribute for a drifted VM; the
    latest of a drifted VM's attributes' events for the transition itself."""
    kept = within(events, now, since)
    out = []
    for t in found:
        if t.kind == "drifted":
            attrs = tuple(
                _with(a, explain_attribute(kept, t.moref, a.attribute)) for a in t.attributes
            )
            latest = max(
                (a for a in attrs if a.changed_at is not None),
                key=lambda a: a.changed_at or "",
                default=None,
            )
            t = replace(t, attributes=attrs)
            if latest is not None:
                t = replace(
                    t,
                    changed_by=latest.changed_by,
                    changed_at=latest.changed_at,
                    event=latest.event,
                )
        elif t.kind == "missing":
            vm = MissingVM(t.address, t.datacenter, t.name, None, None, "")
            t = _explained(t, explain_missing(kept, vm))
        elif t.kind in ("unmanaged", "undeclared"):
            t = _explained(t, explain_appeared(kept, t.moref))
        out.append(t)
    return out


def _with(a: AttributeDrift, found: Attribution | None) -> AttributeDrift:
    if found is None:
        return a
    return replace(a, changed_by=found.changed_by, changed_at=found.changed_at, event=found.event)


def wanted(found: Iterable[Transition]) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The events a batch of transitions needs: by moref, and by name for missing VMs."""
    found = list(found)
    morefs = {t.moref for t in found if t.moref and t.kind != "in_sync" and t.kind != "gone"}
    names = {(t.datacenter, t.name) for t in found if t.kind == "missing"}
    return frozenset(morefs), frozenset(names)


def transition_to_dict(t: Transition, observed_at: str) -> dict[str, Any]:
    """One JSON line of `drift --watch --format json`, and the webhook's body."""
    return {
        "type": "transition",
        "version": 1,
        "kind": t.kind,
        "address": t.address,
        "datacenter": t.datacenter,
        "name": t.name,
        "observed_at": observed_at,
        "attributes": [
            {
                "attribute": a.attribute,
                "expected": a.expected,
                "actual": a.actual,
                "changed_by": a.changed_by,
                "changed_at": a.changed_at,
                "event": a.event,
            }
            for a in t.attributes
        ],
        "changed_by": t.changed_by,
        "changed_at": t.changed_at,
        "event": t.event,
    }
