"""`vcplan inventory`: every VM in the URL's scope, as a table or JSON (CONTRACT §5)."""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from planner.cli import app
from planner.cli_common import CaFileOpt, InsecureOpt, UrlOpt, open_provider
from planner.model import LiveVM


class InventoryFormat(enum.Enum):
    TABLE = "table"
    JSON = "json"


def inventory_record(vm: LiveVM) -> dict[str, Any]:
    """The JSON record of one VM, with CONTRACT §5's fields in its order."""
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
    }


def inventory_table(vms: list[LiveVM]) -> Table:
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


@app.command()
def inventory(
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
    output_format: Annotated[
        InventoryFormat, typer.Option("--format", "-f", help="table or json.")
    ] = InventoryFormat.TABLE,
) -> None:
    """List every VM in the URL's scope: all datacenters, or one datacenter, cluster or host.

    Example: vcplan inventory --url vpx://admin@vc.example.com/DC1/Cluster-A
    """
    with open_provider(url, ca_file, insecure) as provider:
        inv = provider.read_inventory()
    vms = list(inv.vms)
    if output_format is InventoryFormat.JSON:
        print(json.dumps([inventory_record(vm) for vm in vms], indent=2))
    else:
        console = Console()
        if not console.is_terminal:  # piped: never truncate names to 80 columns
            console = Console(width=1000)
        console.print(inventory_table(vms))
