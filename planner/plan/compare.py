"""One declared VM against its live counterpart: which attributes differ, and what that implies.

Comparison is over normalized values (attributes.py). Equal VMs — the common case on a fleet —
cost one dict comparison; only VMs that differ go through deepdiff, whose paths name the
top-level attributes that changed. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

from planner.model import DesiredVM, LiveVM
from planner.model.attributes import COMPARED, PLACEMENT, desired_attributes, live_attributes
from planner.model.diagnostics import Diagnostic
from planner.model.plan import AttributeChange


@dataclass(frozen=True, slots=True)
class VMDiff:
    before: dict[str, Any]
    after: dict[str, Any]
    diffs: tuple[AttributeChange, ...]
    restart: bool
    moves: bool
    errors: tuple[Diagnostic, ...] = ()


def _managed(desired: DesiredVM, after: dict[str, Any]) -> list[str]:
    """Attributes the configuration manages: set (cluster always: a standalone host's VM has
    none) and not masked by ignore_changes."""
    return [
        key
        for key in COMPARED
        if key not in desired.ignore_changes and (after[key] is not None or key == "cluster")
    ]


def _comparable(key: str, before: dict[str, Any], after: dict[str, Any], live: LiveVM) -> Any:
    """The live value as the configuration would state it."""
    if key == "datastore":  # any of the VM's datastores satisfies it
        return after[key] if after[key] in live.datastores else before[key]
    if key == "attributes":  # only the declared keys are managed
        return {k: before["attributes"].get(k) for k in after[key]}
    return before[key]


# Values with inner structure; deepdiff compares those. Scalars compare with `!=`.
STRUCTURED = frozenset({"attributes", "disk", "network_interface"})


def _changed_keys(live: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """The attributes that differ. deepdiff runs over the structured ones that differ only: its
    set-up costs more than the rest of a VM's comparison, which on a fleet made it the bulk of
    the plan (bench/plan.py)."""
    differing = [key for key in want if live.get(key) != want.get(key)]
    nested = [key for key in differing if key in STRUCTURED]
    if not nested:
        return differing
    delta = DeepDiff({k: live.get(k) for k in nested}, {k: want[k] for k in nested})
    roots = {path.split("]")[0].strip("[']") for path in delta.affected_root_keys}
    return [key for key in differing if key not in STRUCTURED or key in roots]


def needs_power_off(diffs: dict[str, tuple[Any, Any]], live: LiveVM) -> bool:
    """vCenter refuses CPU/memory changes on a running VM without hot-add, and any decrease;
    cores per socket change only when powered off."""
    if live.power.value == "off":
        return False
    if "cores_per_socket" in diffs:
        return True
    if "cpus" in diffs:
        before, after = diffs["cpus"]
        if after < before or not live.cpu_hot_add:
            return True
    if "memory_mb" in diffs:
        before, after = diffs["memory_mb"]
        if after < before or not live.memory_hot_add:
            return True
    return False


def _disk_errors(desired: DesiredVM, live: LiveVM) -> list[Diagnostic]:
    if desired.disks is None or "disk" in desired.ignore_changes:
        return []
    errors = []
    for i, (want, have) in enumerate(zip(desired.disks, live.disks, strict=False)):
        if want.size_gb < have.size_gb:
            pos = desired.attr_pos.get(f"disk[{i}].size_gb", desired.pos)
            errors.append(
                Diagnostic(
                    f"{desired.address}: disk {i + 1} would shrink from {have.size_gb} GB to "
                    f"{want.size_gb} GB; vSphere cannot shrink a disk",
                    pos,
                    f"set size_gb to {have.size_gb} or more",
                )
            )
    if len(desired.disks) < len(live.disks):
        errors.append(
            Diagnostic(
                f"{desired.address}: declares {len(desired.disks)} disk(s) but the VM has "
                f"{len(live.disks)}; vcplan never removes a disk (its data would be lost)",
                desired.attr_pos.get(f"disk[{len(desired.disks) - 1}]", desired.pos),
                f"declare all {len(live.disks)} disks, or remove the disk in vCenter first",
            )
        )
    return errors


def compare(desired: DesiredVM, live: LiveVM, workspace: str) -> VMDiff:
    after = desired_attributes(desired, workspace)
    before = live_attributes(live)
    keys = _managed(desired, after)
    have = {key: _comparable(key, before, after, live) for key in keys}
    want = {key: after[key] for key in keys}
    changed = _changed_keys(have, want)
    errors = _disk_errors(desired, live)
    pairs = {key: (have[key], want[key]) for key in changed}
    return VMDiff(
        before=before,
        after=after,
        diffs=tuple(AttributeChange(key, *pairs[key]) for key in changed),
        restart=needs_power_off(pairs, live),
        moves=bool(PLACEMENT & pairs.keys()),
        errors=tuple(errors),
    )
