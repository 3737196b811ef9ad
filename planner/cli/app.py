"""The `vcplan` Typer app: every command registered here, explicitly, and the entry point.

Command modules import only typer and the shared options at the top; each command imports the
stages it runs when it runs, so `vcplan --help`, `validate` and `fmt` never load pyVmomi.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from planner.cli import apply, drift, generate, inventory, plan, validate, version
from planner.cli.errors import run_guarded

app = typer.Typer(
    name="vcplan",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        print(version.version_text())
        raise typer.Exit(0)


@app.callback()
def _root(
    no_color: Annotated[
        bool,
        typer.Option(
            "--no-color",
            help="No colour in any output (plan, drift, inventory, apply). Also $NO_COLOR.",
        ),
    ] = False,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show vcplan's, Python's and pyVmomi's versions and exit.",
            is_eager=True,
            callback=_show_version,
        ),
    ] = False,
) -> None:
    """Plan and apply VMware vCenter VMs from HCL, with vCenter itself as the state.

    Connection: --url or VCPLAN_URL, VCPLAN_USER, VCPLAN_PASSWORD (or a prompt), VCPLAN_CA_FILE.
    Documentation: docs/cli.md.

    \b
    Examples:
      vcplan validate examples/quickstart
      vcplan plan examples/quickstart --out qs.plan
      vcplan apply qs.plan
    """
    if no_color:
        # every renderer asks rich or NO_COLOR (https://no-color.org) whether to colour
        os.environ["NO_COLOR"] = "1"


app.command()(inventory.inventory)
app.command()(validate.validate)
app.command()(validate.fmt)
app.command()(plan.plan)
app.command()(plan.show)
app.command()(apply.apply)
app.command()(drift.drift)
app.command()(generate.generate)
app.command()(version.version)


def main() -> None:
    sys.exit(run_guarded(app))
