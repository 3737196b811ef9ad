"""`vcplan drift --watch`: report once, then report each drift transition as it happens
(docs/drift.md, "Watching").

Wiring only: providers.vsphere.watch delivers changed LiveVMs, planner.drift.findings
re-decides drift, planner.drift.watch finds the transitions and attributes them, the report
modules print them, planner.cli.webhook POSTs them. A lost session or a vCenter restart
reconnects with backoff, then a fresh full read is compared with the last known state, so no
transition is missed. Ctrl-C or SIGTERM ends the watch with exit 0.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from planner.drift.attribution import attribute_report, wanted
from planner.drift.findings import DriftReport, compute_drift, report_to_dict
from planner.drift.watch import Transition, attribute_transitions, transition_to_dict, transitions
from planner.drift.watch import wanted as wanted_for
from planner.model import DesiredConfig, Inventory, LiveVM
from planner.model.diagnostics import DiagnosticError
from planner.report.drift import render_text
from planner.report.drift.watch import transition_line

RECONNECT_S = (1, 2, 4, 8, 15, 30)  # then every 30 s


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


class DriftWatch:
    def __init__(
        self,
        provider: Any,
        config: DesiredConfig,
        as_json: bool,
        window: timedelta,
        webhook: Any = None,
    ):
        self.provider = provider
        self.config = config
        self.as_json = as_json
        self.window = window
        self.webhook = webhook
        self.inventory: Inventory | None = None
        self.live: dict[str, LiveVM] = {}
        self.report: DriftReport | None = None
        self.watch: Any = None
        self.stopping: threading.Event = threading.Event()  # Ctrl-C or SIGTERM came

    # --- the loop --------------------------------------------------------------------------

    def run(self) -> int:
        """Until Ctrl-C or SIGTERM: it raises KeyboardInterrupt in the wait in flight, and
        where Python dropped that exception the loop ends after the wait (docs/drift.md)."""
        from planner.apply.interrupt import interrupt_on_signals
        from providers.vsphere.watch import is_lost

        try:
            with interrupt_on_signals() as stopping:
                self.stopping = stopping
                self._connect(first=True)
                while not self.stopping.is_set():
                    try:
                        changes = self.watch.next()
                        if changes:
                            self._apply(changes)
                    except Exception as exc:
                        if not is_lost(exc):
                            raise
                        self._lost(str(exc) or type(exc).__name__)
            return 0
        except KeyboardInterrupt:
            return 0
        finally:
            if self.watch is not None:
                self.watch.close()
            if self.webhook is not None:
                self.webhook.close()

    def _connect(self, first: bool) -> None:
        """A full read: the inventory, then the watch's initial update set. The first time it
        prints the report; after a reconnect, what changed while the watch was away."""
        if self.watch is not None:
            self.watch.close()
        self.inventory = self.provider.read_inventory(tags=self.config.uses_tags)
        self.watch = self.provider.watch()
        self.live = self.watch.start()
        report = self._decide()
        if first:
            self._print_report(report)
        else:
            self._report_transitions(report)
        self.report = report

    def _lost(self, reason: str) -> None:
        for attempt in range(10**9):
            if self.stopping.is_set():
                return
            delay = RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)]
            _note(f"{reason}; reconnecting in {delay} s")
            time.sleep(delay)
            try:
                self.provider.reconnect()
                self._connect(first=False)
                _note("reconnected; compared a fresh full read with the last known state")
                return
            except DiagnosticError as exc:
                reason = exc.diagnostics[0].message if exc.diagnostics else str(exc)
            except Exception as exc:  # WatchLost, or the connection failing mid-read
                reason = str(exc) or type(exc).__name__

    def _apply(self, changes: dict[str, LiveVM | None]) -> None:
        for moref, vm in changes.items():
            if vm is None:
                self.live.pop(moref, None)
            else:
                self.live[moref] = vm
        report = self._decide()
        self._report_transitions(report)
        self.report = report

    # --- deciding and reporting ------------------------------------------------------------

    def _decide(self) -> DriftReport:
        assert self.inventory is not None
        # the watch carries no tags: a VM keeps those of the last full read (docs/drift.md)
        read = {v.moref: v.tags for v in self.inventory.vms}
        live = (
            v if v.tags is not None else replace(v, tags=read.get(v.moref))
            for v in self.live.values()
        )
        vms = tuple(sorted(live, key=lambda v: (v.datacenter, v.name)))
        inventory = replace(self.inventory, vms=vms)
        return compute_drift(
            self.config, inventory, url=self.provider.display_url, created_at=_stamp(_now())
        )

    def _events(self, morefs: frozenset[str], names: frozenset[tuple[str, str]]) -> Any:
        now = _now()
        return now, self.provider.read_events(now - self.window, morefs, names).events

    def _print_report(self, report: DriftReport) -> None:
        morefs, names = wanted(report)
        now, events = self._events(morefs, names)
        report = attribute_report(report, events, now, self.window)
        if self.as_json:
            record = {"type": "report", "version": 1, **report_to_dict(report)}
            _emit(json.dumps(record, ensure_ascii=False))
        else:
            _emit(render_text(report).rstrip("\n"))
            _emit("Watching for changes (Ctrl-C to stop)...")

    def _report_transitions(self, report: DriftReport) -> None:
        assert self.report is not None
        found: list[Transition] = transitions(self.report, report)
        if not found:
            return
        morefs, names = wanted_for(found)
        now, events = self._events(morefs, names)
        observed = _stamp(now)
        for t in attribute_transitions(found, events, now, self.window):
            body = transition_to_dict(t, observed)
            _emit(
                json.dumps(body, ensure_ascii=False)
                if self.as_json
                else transition_line(t, observed)
            )
            if self.webhook is not None:
                self.webhook.post(body)


def _emit(line: str) -> None:
    print(line, flush=True)


def _note(line: str) -> None:
    print(f"watch: {line}", file=sys.stderr, flush=True)
