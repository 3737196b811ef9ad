"""What every drift format shares: the categories, their titles and explanations, and each
finding's facts as short sentences. The format modules only lay these out and escape them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from planner.drift.findings import (
    AttributeDrift,
    DriftedVM,
    DriftReport,
    MissingVM,
    UndeclaredVM,
    UnmanagedVM,
)

CATEGORIES = ("drifted", "missing", "undeclared", "unmanaged")
TITLES = {
    "drifted": "Drifted",
    "missing": "Missing",
    "undeclared": "No longer declared",
    "unmanaged": "Unmanaged",
}
EXPLAIN = {
    "drifted": "VMs the configuration declares and vCenter has, but whose settings differ from "
    "the configuration (for example someone changed the CPUs by hand, or the VM was never "
    "adopted by this workspace).",
    "missing": "VMs the configuration declares that do not exist in vCenter; applying the "
    "configuration would create them.",
    "undeclared": "VMs marked in vCenter as managed by this workspace that the configuration no "
    "longer declares; applying it would delete them unless they are protected by "
    "prevent_destroy.",
    "unmanaged": "VMs inside a cluster or standalone host the configuration declares that this "
    "workspace does not manage; vcplan leaves them alone, but nobody's configuration "
    "describes them here.",
}
MARKS = {"drifted": "~", "missing": "+", "undeclared": "-", "unmanaged": "?"}
STYLES = {"drifted": "yellow", "missing": "green", "undeclared": "red", "unmanaged": "cyan"}
Item = DriftedVM | MissingVM | UndeclaredVM | UnmanagedVM


@dataclass(frozen=True, slots=True)
class Finding:
    """One row of a report, whatever its category: the renderers' common shape."""

    category: str
    item: Item

    @property
    def placement(self) -> str:
        cluster, host = self.item.cluster, self.item.host
        if cluster and host:
            return f"{cluster} / {host}"
        return cluster or host or "-"


def findings(report: DriftReport, datacenter: str | None = None) -> Iterator[Finding]:
    groups: dict[str, tuple[Item, ...]] = {
        "drifted": report.drifted,
        "missing": report.missing,
        "undeclared": report.undeclared,
        "unmanaged": report.unmanaged,
    }
    for category in CATEGORIES:
        for item in groups[category]:
            if datacenter is None or item.datacenter == datacenter:
                yield Finding(category, item)


def show_value(value: Any) -> str:
    """Values as in the configuration: strings quoted, null for "none", lists and maps inline."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def ownership(item: DriftedVM, workspace: str) -> str:
    if item.owner is None:
        return "not yet adopted: the VM has no vcplan.workspace marker"
    if item.owner != workspace:
        return f"owned by workspace {item.owner!r}: a plan of this workspace would refuse it"
    return ""


def _parse(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


def age(then: str | None, now: str | None) -> str:
    """`2 h ago`: how long before the report an event happened."""
    start, end = _parse(then), _parse(now)
    if start is None:
        return ""
    if end is None:
        return f"at {then}"
    seconds = max(0, int((end - start).total_seconds()))
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds // 60} min ago"


def changed(item: AttributeDrift | MissingVM | UnmanagedVM, now: str | None) -> str:
    """`changed by alice@vsphere.local 2 h ago (Reconfigured web on ...)`, or "" when no event
    explains the finding."""
    if item.changed_at is None:
        return ""
    who = f" by {item.changed_by}" if item.changed_by else ""
    message = f" ({item.event})" if item.event else ""
    return f"changed{who} {age(item.changed_at, now)}{message}"


def _drifted_attribute(drift: AttributeDrift, now: str) -> str:
    if drift.elements:  # a structured value: name the elements that drifted
        line = "; ".join(
            f"{path}: expected {show_value(want)}, actual {show_value(have)}"
            for path, want, have in drift.elements
        )
    else:
        expected, actual = show_value(drift.expected), show_value(drift.actual)
        line = f"{drift.attribute}: expected {expected}, actual {actual}"
    why = changed(drift, now)
    return f"{line}; {why}" if why else line


def details(finding: Finding, report: DriftReport) -> list[str]:
    """The facts of one finding as short sentences, shared by the text, markdown and html."""
    item = finding.item
    now = report.created_at
    if isinstance(item, DriftedVM):
        lines = [_drifted_attribute(a, now) for a in item.attributes]
        owner = ownership(item, report.workspace)
        return lines + ([owner] if owner else []) + list(item.notes)
    if isinstance(item, MissingVM):
        why = changed(item, now)
        return (
            [f"declared at {item.declared_at}"]
            + ([item.note] if item.note else [])
            + ([why] if why else [])
        )
    if isinstance(item, UndeclaredVM):
        lines = [f"power {item.power}"]
        if item.prevent_destroy:
            lines.append("protected by prevent_destroy: a plan would refuse to delete it")
        return lines
    lines = [f"power {item.power}"]
    lines.append(
        f"owned by workspace {item.workspace!r}" if item.workspace else "no vcplan.workspace marker"
    )
    if item.template:
        lines.append("a template")
    why = changed(item, now)
    return lines + ([why] if why else [])


def summary_line(report: DriftReport) -> str:
    c = report.counts
    checked = f"{c['in_sync']} declared VM{'s' if c['in_sync'] != 1 else ''} in sync"
    if not report.has_drift:
        return f"No drift: {checked}."
    parts = [f"{c[k]} {TITLES[k].lower()}" for k in CATEGORIES if c[k]]
    return f"Drift: {', '.join(parts)}; {checked}."


def header(report: DriftReport) -> str:
    where = f" at {report.url}" if report.url else ""
    return f"Workspace {report.workspace!r}{where}, {report.created_at}"
