"""`vcplan apply [DIR | PLANFILE]`: plan (or load a saved plan), ask, execute, report.

Wiring only: the plan comes from planner.plan, the work from planner.apply, the summary and exit
code from planner.report.apply, the progress display from planner.cli.progress.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from planner.cli.options import (
    CaFileOpt,
    InsecureOpt,
    JsonOpt,
    LogOpt,
    ParallelismOpt,
    RestartOpt,
    TargetOpt,
    TimeoutOpt,
    UrlOpt,
    VarFileOpt,
    VarOpt,
)
from planner.model.diagnostics import error

if TYPE_CHECKING:
    from planner.cli.output import RunOutput
    from planner.model.plan import Plan


def _approve(plan: Plan, auto_approve: bool, max_unavailable: int | None) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise error(
            "apply needs --auto-approve when stdin is not a terminal; nothing was changed",
            hint="review with `vcplan plan --out FILE`, then `vcplan apply FILE --auto-approve`",
        )
    from rich.console import Console

    from planner.report.plan import plan_text

    Console(soft_wrap=True).print(plan_text(plan, max_unavailable))
    print("\nDo you want to perform these actions? Only 'yes' will be accepted.")
    answer = typer.prompt("Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        print("Apply cancelled; nothing was changed.")
        raise typer.Exit(1)


def apply(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="DIR|PLANFILE",
            help="A configuration directory or a plan saved by `vcplan plan --out`.",
        ),
    ] = Path("."),
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking for 'yes'.")
    ] = False,
    parallelism: ParallelismOpt = 10,
    max_unavailable: Annotated[
        int | None,
        typer.Option(
            "--max-unavailable",
            min=1,
            metavar="N",
            help="VMs down at once at most, for restarts and power cycles. "
            "Default: 1 when the plan has restarts, unlimited otherwise.",
            show_default=False,
        ),
    ] = None,
    restart: RestartOpt = None,
    target: TargetOpt = None,
    var: VarOpt = None,
    var_file: VarFileOpt = None,
    log: LogOpt = None,
    json_out: JsonOpt = False,
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = None,
    force_unlock: Annotated[
        str | None,
        typer.Option(
            "--force-unlock",
            metavar="ID",
            help="Take over the workspace lock with this ID from an apply that is dead. "
            "Default: wait for nobody; a held lock is an error.",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Apply the configuration (or a saved plan) to vCenter: ask, then execute and report.

    Without a terminal (CI), --auto-approve is required; each VM's work is told in a line when
    it starts and one when it ends, then a summary. Exit 0 when everything was applied, 1 when
    a step failed or was skipped.

    \b
    Examples:
      vcplan apply examples/quickstart
      vcplan plan . --out web.plan && vcplan apply web.plan --auto-approve
      vcplan apply . --auto-approve --target 'DC0/web-*' --parallelism 20 --log apply.jsonl
      vcplan apply --restart 'DC1/web-*' --max-unavailable 2
      vcplan apply . --auto-approve --json | jq -c 'select(.type == "step_end")'
    """
    from planner.cli.output import run_output
    from planner.cli.paths import output_path

    if json_out and not auto_approve:
        raise error("--json needs --auto-approve: the stream has no place for a question")
    with run_output(json_out, output_path(log, "--log")) as output:
        return _apply(
            output,
            source,
            auto_approve,
            parallelism,
            max_unavailable,
            restart,
            target,
            var,
            var_file,
            url,
            ca_file,
            insecure,
            force_unlock,
            timeout,
        )


def _apply(
    output: RunOutput,
    source: Path,
    auto_approve: bool,
    parallelism: int,
    max_unavailable: int | None,
    restart: list[str] | None,
    target: list[str] | None,
    var: list[str] | None,
    var_file: list[Path] | None,
    url: str | None,
    ca_file: Path | None,
    insecure: bool,
    force_unlock: str | None,
    timeout: float | None = None,
) -> int:
    from planner.apply.interrupt import interrupt_on_signals
    from planner.apply.steps import build_steps
    from planner.cli.connect import open_provider
    from planner.config import load_config
    from planner.gc_pause import kept_for_the_run
    from planner.plan.diff import plan_changes
    from planner.plan.files import load_plan
    from planner.plan.restarts import default_max_unavailable
    from planner.plan.stale import stale_changes
    from planner.plan.targets import select_targets

    targets = list(target or [])
    saved: Plan | None = load_plan(source) if source.is_file() else None
    if saved is not None and restart:
        raise error(
            "--restart changes the plan, and a saved plan is applied as reviewed; "
            "nothing was changed",
            hint=f"make the plan with `vcplan plan --restart PATTERN --out {source}`",
        )
    vcenter = None
    config = None
    if saved is None:
        with kept_for_the_run():
            config = load_config(source, list(var or []), list(var_file or []))
        vcenter = config.vcenter
    plan_url = saved.url if saved is not None else None
    workspace = saved.workspace if saved is not None else config.workspace  # type: ignore[union-attr]
    purpose = f"apply of plan file {source.name}" if saved is not None else f"apply of {source}"
    with (
        interrupt_on_signals() as stop_asked,
        open_provider(
            url or _url_from_plan(plan_url), ca_file, insecure, vcenter, timeout
        ) as provider,
        _locked(provider, workspace, purpose, force_unlock),
    ):
        with kept_for_the_run():
            inventory = provider.read_inventory(tags=_uses_tags(saved, config))
        if saved is not None:
            moved = stale_changes(saved, inventory)
            if moved:
                lines = "\n".join(f"  {m}" for m in moved)
                raise error(
                    f"the saved plan is stale; nothing was changed. Since it was made:\n{lines}",
                    hint="run `vcplan plan --out FILE` again",
                )
            plan = select_targets(saved, targets)
        else:
            assert config is not None
            restarts = list(restart or [])
            with kept_for_the_run():  # the plan too, as `plan` keeps it
                plan = plan_changes(
                    config, inventory, provider.display_url, targets, None, restarts
                )
        output.planned(plan)
        if not plan.has_changes:
            if not output.json_mode:
                print("No changes. vCenter matches the configuration.")
            return 0
        bound = max_unavailable or default_max_unavailable(plan)
        _approve(plan, auto_approve, bound)
        graph = build_steps(plan, rolling=bound is not None)
        return output.execute(provider, plan, graph, parallelism, bound, stop_asked)


@contextlib.contextmanager
def _locked(provider: Any, workspace: str, purpose: str, force_unlock: str | None) -> Any:
    """The workspace lock for the whole apply, from before the inventory is read (so the plan
    sees what a previous apply did) to after the last step (docs/security.md#locking)."""
    from planner.apply.provider import Locked

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(provider.lock_workspace(workspace, purpose, force_unlock))
        except Locked as exc:
            raise error(
                str(exc), hint="wait for that apply to finish, then run this one again"
            ) from None
        yield


def _uses_tags(saved: Plan | None, config: Any) -> bool:
    """Whether this apply reads tags: as the plan did, so the fingerprints compare alike."""
    return saved.tags_read if saved is not None else bool(config.uses_tags)


def _url_from_plan(plan_url: str | None) -> str | None:
    """A saved plan names its vCenter; flags and VCPLAN_URL still win (open_provider)."""
    import os

    if plan_url and not os.environ.get("VCPLAN_URL"):
        return plan_url
    return None
