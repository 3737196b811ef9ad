"""`vcplan plan` and `vcplan show`: read vCenter, diff, render. Read-only."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planner.cli.options import (
    CaFileOpt,
    DirArg,
    InsecureOpt,
    JsonOpt,
    RestartOpt,
    TargetOpt,
    TimeoutOpt,
    UrlOpt,
    VarFileOpt,
    VarOpt,
)

if TYPE_CHECKING:
    from planner.model.plan import Plan


class PlanFormat(enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


FormatOpt = Annotated[
    PlanFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="text (coloured on a terminal), json (the plan document) or markdown.",
    ),
]


def print_plan(plan: Plan, output_format: PlanFormat) -> None:
    from planner.plan.files import plan_to_json
    from planner.report.plan import plan_text, render_markdown, render_text

    if output_format is PlanFormat.JSON:
        sys.stdout.write(plan_to_json(plan))
    elif output_format is PlanFormat.MARKDOWN:
        sys.stdout.write(render_markdown(plan))
    else:
        from rich.console import Console

        console = Console(soft_wrap=True)
        if console.is_terminal:
            console.print(plan_text(plan))
        else:  # pipes, CI logs: the same text without rich's rendering cost
            sys.stdout.write(render_text(plan) + "\n")


def make_plan(
    directory: Path,
    var: list[str] | None,
    var_file: list[Path] | None,
    targets: list[str] | None,
    url: str | None,
    ca_file: Path | None,
    insecure: bool,
    timeout: float | None = None,
    restarts: list[str] | None = None,
) -> Plan:
    """The configuration (all its errors first) and one read of vCenter, overlapped when the
    endpoint needs no prompt (docs/performance.md#overlap), then the diff."""
    from planner.cli.read_ahead import config_and_inventory
    from planner.gc_pause import kept_for_the_run
    from planner.plan.diff import plan_changes

    config, inventory, display_url = config_and_inventory(
        directory, var or [], var_file or [], url, ca_file, insecure, timeout
    )
    with kept_for_the_run():  # the plan too
        plan = plan_changes(
            config, inventory, display_url, list(targets or []), restarts=list(restarts or [])
        )
    return plan


def plan(
    directory: DirArg = Path("."),
    out_file: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Also save the plan (JSON) for `vcplan apply FILE`.",
            show_default=False,
        ),
    ] = None,
    output_format: FormatOpt = PlanFormat.TEXT,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes, 0 when none."),
    ] = False,
    target: TargetOpt = None,
    restart: RestartOpt = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    json_out: JsonOpt = False,
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
) -> int:
    """Show what apply would change in vCenter. Reads only; changes nothing.

    Exit codes: 0 (or 2 with --detailed-exitcode when there are changes), 1 on an error.

    \b
    Examples:
      vcplan plan examples/quickstart
      vcplan plan examples/fleet --var-file staging.vars.hcl --var web_count=4
      vcplan plan . --out web.plan --target 'DC0/web-*'
      vcplan plan . --restart 'DC0/web-*' --out restart.plan
      vcplan plan . --json | jq -c 'select(.type == "planned_change")'
    """
    from planner.cli.output import run_output
    from planner.cli.paths import check_writable, output_path, write_error
    from planner.plan.files import save_plan

    out = output_path(out_file, "--out")
    if out is not None:  # a bad path is an error before vCenter is read
        check_writable(out, "--out")

    def planned() -> Plan:
        return make_plan(
            directory, var, var_file, target, url, ca_file, insecure, timeout, restarts=restart
        )

    if json_out:  # the plan as machine-stream objects on stdout; an error is one too
        with run_output(True, None) as output:
            result = planned()
            output.planned(result)
    else:
        result = planned()
    if out is not None:
        try:
            save_plan(result, out)
        except OSError as exc:
            raise write_error(out, "--out", exc) from None
    if not json_out:
        print_plan(result, output_format)
    if out is not None:
        print(
            f"\nSaved the plan to {out}; apply exactly it with: vcplan apply {out}", file=sys.stderr
        )
    return 2 if detailed_exitcode and result.has_changes else 0


def show(
    plan_file: Annotated[
        Path, typer.Argument(metavar="PLANFILE", help="A plan saved by `vcplan plan --out`.")
    ],
    output_format: FormatOpt = PlanFormat.TEXT,
) -> None:
    """Render a saved plan, offline.

    \b
    Examples:
      vcplan show web.plan
      vcplan show web.plan --format markdown > comment.md
    """
    from planner.plan.files import load_plan

    print_plan(load_plan(plan_file), output_format)
