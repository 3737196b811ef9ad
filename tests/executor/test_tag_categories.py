"""Tag categories in the step graph and the executor: a VM waits only for the categories its
tags name, and a power-cycled VM goes down only once they exist (docs/apply.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.apply.events import StepStatus
from planner.apply.executor import Executor
from planner.apply.steps import build_steps
from planner.model.plan import TagCategoryChange
from tests.builders import plan, update
from tests.executor.fake_provider import FakeProvider


def category(name):
    return TagCategoryChange(name, "single", create_category=True, tags=("x",))


def cycled_web_with_tags(*categories):
    """VM web: a CPU change that needs a power cycle, and tags in category env."""
    web = update("web", {"cpus": (1, 2), "tags": ({}, {"env": ["prod"]})}, restart=True)
    return replace(plan(web), tag_categories=tuple(category(c) for c in categories))


def run(p, provider, rolling=False):
    graph = build_steps(p, rolling=rolling)
    return Executor(provider, p, graph, wait_timeout=1.0).run()


def statuses(result):
    return {e.step.id: e.status for e in result.final}


def test_a_vms_tags_step_waits_only_for_the_categories_it_names():
    graph = build_steps(cycled_web_with_tags("env", "other"))
    assert "tag_category/env tag_category" in graph.predecessors["DC0/web tags"]
    assert "tag_category/other tag_category" not in graph.predecessors["DC0/web tags"]


@pytest.mark.parametrize("mode", ["fail", "refuse"])
def test_a_failing_unrelated_category_does_not_touch_the_vm(mode):
    provider = FakeProvider(**{mode: {("create_tag_category", "tag_category/other")}})
    result = run(cycled_web_with_tags("env", "other"), provider)
    assert statuses(result)["tag_category/other tag_category"] is StepStatus.FAILED
    assert provider.ops("vm-web") == [
        "power_off",
        "reconfigure",
        "set_tags",
        "set_power",
        "set_markers",
    ]


@pytest.mark.parametrize("rolling", [False, True])
@pytest.mark.parametrize("mode", ["fail", "refuse"])
def test_a_failing_needed_category_stops_the_vm_before_it_goes_down(mode, rolling):
    provider = FakeProvider(**{mode: {("create_tag_category", "tag_category/env")}})
    result = run(cycled_web_with_tags("env"), provider, rolling=rolling)
    assert statuses(result)["DC0/web power_off"] is StepStatus.SKIPPED
    assert provider.ops("vm-web") == []


def test_a_power_cycled_vm_goes_down_only_after_its_category_exists():
    provider = FakeProvider()
    run(cycled_web_with_tags("env"), provider)
    created = provider.first("create_tag_category", "tag_category/env")
    assert created.end <= provider.first("power_off", "vm-web").start
