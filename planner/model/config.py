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
class DesiredConfig:
    workspace: str
    vms: tuple[DesiredVM, ...]
    containers: tuple[Container, ...] = ()
    vcenter: VCenterSettings = field(default_factory=VCenterSettings)
    config_hash: str = ""  # sha256 of the files' contents and the variable values
