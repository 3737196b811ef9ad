"""The `vcplan` command line: parse flags, call the pipeline's stages, print, pick the exit code.

No business logic lives here. Each group of commands is in its own cli_*.py module, which
registers on `app`; this module owns the app, the shared error handling and the entry point.
"""

from __future__ import annotations

import sys

import typer

from planner.cli_common import run_guarded

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


# Command modules register themselves on `app` when imported.
from planner import cli_inventory  # noqa: E402,F401

for _optional in ("cli_config", "cli_plan", "cli_apply", "cli_generate"):
    try:
        __import__(f"planner.{_optional}")
    except ModuleNotFoundError as exc:  # a command group not built yet
        if exc.name != f"planner.{_optional}":
            raise

from planner import cli_drift  # noqa: E402,F401


def main() -> None:
    sys.exit(run_guarded(app))
