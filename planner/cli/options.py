"""The options several commands share, declared once: connection, configuration, targets,
apply's knobs and the machine stream. Every option names its metavar and its default or
environment variable; docs/cli.md is generated from these (`make docs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.complete import complete_address

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        metavar="URL",
        help="The vCenter or ESXi host: vpx://[user@]vcenter[:port][/datacenter[/cluster[/host]]], "
        "esx://[user@]host[:port] or https://host[:port]/sdk. "
        "Default: $VCPLAN_URL, then the configuration's vcenter block.",
        show_default=False,
    ),
]
CaFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--ca-file",
        metavar="FILE",
        help="A PEM CA bundle to trust besides the system store. Default: $VCPLAN_CA_FILE.",
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
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Give up when vCenter does not answer a request within this many seconds. "
        "Default: $VCPLAN_TIMEOUT, then 60.",
        show_default=False,
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
        help="Set a variable, e.g. --var web_count=3. Repeatable; wins over --var-file and "
        "$VCPLAN_VAR_<name>.",
        metavar="NAME=VALUE",
        show_default=False,
    ),
]
VarFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--var-file",
        help="Read variable values from an HCL file such as prod.vars.hcl. Repeatable.",
        metavar="FILE",
        show_default=False,
    ),
]


TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="PATTERN",
        help="Only the VMs whose <datacenter>/<name> matches this shell glob, and the VMs they "
        "depend on. Repeatable. Default: every VM.",
        show_default=False,
        autocompletion=complete_address,
    ),
]

ParallelismOpt = Annotated[
    int,
    typer.Option(
        "--parallelism",
        min=1,
        metavar="N",
        help="How many vCenter tasks run at once, at most.",
    ),
]
LogOpt = Annotated[
    str | None,
    typer.Option(
        "--log",
        metavar="FILE",
        help="Append the machine stream (one JSON object per line) to FILE, for change records.",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the machine stream on stdout instead: one JSON object per line "
        "(docs/plan-format.md).",
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
