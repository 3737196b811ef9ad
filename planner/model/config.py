"""What a configuration declares as a whole: the workspace, its VMs, its containers, and how to
reach vCenter.

Must not import anything of ours but the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.model.vm import DesiredVM, Pos


@dataclass(frozen=True, slots=True)
class Container:
    """A declared datacenter/cluster/host block: where drift looks for unmanaged VMs."""

    datacenter: str
    cluster: str | None
    host: str | None
    pos: Pos


@dataclass(frozen=True, slots=True)
class VCenterSettings:
    url: str | None = None
    user: str | None = None
    ca_file: str | None = None
    insecure: bool | None = None
    pos: Pos | None = None


@dataclass(frozen=True, slots=True)
class TagCategory:
    """A `tag_category` block: created with its tags by apply when missing, never deleted
    (docs/language.md#tag_category)."""

    name: str
    cardinality: str  # "single" | "multiple"
    tags: tuple[str, ...]
    pos: Pos
    description: str = ""
    associable_types: tuple[str, ...] = ("VirtualMachine",)


@dataclass(frozen=True, slots=True)
class DesiredConfig:
    workspace: str
    vms: tuple[DesiredVM, ...]
    containers: tuple[Container, ...] = ()
    vcenter: VCenterSettings = field(default_factory=VCenterSettings)
    config_hash: str = ""  # sha256 of the files' contents and the variable values
    tag_categories: tuple[TagCategory, ...] = ()

    @property
    def uses_tags(self) -> bool:
        """Whether a run must read vCenter's tags: a VM names some, or a block declares some."""
        return bool(self.tag_categories) or any(vm.tags is not None for vm in self.vms)
