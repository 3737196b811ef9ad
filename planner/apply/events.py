"""What the executor reports: each step's events as it runs, and the result of the run.

Plain data for the renderers and the CLI's progress display, which import these and never the
executor. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from planner.apply.steps import Step


class StepStatus(enum.Enum):
    STARTED = "started"
    APPLIED = "applied"
    UNCHANGED = "unchanged"  # a step after a create that found nothing left to do
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class StepEvent:
    step: Step
    status: StepStatus
    at: float  # wall-clock time (time.time())
    elapsed: float = 0.0  # seconds since the step started
    task: str | None = None  # vCenter's task id
    message: str = ""  # the fault message, why it was skipped, or a note


@dataclass(frozen=True)
class ApplyResult:
    final: tuple[StepEvent, ...]  # the last event of every step, in graph order
    interrupted: bool = False
    relogins: int = 0
    power_cycled: tuple[str, ...] = ()  # addresses of the VMs taken down and brought back

    def with_status(self, *statuses: StepStatus) -> list[StepEvent]:
        return [e for e in self.final if e.status in statuses]
