"""The `customize` block of a vm -> a Customization (docs/language.md#customize).

Its schema (hostname, DNS, time zone, per-NIC static IPv4, a `windows` block for Sysprep) and
the checks that need more than one value: an address with its prefix, a gateway inside the
address's subnet, a domain join with its account. The checks against the rest of the vm block
(a template to clone, no more interfaces than NICs, the default hostname) are `check_with_vm`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

from planner.config.context import EvalError
from planner.config.schema import BlockSchema, Checker, nonempty, string_list, whole
from planner.config.syntax import Attribute, Block
from planner.model import Customization, Pos, StaticIPv4, WindowsIdentity
from planner.model.diagnostics import Diagnostic

_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")
MAX_NETBIOS = 15  # Windows computer names longer than this are cut by Sysprep


def hostname(name: str, value: Any, pos: Pos) -> str:
    result = nonempty(name, value, pos)
    if not _HOST_LABEL.match(result):
        raise EvalError(
            f"{name} {result!r} is no valid host name".replace("'", '"'),
            pos,
            "letters, digits and hyphens, at most 63, not starting or ending with a hyphen",
        )
    return result


def ipv4(name: str, value: Any, pos: Pos) -> str:
    result = nonempty(name, value, pos).strip()
    try:
        return str(ipaddress.IPv4Address(result))
    except ValueError:
        raise EvalError(f'{name} "{result}" is no IPv4 address', pos, 'e.g. "10.0.1.10"') from None


def ip_list(name: str, value: Any, pos: Pos) -> list[str]:
    items = string_list(name, value, pos)
    for item in items:
        try:
            ipaddress.ip_address(item.strip())
        except ValueError:
            raise EvalError(f'{name}: "{item}" is no IP address', pos) from None
    return [item.strip() for item in items]


def time_zone(name: str, value: Any, pos: Pos) -> str:
    """A tz database name for Linux ("Europe/Berlin"), or Windows' numeric time zone index;
    which one the guest needs is checked with the rest of the block."""
    result = nonempty(name, value, pos).strip()
    if not (result.isdigit() or _TZ_NAME.match(result)):
        raise EvalError(
            f'{name} "{result}" is no time zone',
            pos,
            'a tz database name such as "Europe/Berlin" (Windows: an index such as "85")',
        )
    return result


def env_name(name: str, value: Any, pos: Pos) -> str:
    result = nonempty(name, value, pos)
    if not _ENV_NAME.match(result):
        raise EvalError(
            f'{name} must name an environment variable (got "{result}")',
            pos,
            'e.g. "VCPLAN_DOMAIN_PASSWORD"; the password itself never goes in a file',
        )
    return result


CUSTOMIZE_SCHEMA = BlockSchema(
    attributes={
        "hostname": hostname,
        "domain": nonempty,
        "dns_servers": ip_list,
        "dns_suffixes": string_list,
        "time_zone": time_zone,
    },
    blocks=("network_interface", "windows"),
)
CUSTOM_NIC_SCHEMA = BlockSchema(
    {"ipv4_address": ipv4, "ipv4_prefix": whole(1, 32), "ipv4_gateway": ipv4}
)
WINDOWS_SCHEMA = BlockSchema(
    {
        "computer_name": nonempty,
        "workgroup": nonempty,
        "join_domain": nonempty,
        "domain_admin": nonempty,
        "domain_password_env": env_name,
    }
)
CUSTOMIZE_CHILDREN: Mapping[str, BlockSchema] = {
    "network_interface": CUSTOM_NIC_SCHEMA,
    "windows": WINDOWS_SCHEMA,
}

Guard = Callable[[Attribute, Checker], Any]  # evaluate and check one attribute, None on error


class Partial:
    """What one `customize` block declared, with where; the VM-dependent checks come later."""

    def __init__(self, block: Block):
        self.block = block
        self.values: dict[str, Any] = {}
        self.interfaces: list[StaticIPv4 | None] = []
        self.windows: WindowsIdentity | None = None
        self.windows_pos: Pos | None = None
        self.positions: dict[str, Pos] = {}
        self.failed = False  # an error inside the block is already among the diagnostics


def _values(block: Block, schema: BlockSchema, guard: Guard) -> dict[str, tuple[Any, Pos]]:
    out: dict[str, tuple[Any, Pos]] = {}
    for item in block.body.attributes:
        checker = schema.attributes.get(item.name)
        if checker is None:
            continue  # reported by the static shape check
        value = guard(item, checker)
        if value is not None:
            out[item.name] = (value, item.expr.pos)
    return out


def read_customize(block: Block, guard: Guard, diags: list[Diagnostic]) -> Partial:
    """Evaluate one `customize` block; every problem goes to `diags` (or through `guard`)."""
    part = Partial(block)
    before = len(diags)
    values = _values(block, CUSTOMIZE_SCHEMA, guard)
    part.values = {k: v for k, (v, _p) in values.items()}
    part.positions = {k: p for k, (_v, p) in values.items()}
    for child in block.body.blocks:
        if child.type == "network_interface":
            part.interfaces.append(_static_ip(child, guard, diags))
        elif child.type == "windows":
            part.windows = _windows(child, guard, diags)
            part.windows_pos = child.pos
    part.failed = len(diags) > before
    return part


def _static_ip(block: Block, guard: Guard, diags: list[Diagnostic]) -> StaticIPv4 | None:
    """An interface block without an address is DHCP; with one, it needs its prefix."""
    values = _values(block, CUSTOM_NIC_SCHEMA, guard)
    written = {item.name for item in block.body.attributes}
    if written - set(values):
        return None  # an attribute failed: its error is reported, the pairings would only echo it
    if "ipv4_address" not in values:
        for extra in ("ipv4_prefix", "ipv4_gateway"):
            if extra in values:
                diags.append(
                    Diagnostic(
                        f"{extra} without ipv4_address",
                        values[extra][1],
                        "set ipv4_address too, or leave the block empty for DHCP",
                    )
                )
        return None
    address, address_pos = values["ipv4_address"]
    if "ipv4_prefix" not in values:
        diags.append(
            Diagnostic(
                "a static ipv4_address needs ipv4_prefix",
                address_pos,
                "e.g. ipv4_prefix = 24",
            )
        )
        return None
    prefix = values["ipv4_prefix"][0]
    network = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
    if prefix < 31 and ipaddress.IPv4Address(address) in (
        network.network_address,
        network.broadcast_address,
    ):
        diags.append(
            Diagnostic(
                f"{address} is the {_kind(address, network)} address of {network}, "
                "not a host address",
                address_pos,
                f"use one of {network[1]}..{network[-2]}",
            )
        )
    gateway = values.get("ipv4_gateway")
    if gateway is not None and (
        ipaddress.IPv4Address(gateway[0]) not in network or gateway[0] == address
    ):
        where = "is the address itself" if gateway[0] == address else f"is outside {network}"
        diags.append(
            Diagnostic(
                f"ipv4_gateway {gateway[0]} {where}",
                gateway[1],
                f"a gateway must be another address of {network}",
            )
        )
    return StaticIPv4(address, prefix, gateway[0] if gateway else None)


def _kind(address: str, network: ipaddress.IPv4Network) -> str:
    return "network" if ipaddress.IPv4Address(address) == network.network_address else "broadcast"


def _windows(block: Block, guard: Guard, diags: list[Diagnostic]) -> WindowsIdentity | None:
    """Sysprep's identity: a workgroup, or a domain join with its account."""
    values = _values(block, WINDOWS_SCHEMA, guard)
    if {item.name for item in block.body.attributes} - set(values):
        return None  # reported already
    plain = {k: v for k, (v, _p) in values.items()}
    if ("workgroup" in plain) == ("join_domain" in plain):
        diags.append(
            Diagnostic(
                "a windows block needs either workgroup or join_domain",
                block.pos,
                'e.g. workgroup = "WORKGROUP"',
            )
        )
        return None
    if "join_domain" in plain:
        missing = [k for k in ("domain_admin", "domain_password_env") if k not in plain]
        if missing:
            diags.append(
                Diagnostic(
                    f"join_domain needs {' and '.join(missing)}",
                    values["join_domain"][1],
                    "the password is read from the environment variable domain_password_env "
                    "names, at apply time",
                )
            )
            return None
    elif "domain_admin" in plain or "domain_password_env" in plain:
        key = "domain_admin" if "domain_admin" in plain else "domain_password_env"
        diags.append(Diagnostic(f"{key} is for join_domain, not a workgroup", values[key][1]))
        return None
    name = plain.get("computer_name", "")
    if len(name) > MAX_NETBIOS:
        diags.append(
            Diagnostic(
                f"computer_name is longer than Windows' {MAX_NETBIOS} characters ({len(name)})",
                values["computer_name"][1],
            )
        )
        return None
    return WindowsIdentity(
        computer_name=name,
        workgroup=plain.get("workgroup"),
        join_domain=plain.get("join_domain"),
        domain_admin=plain.get("domain_admin"),
        domain_password_env=plain.get("domain_password_env"),
    )


def check_with_vm(
    part: Partial,
    vm_name: str,
    has_template: bool,
    nic_count: int | None,
    diags: list[Diagnostic],
) -> Customization | None:
    """The checks against the vm block: a template to clone, no more interface blocks than the
    VM's declared NICs, and the hostname (default: the VM's name) a valid host name."""
    failures = len(diags)
    block = part.block
    if not has_template:
        diags.append(
            Diagnostic(
                "customize needs template: vCenter customizes a VM only while cloning it",
                block.pos,
                'add template = "..." to the vm block, or remove customize',
            )
        )
    if nic_count is not None and len(part.interfaces) > nic_count:
        extra = [c for c in block.body.blocks if c.type == "network_interface"][nic_count]
        diags.append(
            Diagnostic(
                f"customize has {len(part.interfaces)} network_interface blocks but the VM "
                f"has {nic_count} NIC{'s' if nic_count != 1 else ''}",
                extra.pos,
                "one block per NIC, in order; remove it or add a NIC to the vm block",
            )
        )
    name = part.values.get("hostname") or vm_name
    if "hostname" not in part.values and not _HOST_LABEL.match(vm_name):
        diags.append(
            Diagnostic(
                f'the VM\'s name "{vm_name}" is no valid host name, and customize names none',
                block.pos,
                'set hostname = "..." (letters, digits, hyphens)',
            )
        )
    windows = part.windows
    zone = part.values.get("time_zone")
    if zone is not None and (windows is not None) != zone.isdigit():
        want = "Windows' numeric index" if windows is not None else "a tz database name"
        diags.append(Diagnostic(f'time_zone "{zone}" is not {want}', part.positions["time_zone"]))
    if len(diags) > failures or part.failed:
        return None
    if windows is not None and not windows.computer_name:
        windows = WindowsIdentity(
            name[:MAX_NETBIOS],
            windows.workgroup,
            windows.join_domain,
            windows.domain_admin,
            windows.domain_password_env,
        )
    return Customization(
        hostname=name,
        domain=part.values.get("domain"),
        dns_servers=tuple(part.values.get("dns_servers") or ()),
        dns_suffixes=tuple(part.values.get("dns_suffixes") or ()),
        time_zone=zone,
        interfaces=tuple(part.interfaces),
        windows=windows,
    )
