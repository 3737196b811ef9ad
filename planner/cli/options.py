"""The options several commands share, declared once: connection, configuration, targets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="vpx://[user@]vcenter[:port][/datacenter[/cluster[/host]]], esx://[user@]host[:port] "
        "or https://host[:port]/sdk. Default: $VCPLAN_URL, then the config's vcenter block.",
        show_default=False,
    ),
]
CaFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-file",
        help="PEM CA bundle to trust besides the system store. Default: $VCPLAN_CA_FILE.",
        show_default=False,
    ),
]
InsecureOpt = Annotated[
    bool,
    typer.Option(
        "--insecure",
        help="Do not verify the server's TLS certificate (prints a warning). "
        "Also $VCPLAN_INSECURE=1.",
    ),
]


DirArg = Annotated[
    Path,
    typer.Argument(
        metavar="DIR",
        help="The configuration directory (every *.hcl except *.vars.hcl).",
        show_default=False,
    ),
]
VarOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--var",
        help="Set a variable: --var name=value (repeatable).",
        metavar="NAME=VALUE",
        show_default=False,
    ),
]
VarFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--var-file",
        help="Read variable values from an HCL file (repeatable).",
        metavar="FILE",
        show_default=False,
    ),
]


TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="PATTERN",
        help="Only VMs whose <datacenter>/<name> matches this glob, and the VMs they depend on. "
        "Repeatable.",
        show_default=False,
    ),
]
RestartOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--restart",
        metavar="PATTERN",
        help="Also power-cycle the running VMs whose <datacenter>/<name> matches this glob "
        "(a guest reboot with VMware Tools, a reset without). Repeatable.",
        show_default=False,
    ),
]
