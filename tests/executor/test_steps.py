"""The step graph: per-VM chains in docs/apply.md's order, depends_on edges, targets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from planner.apply.steps import StepKind, build_steps, still_needed, vm_chain
from planner.model import Power
from planner.model.diagnostics import DiagnosticError
from planner.plan.targets import select_targets
from tests.builders import create, delete, live, plan, plans, update


def kinds(change):
    return [s.kind for s in vm_chain(change)]


def test_update_chain_is_move_power_off_reconfigure_power_markers():
    change = update("a", {"host": ("H0", "H1"), "cpus": (1, 2)}, restart=True, moves=True)
    assert kinds(change) == [
        StepKind.MOVE,
        StepKind.POWER_OFF,
        StepKind.RECONFIGURE,
        StepKind.POWER,
        StepKind.MARKERS,
    ]


def test_restart_returns_the_vm_to_its_previous_power_state():
    chain = vm_chain(update("a", {"cpus": (1, 2)}, restart=True, power="on"))
    assert [s.power for s in chain if s.kind is StepKind.POWER] == [Power.ON]


def test_update_without_restart_does_not_power_off():
    assert StepKind.POWER_OFF not in kinds(update("a", {"memory_mb": (1024, 2048)}))


def test_create_chain_converges_every_later_step_and_powers_on_by_default():
    chain = vm_chain(create("a"))
    assert chain[0].kind is StepKind.CREATE and not chain[0].converge
    assert all(s.converge for s in chain[1:])
    assert [s.power for s in chain if s.kind is StepKind.POWER] == [Power.ON]


def test_delete_of_a_running_vm_powers_off_first():
    assert kinds(delete("a", power="on")) == [StepKind.POWER_OFF, StepKind.DELETE]
    assert kinds(delete("a", power="off")) == [StepKind.DELETE]


def test_missing_folders_are_created_parents_first_before_the_vm():
    graph = build_steps(plan(create("a", folder="prod/web")))
    order = graph.order()
    assert order.index("DC0/prod folder") < order.index("DC0/prod/web folder")
    assert order.index("DC0/prod/web folder") < order.index("DC0/a create")


def test_two_vms_in_one_folder_share_its_step():
    graph = build_steps(plan(create("a", folder="f"), create("b", folder="f")))
    assert [s for s in graph.steps if s.endswith("folder")] == ["DC0/f folder"]


def test_dependency_is_created_and_powered_on_before_its_dependent():
    graph = build_steps(plan(create("app", depends_on=("db",)), create("db")))
    assert "DC0/db markers" in graph.predecessors["DC0/app create"]  # after db's whole chain
    assert graph.order().index("DC0/db power") < graph.order().index("DC0/app create")


def test_dependent_is_powered_off_and_deleted_before_its_dependency():
    app = delete("app", depends_on=("db",))
    db = update("db", {"power": ("on", "off")})
    graph = build_steps(plan(app, db))
    assert {"DC0/app power_off", "DC0/app delete"} <= graph.predecessors["DC0/db power"]


def test_a_depends_on_cycle_is_an_error_naming_the_vms():
    with pytest.raises(DiagnosticError, match="cycle"):
        build_steps(plan(create("a", depends_on=("b",)), create("b", depends_on=("a",))))


def test_target_pulls_in_what_the_target_depends_on():
    p = plan(create("app", depends_on=("db",)), create("db"), create("other"))
    assert [c.address for c in select_targets(p, ["DC0/app"]).changes] == ["DC0/app", "DC0/db"]


def test_converge_step_is_not_needed_when_the_read_back_vm_matches():
    change = create("a", cpus=2, power="off")
    chain = vm_chain(change)
    vm = live("a", "vm-1", cpus=2, power=Power.OFF)
    assert [s.kind for s in chain[1:] if still_needed(s, change.after, vm)] == []
    assert [s.kind for s in chain[1:] if still_needed(s, {**change.after, "cpus": 4}, vm)] == [
        StepKind.RECONFIGURE
    ]


# --- property: every edge is acyclic and respected by the static order -----------------------


@settings(max_examples=60, deadline=None)
@given(plans())
def test_static_order_respects_every_edge(p):
    graph = build_steps(p)
    position = {s: i for i, s in enumerate(graph.order())}
    for step, preds in graph.predecessors.items():
        assert all(position[pred] < position[step] for pred in preds)
