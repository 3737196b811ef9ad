"""Virtual device specs: a new VM's disks and NICs, and the edits that bring them to a
configuration (disks only grow; NICs are re-backed, added or removed in order).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pyVmomi import vim

from planner.apply.provider import OperationRefused
from planner.model import LiveVM
from providers.vsphere.lookup import Lookup, call

GiB_KB = 1024 * 1024


class Devices:
    def __init__(self, lookup: Lookup):
        self.lookup = lookup

    def new_devices(self, dc: Any, after: Mapping[str, Any]) -> list[Any]:
        """A new VM's SCSI controller, disks and NICs."""
        changes: list[Any] = []
        disks = after.get("disk") or []
        if disks:
            controller = vim.vm.device.ParaVirtualSCSIController(
                key=-100, busNumber=0, sharedBus="noSharing"
            )
            changes.append(_add(controller))
            for i, disk in enumerate(disks):
                changes.append(
                    _new_disk(-100, i if i < 7 else i + 1, int(disk["size_gb"]), -101 - i)
                )
        for i, nic in enumerate(after.get("network_interface") or []):
            changes.append(_add(self.new_nic(dc, nic["network"], -200 - i)))
        return changes

    def nic_backing(self, dc: Any, network: str) -> Any:
        net: Any = self.lookup.network(dc, network)
        if isinstance(net, vim.dvs.DistributedVirtualPortgroup):
            switch: Any = net.config.distributedVirtualSwitch
            port = vim.dvs.PortConnection(portgroupKey=net.key, switchUuid=switch.uuid)
            return vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(port=port)
        return vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=network, network=net)

    def new_nic(self, dc: Any, network: str, key: int) -> Any:
        return vim.vm.device.VirtualVmxnet3(
            key=key,
            backing=self.nic_backing(dc, network),
            connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                startConnected=True, allowGuestControl=True, connected=False
            ),
        )

    # --- move ------------------------------------------------------------------------------

    def changes(
        self, vm: Any, live: LiveVM, after: Mapping[str, Any], changed: Collection[str]
    ) -> list[Any]:
        """Device edits for the `disk` and `network_interface` attributes named in `changed`."""
        want_disks = after.get("disk") if "disk" in changed else None
        want_nics = after.get("network_interface") if "network_interface" in changed else None
        if want_disks is None and want_nics is None:
            return []
        devices = list(call(lambda: vm.config.hardware.device))
        changes: list[Any] = []
        if want_disks is not None:
            changes += self._disk_changes(devices, [int(d["size_gb"]) for d in want_disks])
        if want_nics is not None:
            dc = self.lookup.datacenter(live.datacenter)
            changes += self._nic_changes(dc, devices, [n["network"] for n in want_nics])
        return changes

    @staticmethod
    def _disk_changes(devices: list[Any], want: list[int]) -> list[Any]:
        disks: list[Any] = sorted(
            (d for d in devices if isinstance(d, vim.vm.device.VirtualDisk)),
            key=lambda d: (d.controllerKey, d.unitNumber or 0),
        )
        changes: list[Any] = []
        for disk, size_gb in zip(disks, want, strict=False):
            if size_gb * GiB_KB > disk.capacityInKB:
                edited: Any = disk
                edited.capacityInKB = size_gb * GiB_KB
                edited.capacityInBytes = size_gb * GiB_KB * 1024
                changes.append(vim.vm.device.VirtualDeviceSpec(operation="edit", device=disk))
            elif size_gb * GiB_KB < disk.capacityInKB:
                raise OperationRefused(f"disk {disk.key} cannot shrink to {size_gb} GB")
        extra = want[len(disks) :]
        if not extra:
            return changes
        controllers = [d for d in devices if isinstance(d, vim.vm.device.VirtualSCSIController)]
        if controllers:
            controller_key = controllers[0].key
            used = {d.unitNumber for d in devices if d.controllerKey == controller_key}
        else:
            controller_key = -100
            bus = vim.vm.device.ParaVirtualSCSIController(
                key=-100, busNumber=0, sharedBus="noSharing"
            )
            changes.append(_add(bus))
            used = set()
        free = (u for u in range(16) if u != 7 and u not in used)
        for i, size_gb in enumerate(extra):
            changes.append(_new_disk(controller_key, next(free), size_gb, -101 - i))
        return changes

    def _nic_changes(self, dc: Any, devices: list[Any], want: list[str]) -> list[Any]:
        nics = [d for d in devices if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        changes: list[Any] = []
        names = {d.key: _nic_network_name(d) for d in nics}
        for nic, network in zip(nics, want, strict=False):
            if names[nic.key] != network and not _nic_on(nic, self.lookup.network(dc, network)):
                nic.backing = self.nic_backing(dc, network)
                changes.append(vim.vm.device.VirtualDeviceSpec(operation="edit", device=nic))
        for i, network in enumerate(want[len(nics) :]):
            changes.append(_add(self.new_nic(dc, network, -200 - i)))
        for nic in nics[len(want) :]:
            changes.append(vim.vm.device.VirtualDeviceSpec(operation="remove", device=nic))
        return changes

    # --- custom attributes and markers -----------------------------------------------------


def _add(device: Any) -> Any:
    return vim.vm.device.VirtualDeviceSpec(operation="add", device=device)


def _new_disk(controller_key: int, unit: int, size_gb: int, key: int) -> Any:
    backing = vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
        diskMode="persistent", thinProvisioned=True, fileName=""
    )
    disk = vim.vm.device.VirtualDisk(
        key=key,
        controllerKey=controller_key,
        unitNumber=unit,
        capacityInKB=size_gb * GiB_KB,
        backing=backing,
    )
    return vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create", device=disk)


def _nic_network_name(nic: Any) -> str | None:
    backing = nic.backing
    if isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
        return str(backing.deviceName)
    return None


def _nic_on(nic: Any, network: Any) -> bool:
    backing = nic.backing
    port = getattr(backing, "port", None)
    if port is not None and isinstance(network, vim.dvs.DistributedVirtualPortgroup):
        return bool(port.portgroupKey == network.key)
    return False
