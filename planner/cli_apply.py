"""`vcplan apply [DIR | PLANFILE]`: plan (or load a saved plan), ask, execute, report (CONTRACT §6).

Wiring only: the plan comes from the planner, the work from planner.executor, the summary and
exit code from planner.apply_report. Progress is a live rich display on a terminal, plain
lines otherwise.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from planner.apply_report import ApplyReport, StepLog
from planner.cli import app
from planner.cli_common import CaFileOpt, InsecureOpt, UrlOpt, keep_for_the_run, open_provider
from planner.config import load_config
from planner.diagnostics import error
from planner.diff import plan_changes
from planner.executor import DEFAULT_PARALLELISM, Executor, StepEvent, StepStatus
from planner.fingerprint import fingerprint
from planner.model import Inventory
from planner.plan import Action, Plan
from planner.plan_io import load_plan
from planner.render import plan_text
from planner.steps import build_steps, select_targets

STATUS_STYLE = {
    StepStatus.APPLIED: "green",
    StepStatus.UNCHANGED: "dim",
    StepStatus.FAILED: "red",
    StepStatus.SKIPPED: "yellow",
}


def stale_changes(plan: Plan, inventory: Inventory) -> list[str]:
    """What moved since a saved plan was made: one line per VM whose live state no longer has
    the plan's fingerprint (or that appeared or vanished)."""
    live = {vm.address: vm for vm in inventory.vms}
    lines = []
    for change in plan.changes:
        vm = live.get(change.address)
        if change.action is Action.CREATE:
            if vm is not None:
                lines.append(f"{change.address}: now exists (the plan creates it)")
        elif vm is None:
            lines.append(f"{change.address}: no longer exists")
        elif change.fingerprint is not None and fingerprint(vm) != change.fingerprint:
            lines.append(f"{change.address}: changed in vCenter since the plan was made")
    return lines


# --- progress --------------------------------------------------------------------------------


def _line(event: StepEvent) -> str:
    task = f" [{event.task}]" if event.task else ""
    note = f": {event.message}" if event.message else ""
    return f"{event.step.id}: {event.status.value} ({event.elapsed:.1f}s){task}{note}"


class PlainProgress:
    """One line per finished step, for logs and pipes."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    def __call__(self, event: StepEvent) -> None:
        if event.status is not StepStatus.STARTED:
            print(_line(event), file=self.stream, flush=True)


class LiveProgress:
    """Steps in flight with their elapsed time, above the steps done (a rich Live display)."""

    def __init__(self, console: Console, total: int):
        self.console = console
        self.total = total
        self.running: dict[str, tuple[StepEvent, float]] = {}
        self.done: list[StepEvent] = []
        self.live = Live(self._render(), console=console, refresh_per_second=8, transient=False)

    def __call__(self, event: StepEvent) -> None:
        if event.status is StepStatus.STARTED:
            self.running[event.step.id] = (event, time.monotonic())
        else:
            self.running.pop(event.step.id, None)
            self.done.append(event)
            self.live.console.print(Text(_line(event), style=STATUS_STYLE[event.status]))
        self.live.update(self._render())

    def _render(self) -> Group:
        table = Table.grid(padding=(0, 2))
        now = time.monotonic()
        for step_id, (_event, started) in list(self.running.items())[:20]:
            table.add_row(Text("⟳", style="cyan"), step_id, f"{now - started:5.1f}s")
        head = Text(f"{len(self.done)}/{self.total} steps done, {len(self.running)} in flight")
        return Group(head, table)

    @contextlib.contextmanager
    def shown(self) -> Iterator[None]:
        with self.live:
            yield


# --- the command -------------------------------------------------------------------------------


def _approve(plan: Plan, auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise error(
            "apply needs --auto-approve when stdin is not a terminal; nothing was changed",
            hint="review with `vcplan plan --out FILE`, then `vcplan apply FILE --auto-approve`",
        )
    Console(soft_wrap=True).print(plan_text(plan))
    print("\nDo you want to perform these actions? Only 'yes' will be accepted.")
    answer = typer.prompt("Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        print("Apply cancelled; nothing was changed.")
        raise typer.Exit(1)


@app.command()
def apply(
    source: Annotated[
        Path, typer.Argument(help="A configuration directory (default .) or a saved plan file.")
    ] = Path("."),
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking for 'yes'.")
    ] = False,
    parallelism: Annotated[
        int, typer.Option("--parallelism", min=1, help="vCenter tasks in flight at most.")
    ] = DEFAULT_PARALLELISM,
    target: Annotated[
        list[str] | None,
        typer.Option("--target", help="Only VMs whose <datacenter>/<name> matches (glob)."),
    ] = None,
    var: Annotated[list[str] | None, typer.Option("--var", help="name=value")] = None,
    var_file: Annotated[list[Path] | None, typer.Option("--var-file")] = None,
    log: Annotated[
        Path | None, typer.Option("--log", help="Write one JSON line per step to FILE.")
    ] = None,
    url: UrlOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
) -> int:
    """Apply the configuration (or a saved plan) to vCenter: ask, then execute and report.

    Example: vcplan apply . --parallelism 20 --log apply.jsonl
    """
    targets = list(target or [])
    saved: Plan | None = load_plan(source) if source.is_file() else None
    vcenter = None
    config = None
    if saved is None:
        config = load_config(source, list(var or []), list(var_file or []))
        vcenter = config.vcenter
    plan_url = saved.url if saved is not None else None
    with open_provider(url or _url_from_plan(plan_url), ca_file, insecure, vcenter) as provider:
        inventory = provider.read_inventory()
        keep_for_the_run()
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
            plan = plan_changes(config, inventory, provider.display_url, targets)
        if not plan.has_changes:
            print("No changes. vCenter matches the configuration.")
            return 0
        _approve(plan, auto_approve)
        graph = build_steps(plan)
        report = _execute(provider, plan, graph, parallelism, log)
    for line in report.lines():
        print(line, file=sys.stderr if line.startswith(("failed", "skipped")) else sys.stdout)
    return report.exit_code


def _url_from_plan(plan_url: str | None) -> str | None:
    """A saved plan names its vCenter; flags and VCPLAN_URL still win (open_provider)."""
    import os

    if plan_url and not os.environ.get("VCPLAN_URL"):
        return plan_url
    return None


def _execute(
    provider: Any, plan: Plan, graph: Any, parallelism: int, log: Path | None
) -> ApplyReport:
    console = Console()
    sinks: list[Any] = []
    with contextlib.ExitStack() as stack:
        if log is not None:
            sinks.append(StepLog(stack.enter_context(log.open("a"))))
        if console.is_terminal:
            live = LiveProgress(console, len(graph.steps))
            stack.enter_context(live.shown())
            sinks.append(live)
        else:
            sinks.append(PlainProgress(sys.stdout))

        def on_event(event: StepEvent) -> None:
            for sink in sinks:
                sink(event)

        result = Executor(provider, plan, graph, parallelism, on_event).run()
    return ApplyReport(result)
