"""Inventories for people and programs: a rich table, or JSON records in a fixed field order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from planner.model import LiveVM

if TYPE_CHECKING:
    from rich.table import Table


def inventory_record(vm: LiveVM) -> dict[str, Any]:
    """The JSON record of one VM, with the documented fields in their order."""
    return {
        "datacenter": vm.datacenter,
        "cluster": vm.cluster,
        "host": vm.host,
        "name": vm.name,
        "power": vm.power.value,
        "cpus": vm.cpus,
        "memory_mb": vm.memory_mb,
        "folder": vm.folder,
        "workspace": vm.workspace,
        "tags": {category: list(names) for category, names in sorted((vm.tags or {}).items())},
    }


def inventory_json(vms: Sequence[LiveVM]) -> str:
    """A JSON array with one VM's record a line: `grep` finds a VM and `jq` reads the whole,
    and it is written by json's C encoder (an indented document goes through its pure-Python
    one: a third of the command's own time at 10,000 VMs)."""
    lines = ",\n".join(json.dumps(inventory_record(vm)) for vm in vms)
    return f"[\n{lines}\n]\n" if vms else "[]\n"


def inventory_table(vms: list[LiveVM]) -> Table:
    from rich.table import Table  # the table only: --format json does without rich

    table = Table(title=f"{len(vms)} VMs", title_justify="left")
    for column in ("datacenter", "cluster", "host", "name", "power", "cpus", "memory_mb"):
        table.add_column(column, justify="right" if column in ("cpus", "memory_mb") else "left")
    table.add_column("folder")
    table.add_column("workspace")
    power_style = {"on": "green", "off": "red", "suspended": "yellow"}
    for vm in vms:
        table.add_row(
            vm.datacenter,
            vm.cluster or "-",
            vm.host,
            vm.name,
            f"[{power_style[vm.power.value]}]{vm.power.value}[/]",
            str(vm.cpus),
            str(vm.memory_mb),
            vm.folder or "/",
            vm.workspace or "-",
        )
    return table
