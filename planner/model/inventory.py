"""What one read of vCenter returns: the VMs and the names needed to check references.

Must not import anything of ours but the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.model.vm import LiveVM


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    datacenter: str
    name: str
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HostInfo:
    datacenter: str
    name: str
    cluster: str | None  # None for a standalone host


@dataclass(frozen=True, slots=True)
class Scope:
    """The part of vCenter a URL's path selects; None means "all"."""

    datacenter: str | None = None
    cluster: str | None = None
    host: str | None = None


@dataclass(frozen=True, slots=True)
class LiveTagCategory:
    """A tag category as vCenter has it, with the names of its tags."""

    name: str
    cardinality: str  # "single" | "multiple"
    tags: frozenset[str]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Inventory:
    """Everything read from vCenter in one pass: VMs plus the names needed to check references."""

    vms: tuple[LiveVM, ...]
    datacenters: tuple[str, ...]
    clusters: tuple[ClusterInfo, ...]
    hosts: tuple[HostInfo, ...]
    networks: Mapping[str, frozenset[str]]  # datacenter -> network names
    datastores: Mapping[str, frozenset[str]]  # datacenter -> datastore names
    folders: Mapping[str, frozenset[str]]  # datacenter -> VM folder paths ("" is the root)
    resource_pools: Mapping[tuple[str, str], frozenset[str]]  # (dc, cluster or host) -> pool paths
    is_esx: bool = False  # a standalone ESXi host: markers live in extraConfig
    scope: Scope = field(default_factory=Scope)
    # category name -> category; None when the run did not read tags (docs/language.md#tags)
    tag_categories: Mapping[str, LiveTagCategory] | None = None
