"""What an apply did: the summary a user reads, the exit code, and the --log change record.

Takes the executor's events and result; renders plain text and JSON lines only (the CLI adds
colour). Must not import pyVmomi.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from planner.apply.executor import ApplyResult, StepEvent, StepStatus


def log_record(event: StepEvent) -> str:
    """One JSON line per finished step: time, VM, step, vCenter task id, outcome."""
    record = {
        "time": datetime.fromtimestamp(event.at, UTC).isoformat(timespec="milliseconds"),
        "address": event.step.address,
        "step": event.step.kind.value,
        "task": event.task,
        "outcome": event.status.value,
        "elapsed_s": round(event.elapsed, 3),
        "message": event.message or None,
    }
    return json.dumps(record)


class StepLog:
    """An `on_event` sink writing finished steps to a --log file as they happen."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    def __call__(self, event: StepEvent) -> None:
        if event.status is StepStatus.STARTED:
            return
        self.stream.write(log_record(event) + "\n")
        self.stream.flush()


@dataclass(frozen=True)
class ApplyReport:
    result: ApplyResult

    @property
    def applied(self) -> list[StepEvent]:
        return self.result.with_status(StepStatus.APPLIED)

    @property
    def failed(self) -> list[StepEvent]:
        return self.result.with_status(StepStatus.FAILED)

    @property
    def skipped(self) -> list[StepEvent]:
        return self.result.with_status(StepStatus.SKIPPED)

    @property
    def exit_code(self) -> int:
        """0 only when every step was applied (or found already in place)."""
        clean = not self.failed and not self.skipped and not self.result.interrupted
        return 0 if clean else 1

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.result.interrupted:
            out.append("Interrupted: no new step was started; the steps in flight finished.")
        if self.result.relogins:
            out.append(f"The vCenter session expired; logged in again {self.result.relogins}x.")
        for event in self.failed:
            out.append(f"failed:  {event.step.id}: {event.message}")
        for event in self.skipped:
            out.append(f"skipped: {event.step.id} ({event.message})")
        vms = {e.step.address for e in self.applied}
        headline = "Apply complete" if self.exit_code == 0 else "Apply incomplete"
        out.append(
            f"{headline}: {len(self.applied)} steps applied on {len(vms)} objects, "
            f"{len(self.failed)} failed, {len(self.skipped)} skipped."
        )
        return out
