"""What an apply did: the summary a user reads and the exit code (docs/apply.md).

Replays the executor's final events through the story (planner/report/apply_story.py), so the
summary counts VMs by action the way the plan did. Plain text only (the CLI adds colour).
Must not import pyVmomi.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.apply.events import ApplyResult, StepEvent, StepStatus
from planner.apply.steps import StepGraph, build_steps
from planner.model.plan import Plan
from planner.report.apply_story import Outcome, StoryTeller, VMStory, seconds

DONE_WORDS = {"create": "created", "update": "updated", "delete": "deleted", "restart": "restarted"}


@dataclass(frozen=True)
class ApplyReport:
    result: ApplyResult
    plan: Plan
    graph: StepGraph | None = None
    stories: tuple[VMStory, ...] = field(init=False)
    elapsed: float = field(init=False)

    def __post_init__(self) -> None:
        teller = StoryTeller(self.plan, self.graph or build_steps(self.plan))
        for event in self.result.final:
            teller(event)
        starts = [e.at - e.elapsed for e in self.result.final]
        ends = [e.at for e in self.result.final]
        object.__setattr__(self, "stories", tuple(teller.stories))
        object.__setattr__(self, "elapsed", max(ends) - min(starts) if ends else 0.0)

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

    @property
    def outcome(self) -> str:
        if self.result.interrupted:
            return "interrupted"
        return "complete" if self.exit_code == 0 else "failed"

    def counts(self) -> dict[str, int]:
        """VMs done, by the plan's action; folders created."""
        counts = dict.fromkeys(DONE_WORDS, 0)
        counts["folders"] = 0
        counts["tag_categories"] = 0
        for story in self.stories:
            if story.outcome is Outcome.DONE:
                key = {"folder": "folders", "tag_category": "tag_categories"}.get(
                    story.action, story.action
                )
                counts[key] = counts.get(key, 0) + 1
        return counts

    def of(self, outcome: Outcome) -> list[VMStory]:
        return [s for s in self.stories if s.outcome is outcome]

    def headline(self) -> str:
        counts = self.counts()
        parts = ", ".join(f"{counts[action]} {word}" for action, word in DONE_WORDS.items())
        folders, categories = counts["folders"], counts["tag_categories"]
        extras = [f"{folders} folder{'s' if folders != 1 else ''} created"] if folders else []
        if categories:
            extras.append(f"{categories} tag categor{'ies' if categories != 1 else 'y'} set up")
        if extras:
            parts += f" ({', '.join(extras)})"
        failed, skipped = self.of(Outcome.FAILED), self.of(Outcome.SKIPPED)
        if failed or skipped:
            parts += f"; {len(failed)} failed, {len(skipped)} skipped"
        return f"Apply {self.outcome}: {parts} in {seconds(self.elapsed)}"

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.result.interrupted:
            out.append("Interrupted: no new step was started; the steps in flight finished.")
        if self.result.relogins:
            out.append(f"The vCenter session expired; logged in again {self.result.relogins}x.")
        out.append(self.headline())
        out.extend(f"  {story.line}" for story in self.of(Outcome.FAILED))
        out.extend(f"  {story.line}" for story in self.of(Outcome.SKIPPED))
        return out
