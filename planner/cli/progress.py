"""Apply's progress as people see it: a live rich display on a terminal, plain lines otherwise.

Both are sinks for the executor's events (planner/apply/executor.py never imports rich).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import IO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from planner.apply.executor import StepEvent, StepStatus

STATUS_STYLE = {
    StepStatus.APPLIED: "green",
    StepStatus.UNCHANGED: "dim",
    StepStatus.FAILED: "red",
    StepStatus.SKIPPED: "yellow",
}


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
