"""The machine stream: one JSON object per line for `--json` and `--log FILE`
(docs/plan-format.md, "The machine stream").

Every object carries `type` and `version` (STREAM_VERSION); a consumer skips types it does not
know. Built from the plan, the executor's events and the apply report only; no password or
session cookie can reach it. Must not import pyVmomi or typer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import IO, Any

from planner.apply.events import StepEvent, StepStatus
from planner.model.diagnostics import Diagnostic
from planner.model.plan import Action, Plan
from planner.report.apply import ApplyReport
from planner.report.apply_story import Outcome

STREAM_VERSION = 1


def _record(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "version": STREAM_VERSION, **fields}


def _time(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")


def plan_records(plan: Plan) -> list[dict[str, Any]]:
    """One `planned_change` per VM to change, then the `plan_summary`."""
    records = [
        _record(
            "planned_change",
            address=c.address,
            action=c.action.value,
            attributes=[d.attribute for d in c.diffs],
            restart=c.restart,
            moves=c.moves,
        )
        for c in plan.changes
        if c.action is not Action.NOOP
    ]
    summary = _record("plan_summary", workspace=plan.workspace, url=plan.url, summary=plan.summary)
    return [*records, summary]


def step_record(event: StepEvent) -> dict[str, Any]:
    """`step_start` when a step is submitted, `step_end` with its outcome when it is final."""
    base = {"time": _time(event.at), "address": event.step.address, "step": event.step.kind.value}
    if event.status is StepStatus.STARTED:
        return _record("step_start", **base)
    return _record(
        "step_end",
        **base,
        outcome=event.status.value,
        elapsed_s=round(event.elapsed, 3),
        task=event.task,
        message=event.message or None,
    )


def summary_record(report: ApplyReport) -> dict[str, Any]:
    counts = report.counts()
    return _record(
        "apply_summary",
        outcome=report.outcome,
        created=counts["create"],
        updated=counts["update"],
        deleted=counts["delete"],
        restarted=counts["restart"],
        folders_created=counts["folders"],
        failed=[s.address for s in report.of(Outcome.FAILED)],
        skipped=[s.address for s in report.of(Outcome.SKIPPED)],
        elapsed_s=round(report.elapsed, 3),
        exit_code=report.exit_code,
    )


def error_record(diag: Diagnostic) -> dict[str, Any]:
    where = str(diag.pos) if diag.pos else None
    return _record("error", message=diag.message, location=where, hint=diag.hint)


class JsonLines:
    """Writes stream objects to one or more text streams, a line each, flushed at once; also
    an `on_event` sink for the executor's events."""

    def __init__(self, *streams: IO[str]):
        self.streams = streams

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record) + "\n"
        for stream in self.streams:
            stream.write(line)
            stream.flush()

    def __call__(self, event: StepEvent) -> None:
        self.write(step_record(event))
