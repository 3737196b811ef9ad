"""`vcplan inventory`: every VM in the URL's scope, as a table or JSON."""

from __future__ import annotations

import enum
import sys
from typing import Annotated

import typer

from planner.cli.options import CaFileOpt, InsecureOpt, TimeoutOpt, UrlOpt


class InventoryFormat(enum.Enum):
    TABLE = "table"
    JSON = "json"


def inventory(
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    output_format: Annotated[
        InventoryFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table (default) or json (an array, one VM's record a line).",
        ),
    ] = InventoryFormat.TABLE,
) -> None:
    """List every VM in the URL's scope: all datacenters, or one datacenter, cluster or host.

    \b
    Examples:
      vcplan inventory
      vcplan inventory --url vpx://admin@vc.example.com/DC1/Cluster-A --format json
    """
    from planner.cli.connect import open_provider
    from planner.gc_pause import kept_for_the_run
    from planner.report.inventory import inventory_json, inventory_table

    with open_provider(url, ca_file, insecure, timeout=timeout) as provider:
        # tags only where they are shown: the table has no column for them
        wants_tags = output_format is InventoryFormat.JSON and not provider.is_esx
        with kept_for_the_run():
            inv = provider.read_inventory(tags=wants_tags)
    vms = list(inv.vms)
    if output_format is InventoryFormat.JSON:
        sys.stdout.write(inventory_json(vms))
    else:
        from rich.console import Console

        console = Console()
        if not console.is_terminal:  # piped: never truncate names to 80 columns
            console = Console(width=1000)
        console.print(inventory_table(vms))
