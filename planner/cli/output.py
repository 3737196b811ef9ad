"""Where plan's and apply's output goes: the story (live on a terminal, plain lines otherwise) or,
with --json, the machine stream on stdout; --log FILE gets the machine stream either way
(docs/apply.md, docs/plan-format.md). Wiring only; the words are planner/report's.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from planner.cli.errors import print_diagnostics
from planner.cli.paths import GuardedLog, open_append
from planner.model.diagnostics import DiagnosticError
from planner.model.plan import Plan


class RunOutput:
    """Opens the --log file, says what the plan is, runs the executor with the right sinks and
    reports; `stream` is None when neither --json nor --log asked for the machine stream."""

    def __init__(self, json_mode: bool, log: GuardedLog | None):
        from planner.report.stream import JsonLines

        streams: list[Any] = [sys.stdout] if json_mode else []
        streams += [log] if log is not None else []
        self.json_mode = json_mode
        self.log = log
        self.stream = JsonLines(*streams) if streams else None

    def planned(self, plan: Plan) -> None:
        """The plan's records: the log's first writes, before anything is changed, so a log that
        cannot be written stops the apply here (docs/apply.md#output-files)."""
        from planner.report.stream import plan_records

        if self.stream is not None:
            for record in plan_records(plan):
                self.stream.write(record)
        if self.log is not None and self.log.failure is not None:
            raise self.log.error("nothing was changed")

    def errors(self, exc: DiagnosticError) -> None:
        from planner.report.stream import error_record

        if self.stream is not None:
            for diag in exc.diagnostics:
                self.stream.write(error_record(diag))

    def execute(
        self,
        provider: Any,
        plan: Plan,
        graph: Any,
        parallelism: int,
        max_unavailable: int | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """Run the plan's steps (at most `max_unavailable` VMs down at once, docs/apply.md);
        print the summary; return the exit code. `stop` set: nothing starts (a signal before)."""
        from rich.console import Console

        from planner.apply.events import ApplyResult, StepEvent
        from planner.apply.executor import Executor
        from planner.cli.progress import LiveProgress, PlainProgress
        from planner.report.apply import ApplyReport
        from planner.report.apply_story import StoryTeller
        from planner.report.stream import summary_record

        teller = StoryTeller(plan, graph)
        sinks: list[Any] = [self.stream] if self.stream is not None else []
        console = Console(stderr=False)
        with contextlib.ExitStack() as stack:
            if self.json_mode:
                pass  # stdout carries the stream only
            elif console.is_terminal:
                live = LiveProgress(console, teller)
                stack.enter_context(live.shown())
                sinks.append(live)
            else:
                sinks.append(PlainProgress(sys.stdout, teller))

            def on_event(event: StepEvent) -> None:
                for sink in sinks:
                    sink(event)

            result: ApplyResult = Executor(
                provider,
                plan,
                graph,
                parallelism,
                on_event,
                max_unavailable=max_unavailable,
                stop=stop,
            ).run()
        report = ApplyReport(result, plan, graph)
        if self.stream is not None:
            self.stream.write(summary_record(report))
        if not self.json_mode:
            for line in report.lines():
                print(line)
        if self.log is not None and self.log.failure is not None:
            print_diagnostics(self.log.error("the summary above is complete, the log is not"))
            return 1
        return report.exit_code


@contextlib.contextmanager
def run_output(json_mode: bool, log: Path | None) -> Iterator[RunOutput]:
    """The output of one apply; a configuration or connection error is also a stream object.
    The log is opened first, so a bad --log path fails before anything else is done."""
    with contextlib.ExitStack() as stack:
        guarded = None
        if log is not None:
            guarded = GuardedLog(open_append(log, "--log"), log)
            stack.callback(guarded.close)
        output = RunOutput(json_mode, guarded)
        try:
            yield output
        except DiagnosticError as exc:
            from planner.cli.errors import masked

            output.errors(masked(exc))
            raise
