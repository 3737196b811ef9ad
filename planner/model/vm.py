"""One VM, both ways: what the configuration wants (DesiredVM) and what vCenter has (LiveVM).

Plain frozen dataclasses shared by every stage. Names match the HCL attribute names
(`memory_mb`, `cores_per_socket`, ...). Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

# vCenter custom attributes (or, on a standalone ESXi host, extraConfig keys) that carry ownership.
WORKSPACE_MARKER = "vcplan.workspace"
PREVENT_DESTROY_MARKER = "vcplan.prevent_destroy"
MARKER_PREFIX = "vcplan."
# The create spec's copy of the markers is bound to the instance UUID the spec gives the VM, so
# a copy of the VM made outside vcplan (a new instance UUID) is not owned
# (docs/language.md#ownership).
INSTANCE_MARKER = "vcplan.instance_uuid"


class Power(enum.Enum):
    ON = "on"
    OFF = "off"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class Pos:
    """A source position, kept on every configured value so any later error can point at it."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def __reduce__(self) -> tuple[type[Pos], tuple[str, int, int]]:
        """Rebuilt by the constructor: a parsed fleet holds a million of them, and the parse
        cache loads them faster so than through a dataclass's per-field __setstate__."""
        return (Pos, (self.file, self.line, self.col))


@dataclass(frozen=True, slots=True)
class Disk:
    size_gb: int


@dataclass(frozen=True, slots=True)
class Nic:
    network: str


@dataclass(frozen=True, slots=True)
class StaticIPv4:
    """A customized NIC's fixed address; a NIC without one gets DHCP."""

    address: str
    prefix: int
    gateway: str | None = None


@dataclass(frozen=True, slots=True)
class WindowsIdentity:
    """Sysprep's identity: a workgroup, or a domain joined with an account whose password is
    read from the environment variable `domain_password_env` at apply time, never stored."""

    computer_name: str
    workgroup: str | None = None
    join_domain: str | None = None
    domain_admin: str | None = None
    domain_password_env: str | None = None


@dataclass(frozen=True, slots=True)
class Customization:
    """Guest customization, applied once when the VM is cloned (docs/language.md#customize).
    `interfaces` go to the VM's NICs in order; None (or a NIC past the end) means DHCP."""

    hostname: str
    domain: str | None = None
    dns_servers: tuple[str, ...] = ()
    dns_suffixes: tuple[str, ...] = ()
    time_zone: str | None = None
    interfaces: tuple[StaticIPv4 | None, ...] = ()
    windows: WindowsIdentity | None = None


@dataclass(frozen=True, slots=True)
class LiveVM:
    """One VM as read from vCenter. `folder` and `resource_pool` are paths relative to the
    datacenter's VM folder and to the cluster's/host's root pool ("" for the root itself)."""

    datacenter: str
    name: str
    cluster: str | None  # None on a standalone host
    host: str
    resource_pool: str
    folder: str
    datastores: tuple[str, ...]
    power: Power
    cpus: int
    cores_per_socket: int
    memory_mb: int
    annotation: str
    attributes: Mapping[str, str]  # custom attributes, without the vcplan.* markers
    template: bool
    cpu_hot_add: bool
    memory_hot_add: bool
    tools_running: bool
    disks: tuple[Disk, ...]
    nics: tuple[Nic, ...]
    instance_uuid: str
    moref: str  # managed object id, e.g. "vm-42": stable for the session, used to act on the VM
    workspace: str | None  # the vcplan.workspace marker, None when unmarked
    prevent_destroy: bool  # the recorded vcplan.prevent_destroy marker
    # advanced settings (config.extraConfig) without the vcplan.* markers; the last value of a
    # key wins (vcsim 0.24 appends a duplicate when a key is updated)
    extra_config: Mapping[str, str] = field(default_factory=dict)
    # vSphere tags, category -> sorted tag names; None when the run did not read tags, which
    # is not the same as having none (docs/language.md#tags)
    tags: Mapping[str, tuple[str, ...]] | None = None
    # the markers are known only from the copy the create spec wrote (extraConfig): the custom
    # attributes are still to be written (an apply was interrupted right after the create)
    markers_pending: bool = False

    @property
    def address(self) -> str:
        return f"{self.datacenter}/{self.name}"


@dataclass(frozen=True, slots=True)
class DesiredVM:
    """One VM as the configuration declares it. None means "not managed" (docs/language.md)."""

    datacenter: str
    name: str
    cluster: str | None
    host: str | None
    pos: Pos  # where the vm block starts
    resource_pool: str | None = None
    datastore: str | None = None
    folder: str | None = None
    template: str | None = None
    cpus: int | None = None
    cores_per_socket: int | None = None
    memory_mb: int | None = None
    power: Power | None = None
    annotation: str | None = None
    attributes: Mapping[str, str] | None = None
    extra_config: Mapping[str, str] | None = None  # only these keys are managed
    tags: Mapping[str, tuple[str, ...]] | None = None  # only these categories are managed
    disks: tuple[Disk, ...] | None = None
    nics: tuple[Nic, ...] | None = None
    customize: Customization | None = None  # create-only: never compared with a live VM
    depends_on: tuple[str, ...] = ()
    prevent_destroy: bool = False
    ignore_changes: frozenset[str] = frozenset()
    shutdown_timeout: int = 300  # seconds to wait for a guest shutdown before a hard power off
    restart_timeout: int = 600  # seconds a restarted VM has to come back (lifecycle block)
    attr_pos: Mapping[str, Pos] = field(default_factory=dict)  # attribute name -> its value's pos

    @property
    def address(self) -> str:
        return f"{self.datacenter}/{self.name}"
