"""One declared VM against its live counterpart: which attributes differ, and what that implies.

The decision is the attribute table's (planner/model/attributes.py `changed`); this module adds
what a reviewer wants to see: for structured values, the element that changed, as the table's
compare kind says: per declared key for a map (`attributes.owner`, `tags.env`), per element for
an ordered list (`disk[1].size_gb: 40 → 80`, named by deepdiff, imported only when a list
differs). Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from planner.model import DesiredVM, LiveVM
from planner.model.attributes import (
    BY_NAME,
    Compare,
    changed,
    desired_attributes,
    live_attributes,
    moves,
    needs_power_cycle,
)
from planner.model.diagnostics import Diagnostic
from planner.model.plan import AttributeChange, ElementChange


@dataclass(frozen=True, slots=True)
class VMDiff:
    before: dict[str, Any]
    after: dict[str, Any]
    diffs: tuple[AttributeChange, ...]
    restart: bool
    moves: bool
    errors: tuple[Diagnostic, ...] = ()


_ROOT = re.compile(r"^root")
_INDEX = re.compile(r"\['([^']*)'\]")


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _key_path(attribute: str, key: str) -> str:
    """`attributes.owner`; a key that is no HCL name as `extra_config["guestinfo.role"]`."""
    return attribute + ("." + key if _NAME.match(key) else f'["{key}"]')


def _key(match: re.Match[str]) -> str:
    return _key_path("", match.group(1))


def _path(attribute: str, deep_path: str) -> str:
    """deepdiff's `root[1]['size_gb']` as `disk[1].size_gb`."""
    rest = _ROOT.sub("", deep_path)
    rest = _INDEX.sub(_key, rest)
    return attribute + rest


def element_changes(attribute: str, before: Any, after: Any) -> tuple[ElementChange, ...]:
    """The elements that differ inside an ordered list, in path order."""
    from deepdiff import DeepDiff  # only when a list differs: its import is costly

    delta = DeepDiff(before, after, verbose_level=2)
    found: list[ElementChange] = []
    for kind, items in delta.items():
        for deep_path, value in items.items():
            if kind in ("values_changed", "type_changes"):
                old, new = value.get("old_value"), value.get("new_value")
            elif kind.endswith("_added"):
                old, new = None, value
            elif kind.endswith("_removed"):
                old, new = value, None
            else:
                continue
            found.append(ElementChange(_path(attribute, deep_path), old, new))
    return tuple(sorted(found, key=lambda e: e.path))


def key_changes(attribute: str, before: Any, after: Any) -> tuple[ElementChange, ...]:
    """Per declared key, the whole value: `tags.env: ["dev"] → ["prod"]`, `attributes.owner`
    (only the keys the configuration names are managed, so only those can differ)."""
    have = before or {}
    found = [
        ElementChange(_key_path(attribute, key), have.get(key), want)
        for key, want in after.items()
        if have.get(key) != want
    ]
    return tuple(sorted(found, key=lambda e: e.path))


def attribute_changes(pairs: dict[str, tuple[Any, Any]]) -> tuple[AttributeChange, ...]:
    result = []
    for name, (before, after) in pairs.items():
        elements: tuple[ElementChange, ...] = ()
        compare = BY_NAME[name].compare
        if compare is Compare.DECLARED_KEYS:
            elements = key_changes(name, before, after)
        elif compare is Compare.ORDERED_LIST:
            elements = element_changes(name, before, after)
        result.append(AttributeChange(name, before, after, elements))
    return tuple(result)


def _disk_errors(desired: DesiredVM, live: LiveVM) -> list[Diagnostic]:
    """Asked only when `disk` differs: disks declared as the VM has them shrink nothing."""
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
    pairs = changed(after, live, desired.ignore_changes, before)
    return VMDiff(
        before=before,
        after=after,
        diffs=attribute_changes(pairs),
        restart=needs_power_cycle(pairs, live),
        moves=moves(pairs),
        errors=tuple(_disk_errors(desired, live)) if "disk" in pairs else (),
    )
