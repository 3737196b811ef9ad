"""Apply's story per VM, in the user's words (docs/apply.md): a line when a VM's work starts,
one when it ends; folders get a short line; steps with nothing to do are not told.

Fed by the StepEvents the executor sends (planner/apply/events.py) and the plan; returns plain
text lines (the CLI adds colour and the live display). Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from planner.apply.events import StepEvent, StepStatus
from planner.apply.steps import Step, StepGraph, StepKind
from planner.model.plan import Action, Plan, VMChange

_POWER_CYCLE_CAUSES = {"cpus": "CPU", "cores_per_socket": "CPU", "memory_mb": "memory"}


class Outcome(enum.Enum):
    """How a VM's (or folder's) story ended."""

    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


def seconds(value: float) -> str:
    """2.1 s, 34 s, 2 min 5 s: as precise as a person needs."""
    if value < 10:
        return f"{value:.1f} s"
    if value < 60:
        return f"{value:.0f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


def is_idle(event: StepEvent) -> bool:
    """A step that found nothing to do: not worth a word."""
    return event.status is StepStatus.UNCHANGED or (
        event.status is StepStatus.APPLIED and event.message.startswith("already")
    )


def action_name(change: VMChange) -> str:
    """The plan's action; "restart" too, whether the plan says it or marks an update."""
    return change.action.value


def start_line(change: VMChange) -> str:
    """What a VM is about to go through, said once when its first step starts."""
    after = change.after or {}
    action = action_name(change)
    if change.action is Action.CREATE:
        template = after.get("template")
        return f"{change.address}: creating{f' (clone of {template})' if template else ''}…"
    if change.action is Action.DELETE:
        return f"{change.address}: deleting…"
    if action == "restart":
        return f"{change.address}: restarting…"
    names = [d.attribute for d in change.diffs]
    what = f" ({', '.join(names)})" if names else ""
    return f"{change.address}: updating{what}…"


def _step_phrase(step: Step, event: StepEvent, change: VMChange) -> str | None:
    """The words for one step that did something, or None when it is not worth telling."""
    kind = step.kind
    note = event.message
    if kind is StepKind.MOVE:
        return "moved"
    if kind is StepKind.POWER_OFF:
        causes = dict.fromkeys(
            _POWER_CYCLE_CAUSES[d.attribute]
            for d in change.diffs
            if d.attribute in _POWER_CYCLE_CAUSES
        )
        why = f" for the {' and '.join(causes)} change" if causes else ""
        how = f" ({note})" if note else ""
        return f"powered off{how}{why}"
    if kind is StepKind.RECONFIGURE:
        return "reconfigured"
    if kind is StepKind.TAGS:
        return "tagged"
    if kind is StepKind.POWER:
        power = step.power.value if step.power else "on"
        return "suspended" if power == "suspended" else f"powered {power}"
    if kind is StepKind.MARKERS:
        changed = {d.attribute for d in change.diffs}
        if "workspace" in changed:
            return "adopted"
        return "protection recorded" if "prevent_destroy" in changed else None
    if kind is StepKind.DELETE:
        return "deleted"
    return None


def _elapsed(events: Iterable[StepEvent]) -> float:
    events = list(events)
    if not events:
        return 0.0
    return max(e.at for e in events) - min(e.at - e.elapsed for e in events)


def _task(event: StepEvent) -> str:
    return f" ({event.task})" if event.task else ""


def _step_words(kind: StepKind) -> str:
    return kind.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class VMStory:
    """One VM's (or folder's) ending: its outcome and the line that tells it."""

    address: str
    action: str  # the plan's action, or "folder"
    outcome: Outcome
    line: str
    elapsed: float


def _cause(step_id: str, graph: StepGraph, final: dict[str, StepEvent]) -> StepEvent | None:
    """The failed step a skipped one follows, through the graph (skips chain)."""
    todo, seen = [step_id], set()
    while todo:
        current = todo.pop(0)
        for pred in sorted(graph.predecessors.get(current, ())):
            if pred in seen:
                continue
            seen.add(pred)
            event = final.get(pred)
            if event is not None and event.status is StepStatus.FAILED:
                return event
            todo.append(pred)
    return None


def skip_reason(
    address: str, first: StepEvent, graph: StepGraph, final: dict[str, StepEvent]
) -> str:
    """Which failure a skipped VM follows, named: the step, and the VM or folder it belongs to."""
    cause = _cause(first.step.id, graph, final)
    if cause is None:  # a VM's dependents are blocked without a graph edge to the failed step
        for event in final.values():
            failed = event.status is StepStatus.FAILED and event.step.is_vm
            if failed and address in graph.dependents_closure(event.step.address):
                cause = event
                break
    if cause is None:
        return "not started (interrupted)" if "interrupted" in first.message else first.message
    if not cause.step.is_vm:
        return f"{_aux_name(cause.step)} could not be created"
    if cause.step.address == address:
        return f"its {_step_words(cause.step.kind)} failed"
    return f"it depends on {cause.step.address}, whose {_step_words(cause.step.kind)} failed"


def _aux_name(step: Step) -> str:
    if step.kind is StepKind.TAG_CATEGORY:
        return f"tag category {step.name}"
    return f"folder {step.address}"


def _done_words(change: VMChange, phrases: list[str]) -> str:
    action = action_name(change)
    if change.action is Action.CREATE:
        return "created"
    if action == "restart" and not phrases:
        return "restarted"
    return ", ".join(phrases) if phrases else "nothing left to do"


class StoryTeller:
    """Turns the executor's events into story lines as they come: `teller(event)` returns the
    lines to show now. Thread-safe use is the caller's (the executor emits from one thread)."""

    def __init__(self, plan: Plan, graph: StepGraph):
        self.graph = graph
        self.changes = {c.address: c for c in plan.changes}
        self.steps_of: dict[str, list[str]] = defaultdict(list)
        for step_id, step in graph.steps.items():
            if step.is_vm:
                self.steps_of[step.address].append(step_id)
        self.final: dict[str, StepEvent] = {}
        self.started: set[str] = set()
        self.stories: list[VMStory] = []
        self.first_at: float | None = None
        self.last_at: float | None = None

    def __call__(self, event: StepEvent) -> list[str]:
        step = event.step
        if self.first_at is None:
            self.first_at = event.at
        self.last_at = event.at
        if event.status is StepStatus.STARTED:
            if not step.is_vm or step.address in self.started:
                return []
            self.started.add(step.address)
            return [start_line(self.changes[step.address])]
        self.final[step.id] = event
        if not step.is_vm:
            story = self._folder_story(event)
        elif all(s in self.final for s in self.steps_of[step.address]):
            story = self._vm_story(step.address)
        else:
            return []
        if story is None:
            return []
        self.stories.append(story)
        return [story.line]

    @property
    def elapsed(self) -> float:
        if self.first_at is None or self.last_at is None:
            return 0.0
        return self.last_at - self.first_at

    def _folder_story(self, event: StepEvent) -> VMStory | None:
        where = _aux_name(event.step)
        kind = event.step.kind.value
        if event.status is StepStatus.FAILED:
            line = f"{where}: could not be created: {event.message}"
            return VMStory(event.step.address, kind, Outcome.FAILED, line, event.elapsed)
        if event.status is StepStatus.SKIPPED:
            line = f"{where}: skipped ({event.message})"
            return VMStory(event.step.address, kind, Outcome.SKIPPED, line, 0.0)
        if is_idle(event):
            return None
        note = f" ({event.message})" if event.message else ""
        return VMStory(event.step.address, kind, Outcome.DONE, f"{where}: created{note}", 0.0)

    def _vm_story(self, address: str) -> VMStory:
        change = self.changes[address]
        events = [self.final[s] for s in self.steps_of[address]]
        ran = [e for e in events if e.status is not StepStatus.SKIPPED]
        elapsed = _elapsed(ran)
        phrases = [
            phrase
            for e in events
            if e.status is StepStatus.APPLIED and not is_idle(e)
            for phrase in [_step_phrase(e.step, e, change)]
            if phrase
        ]
        failed = next((e for e in events if e.status is StepStatus.FAILED), None)
        action = action_name(change)
        if failed is not None:
            done = f"{', '.join(phrases)}, then " if phrases else ""
            what = _step_words(failed.step.kind)
            line = (
                f"{address}: {done}{what} failed after {seconds(failed.elapsed)}: "
                f"{failed.message}{_task(failed)}"
            )
            return VMStory(address, action, Outcome.FAILED, line, elapsed)
        skipped = next((e for e in events if e.status is StepStatus.SKIPPED), None)
        if skipped is not None:
            reason = skip_reason(address, skipped, self.graph, self.final)
            done = f"{', '.join(phrases)}, then skipped the rest" if phrases else "skipped"
            line = f"{address}: {done}: {reason}"
            return VMStory(address, action, Outcome.SKIPPED, line, elapsed)
        line = f"{address}: {_done_words(change, phrases)} in {seconds(elapsed)}"
        return VMStory(address, action, Outcome.DONE, line, elapsed)
