"""A plan's `after.customize` -> vim.vm.customization.Specification, handed to CloneVM_Task
(docs/language.md#customize, docs/simulator.md#guest-customization).

vCenter wants one adapter mapping per NIC of the clone, which at clone time has the template's
NICs: interfaces the configuration leaves out get DHCP. A Windows domain join's password is read
here, from the environment variable the configuration names, and goes nowhere but the spec.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any

from pyVmomi import vim

from planner.apply.provider import OperationRefused

custom = vim.vm.customization


def nic_count(vm: Any) -> int:
    """How many NICs the template (and so the fresh clone) has."""
    devices = vm.config.hardware.device if vm.config else []
    return sum(isinstance(d, vim.vm.device.VirtualEthernetCard) for d in devices or [])


def specification(spec: Mapping[str, Any], nics: int, template: str) -> Any:
    """The customization spec for a clone of `template`, which has `nics` NICs."""
    interfaces = list(spec.get("network_interface") or [])
    if len(interfaces) > nics:
        raise OperationRefused(
            f"customize names {len(interfaces)} network interfaces but template {template!r} "
            f"has {nics} NIC{'s' if nics != 1 else ''}; vCenter customizes the clone's NICs only"
        )
    interfaces += [None] * (nics - len(interfaces))
    return custom.Specification(
        identity=_identity(spec),
        globalIPSettings=custom.GlobalIPSettings(
            dnsServerList=list(spec.get("dns_servers") or []),
            dnsSuffixList=list(spec.get("dns_suffixes") or []),
        ),
        nicSettingMap=[custom.AdapterMapping(adapter=_adapter(nic)) for nic in interfaces],
    )


def _adapter(nic: Mapping[str, Any] | None) -> Any:
    if nic is None:
        return custom.IPSettings(ip=custom.DhcpIpGenerator())
    network = ipaddress.IPv4Network(f"{nic['ipv4_address']}/{nic['ipv4_prefix']}", strict=False)
    return custom.IPSettings(
        ip=custom.FixedIp(ipAddress=nic["ipv4_address"]),
        subnetMask=str(network.netmask),
        gateway=[nic["ipv4_gateway"]] if nic.get("ipv4_gateway") else [],
    )


def _identity(spec: Mapping[str, Any]) -> Any:
    windows = spec.get("windows")
    if windows is None:
        return custom.LinuxPrep(
            hostName=custom.FixedName(name=spec["hostname"]),
            domain=spec.get("domain") or "",
            timeZone=spec.get("time_zone"),
            hwClockUTC=True,
        )
    identification = custom.Identification()
    if windows.get("join_domain"):
        identification.joinDomain = windows["join_domain"]
        identification.domainAdmin = windows["domain_admin"]
        identification.domainAdminPassword = custom.Password(
            value=_password(windows["domain_password_env"]), plainText=True
        )
    else:
        identification.joinWorkgroup = windows["workgroup"]
    zone = spec.get("time_zone")
    return custom.Sysprep(
        guiUnattended=custom.GuiUnattended(
            autoLogon=False, autoLogonCount=0, timeZone=int(zone) if zone else 85
        ),
        userData=custom.UserData(
            computerName=custom.FixedName(name=windows["computer_name"]),
            fullName="vcplan",
            orgName="vcplan",
            productId="",
        ),
        identification=identification,
    )


def _password(variable: str) -> str:
    """Read at apply time, never stored; an unset variable refuses the clone before it starts."""
    value = os.environ.get(variable)
    if not value:
        raise OperationRefused(
            f"environment variable {variable} (customize.windows.domain_password_env) is not "
            "set; export the domain account's password there before apply"
        )
    return value
