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
from planner.apply.steps import down_window

LISTED = 20  # VMs named per line of the restart summary; --log has them all


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
        out += self.power_cycle_lines()
        vms = {e.step.address for e in self.applied}
        headline = "Apply complete" if self.exit_code == 0 else "Apply incomplete"
        out.append(
            f"{headline}: {len(self.applied)} steps applied on {len(vms)} objects, "
            f"{len(self.failed)} failed, {len(self.skipped)} skipped."
        )
        return out

    def power_cycles(self) -> dict[str, list[str]]:
        """The power-cycled VMs by outcome: back up, failed (down, or not back in time), not
        started (after a VM did not come back, or Ctrl-C), incomplete (anything else)."""
        by_vm: dict[str, list[StepEvent]] = {}
        for event in self.result.final:
            if event.step.address in self.result.power_cycled:
                by_vm.setdefault(event.step.address, []).append(event)
        outcome: dict[str, list[str]] = {"back up": [], "failed": [], "not started": []}
        outcome["incomplete"] = []
        for address, events in by_vm.items():
            window = down_window([e.step for e in events])
            status = {e.step.id: e.status for e in events}
            if window is None:
                continue
            start, end = (status[s.id] for s in window)
            if any(e.status is StepStatus.FAILED for e in events):
                outcome["failed"].append(address)
            elif start is StepStatus.SKIPPED:
                outcome["not started"].append(address)
            elif end in (StepStatus.APPLIED, StepStatus.UNCHANGED):
                outcome["back up"].append(address)
            else:
                outcome["incomplete"].append(address)
        return outcome

    def power_cycle_lines(self) -> list[str]:
        """One line per outcome, e.g. `Restarted: 3 VMs (DC0/web-1, ...)`; a power cycle for an
        update counts as a restart."""
        if not self.result.power_cycled:
            return []
        names = {
            "back up": "Restarted",
            "failed": "Restart failed",
            "not started": "Not restarted (not started)",
            "incomplete": "Restart incomplete",
        }
        lines = []
        for key, vms in self.power_cycles().items():
            if vms:
                more = f", … {len(vms) - LISTED} more" if len(vms) > LISTED else ""
                plural = "s" if len(vms) != 1 else ""
                lines.append(
                    f"{names[key]}: {len(vms)} VM{plural} ({', '.join(vms[:LISTED])}{more})"
                )
        return lines
