"""The model: plain frozen dataclasses and enums that every stage shares, and the attribute table.

Imports nothing of ours outside this package, and nothing of pyVmomi, rich or typer.
"""

from planner.model.config import Container, DesiredConfig, TagCategory, VCenterSettings
from planner.model.inventory import ClusterInfo, HostInfo, Inventory, LiveTagCategory, Scope
from planner.model.vm import (
    INSTANCE_MARKER,
    MARKER_PREFIX,
    PREVENT_DESTROY_MARKER,
    WORKSPACE_MARKER,
    Customization,
    DesiredVM,
    Disk,
    LiveVM,
    Nic,
    Pos,
    Power,
    StaticIPv4,
    WindowsIdentity,
)

__all__ = [
    "INSTANCE_MARKER",
    "MARKER_PREFIX",
    "PREVENT_DESTROY_MARKER",
    "WORKSPACE_MARKER",
    "ClusterInfo",
    "Container",
    "Customization",
    "DesiredConfig",
    "DesiredVM",
    "Disk",
    "HostInfo",
    "Inventory",
    "LiveTagCategory",
    "LiveVM",
    "Nic",
    "Pos",
    "Power",
    "Scope",
    "StaticIPv4",
    "TagCategory",
    "VCenterSettings",
    "WindowsIdentity",
]
