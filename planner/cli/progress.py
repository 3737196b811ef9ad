"""Apply's progress as people see it: a live rich display on a terminal, the story's plain lines
otherwise (docs/apply.md). Both are `on_event` sinks fed by the executor's events (which never
imports rich), worded by planner/report/apply_story.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from planner.apply.events import StepEvent, StepStatus
from planner.report.apply_story import Outcome, StoryTeller

OUTCOME_STYLE = {Outcome.DONE: "green", Outcome.FAILED: "red", Outcome.SKIPPED: "yellow"}


class PlainProgress:
    """The story, a line at a time: for logs, pipes and CI."""

    def __init__(self, stream: IO[str], teller: StoryTeller):
        self.stream = stream
        self.teller = teller

    def __call__(self, event: StepEvent) -> None:
        for line in self.teller(event):
            print(line, file=self.stream, flush=True)


class LiveProgress:
    """A line per VM in flight (its current step, elapsed time) under an overall bar with
    counts; each VM's story line is printed above when it ends."""

    def __init__(self, console: Console, teller: StoryTeller):
        self.console = console
        self.teller = teller
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            refresh_per_second=8,
        )
        self.total = len(teller.steps_of)
        self.overall = self.progress.add_task("VMs done", total=self.total)
        self.tasks: dict[str, TaskID] = {}
        self.counts: dict[Outcome, int] = {}

    def __call__(self, event: StepEvent) -> None:
        step = event.step
        before = len(self.teller.stories)
        lines = self.teller(event)
        ended = self.teller.stories[before:]
        for line in lines:
            style = OUTCOME_STYLE[ended[0].outcome] if ended else "dim"
            self.progress.console.print(Text(line, style=style))
        if not step.is_vm:  # a folder or category: told in a line of its own
            return
        task = self.tasks.get(step.address)
        if event.status is StepStatus.STARTED:
            description = f"{step.address}: {step.kind.value.replace('_', ' ')}"
            if task is None:
                self.tasks[step.address] = self.progress.add_task(description, total=None)
            else:
                self.progress.update(task, description=description)
        elif ended:
            if task is not None:
                self.progress.remove_task(self.tasks.pop(step.address))
            self._count(ended[0].outcome)

    def _count(self, outcome: Outcome) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        failed, skipped = self.counts.get(Outcome.FAILED, 0), self.counts.get(Outcome.SKIPPED, 0)
        extra = f" ({failed} failed, {skipped} skipped)" if failed or skipped else ""
        self.progress.update(
            self.overall, completed=sum(self.counts.values()), description=f"VMs done{extra}"
        )

    @contextlib.contextmanager
    def shown(self) -> Iterator[None]:
        with self.progress:
            yield
