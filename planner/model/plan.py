"""Plans: the changes a diff proposes, as plain data that round-trips through JSON
(docs/plan-format.md).

The executor acts only on a Plan, never on the configuration. Must not import pyVmomi or rich.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# 2: the fingerprints cover extra_config and tags; a plan of format 1 is another build's, whose
# fingerprints this one cannot reproduce (docs/plan-format.md, "The JSON format")
FORMAT_VERSION = 2


class Action(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "noop"
    RESTART = "restart"  # a power cycle asked for with --restart, nothing else changes


@dataclass(frozen=True, slots=True)
class ElementChange:
    """One changed element inside a structured value: `disk[1].size_gb`, `attributes.owner`.
    For people: plans and drift reports show these; nothing decides on them."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class AttributeChange:
    attribute: str
    before: Any
    after: Any
    elements: tuple[ElementChange, ...] = ()  # set for structured values (disks, NICs, maps)


@dataclass(frozen=True, slots=True)
class VMChange:
    """One VM's change. `before`/`after` use the configuration's attribute names; `reason` is
    for humans only and must never drive a decision."""

    address: str  # "<datacenter>/<name>"
    action: Action
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    diffs: tuple[AttributeChange, ...] = ()
    restart: bool = False  # apply power-cycles the VM (an update that needs it, or --restart)
    moves: bool = False
    fingerprint: str | None = None  # of the live state planned against (None on create)
    moref: str | None = None  # the live VM acted on (None on create)
    depends_on: tuple[str, ...] = ()  # addresses
    reason: str = ""
    restart_requested: bool = False  # --restart matched it; on an update, folded into its cycle

    @property
    def datacenter(self) -> str:
        return self.address.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.address.split("/", 1)[1]


@dataclass(frozen=True, slots=True)
class TagCategoryChange:
    """A declared tag category apply creates (`create_category`), or the missing tags it adds
    to one that exists; never a deletion (docs/language.md#tag_category)."""

    name: str
    cardinality: str  # "single" | "multiple"
    create_category: bool
    tags: tuple[str, ...]  # the tags to create
    description: str = ""
    associable_types: tuple[str, ...] = ("VirtualMachine",)


@dataclass(frozen=True, slots=True)
class Plan:
    workspace: str
    url: str  # never carries a credential
    created_at: str  # ISO 8601, UTC
    changes: tuple[VMChange, ...]
    config_hash: str = ""
    format_version: int = FORMAT_VERSION
    tag_categories: tuple[TagCategoryChange, ...] = ()  # run before any VM's tags step
    tags_read: bool = False  # the fingerprints cover the VMs' tags: apply reads them too

    @property
    def summary(self) -> dict[str, int]:
        counts = {a.value: 0 for a in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.tag_categories) or any(c.action is not Action.NOOP for c in self.changes)
