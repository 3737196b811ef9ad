"""Apply's story as a CI log reads it: per VM a start and an end line, a summary counting VMs by
action; compared with golden files under tests/unit/golden/ (`make golden` rewrites them)."""

from __future__ import annotations

import io
from pathlib import Path

from planner.apply.events import StepEvent, StepStatus
from planner.apply.executor import Executor
from planner.apply.steps import Step, StepKind, build_steps
from planner.cli.progress import PlainProgress
from planner.model.plan import Plan
from planner.report.apply import ApplyReport
from planner.report.apply_story import StoryTeller, seconds
from tests.builders import create, plan, update
from tests.executor.fake_provider import FakeProvider
from tests.support.golden import check_golden, normalise

GOLDEN = Path(__file__).parent / "golden"


def told(p: Plan, provider: FakeProvider | None = None) -> str:
    """What `vcplan apply` prints without a terminal, for a plan run on the fake provider
    (one step at a time, so the order is the same on every run)."""
    graph = build_steps(p)
    out = io.StringIO()
    sink = PlainProgress(out, StoryTeller(p, graph))
    result = Executor(provider or FakeProvider(), p, graph, 1, sink, wait_timeout=1.0).run()
    for line in ApplyReport(result, p, graph).lines():
        print(line, file=out)
    return out.getvalue()


def test_create_story_matches_golden():
    p = plan(
        create("web-1", template="ubuntu-22.04", folder="prod/web", cpus=2),
        create("db"),
    )
    check_golden(GOLDEN / "apply_create.txt", told(p))


def test_update_with_restart_story_matches_golden():
    p = plan(
        update("db", {"cpus": (2, 4), "memory_mb": (1024, 2048)}, restart=True),
        update("web", {"annotation": ("a", "b")}),
        update("old", {"power": ("on", "off")}),
    )
    check_golden(GOLDEN / "apply_update_restart.txt", told(p))


def test_failure_story_matches_golden():
    provider = FakeProvider(fail={("reconfigure", "vm-db")})
    p = plan(
        update("db", {"cpus": (2, 4)}, restart=True),
        update("app", {"memory_mb": (1024, 2048)}, depends_on=("db",)),
        update("other", {"annotation": ("a", "b")}),
    )
    check_golden(GOLDEN / "apply_failure.txt", told(p, provider))


def test_steps_with_nothing_to_do_are_not_told():
    p = plan(create("a"))
    out = told(p)
    assert "unchanged" not in out and "move" not in out
    assert normalise(out).splitlines()[:2] == ["DC0/a: creating…", "DC0/a: created in <t> s"]


def test_an_already_done_folder_gets_no_line():
    p = plan(create("a", folder="f"))
    graph = build_steps(p)
    teller = StoryTeller(p, graph)
    folder = Step(StepKind.FOLDER, "DC0/f")
    assert teller(StepEvent(folder, StepStatus.APPLIED, 1.0, message="already there")) == []


def test_a_skipped_vm_names_the_failure_it_follows():
    provider = FakeProvider(fail={("power_off", "vm-db")})
    p = plan(
        update("db", {"cpus": (2, 4)}, restart=True),
        update("app", {"cpus": (1, 2)}, depends_on=("db",), restart=True),
    )
    out = told(p, provider)
    assert "DC0/db: power off failed after" in out and "(task-" in out
    assert "it depends on DC0/db, whose power off failed" in out


def test_summary_counts_vms_by_action_and_folders_apart():
    p = plan(create("a", folder="f/g"), create("b"), update("c", {"annotation": ("x", "y")}))
    last = told(p).splitlines()[-1]
    assert last.startswith("Apply complete: 2 created, 1 updated, 0 deleted, 0 restarted")
    assert "(2 folders created)" in last


def test_durations_read_as_a_person_would_say_them():
    assert [seconds(2.14), seconds(34.4), seconds(125)] == ["2.1 s", "34 s", "2 min 5 s"]
