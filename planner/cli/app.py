"""The `vcplan` Typer app: every command registered here, explicitly, and the entry point.

Command modules import only typer and the shared options at the top; each command imports the
stages it runs when it runs, so `vcplan --help`, `validate` and `fmt` never load pyVmomi.
"""

from __future__ import annotations

import sys

import typer

from planner.cli import apply, drift, generate, inventory, plan, validate
from planner.cli.errors import run_guarded

app = typer.Typer(
    name="vcplan",
    help="Plan and apply VMware vCenter VMs from HCL, with vCenter itself as the state.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root() -> None:
    """Plan and apply VMware vCenter VMs from HCL, with vCenter itself as the state.

    Connection: --url or VCPLAN_URL, VCPLAN_USER, VCPLAN_PASSWORD (or a prompt), VCPLAN_CA_FILE.
    """


app.command()(inventory.inventory)
app.command()(validate.validate)
app.command()(validate.fmt)
app.command()(plan.plan)
app.command()(plan.show)
app.command()(apply.apply)
app.command()(drift.drift)
app.command()(generate.generate)


def main() -> None:
    sys.exit(run_guarded(app))
