"""--restart on plain data: which VMs get a restart, how it folds into an update, how it meets
--target, how the plan shows it and how its power cycles roll."""

from __future__ import annotations

import pytest

from planner.model import Container, DesiredConfig, Pos, Power
from planner.model.diagnostics import DiagnosticError
from planner.model.plan import Action
from planner.plan.diff import plan_changes
from planner.plan.files import plan_from_dict, plan_to_dict
from planner.plan.restarts import default_max_unavailable, rolling_waves
from planner.report.plan import render_markdown, render_text
from tests.builders import desired_vm as desired
from tests.builders import inventory
from tests.builders import live_vm as live

POS = Pos("main.hcl", 3, 1)


def config(*vms) -> DesiredConfig:
    return DesiredConfig("ws", tuple(vms), (Container("DC0", "C0", None, POS),))


def web(n: int, **kw):
    return desired(name=f"web-{n}", **kw)


def live_web(n: int, **kw):
    return live(name=f"web-{n}", moref=f"vm-{n}", **kw)


def three_webs(**live_kw):
    return config(web(1), web(2), web(3)), inventory(*(live_web(n, **live_kw) for n in (1, 2, 3)))


def planned(cfg, inv, restarts, targets=()):
    return plan_changes(cfg, inv, targets=targets, restarts=restarts)


def actions(plan) -> dict[str, str]:
    return {c.address: c.action.value for c in plan.changes}


def errors(cfg, inv, restarts, targets=()) -> list[str]:
    with pytest.raises(DiagnosticError) as caught:
        planned(cfg, inv, restarts, targets)
    return [d.message for d in caught.value.diagnostics]


def test_each_running_vm_matching_a_pattern_gets_a_restart():
    plan = planned(*three_webs(), ["DC0/web-[12]"])
    assert actions(plan) == {"DC0/web-1": "restart", "DC0/web-2": "restart", "DC0/web-3": "noop"}


def test_a_restart_is_marked_as_a_requested_power_cycle():
    change = planned(*three_webs(), ["DC0/web-1"]).changes[0]
    assert (change.restart, change.restart_requested) == (True, True)


@pytest.mark.parametrize("power", [Power.OFF, Power.SUSPENDED])
def test_vms_that_are_off_or_suspended_stay_noop(power):
    plan = planned(*three_webs(power=power), ["DC0/*"])
    assert set(actions(plan).values()) == {"noop"}


def test_a_pattern_that_matches_no_vm_is_an_error():
    assert errors(*three_webs(), ["DC0/db-*"]) == [
        "--restart 'DC0/db-*' matches no VM of this plan"
    ]


def test_an_update_needing_a_power_cycle_is_cycled_once_with_the_restart_folded_in():
    cfg = config(web(1, cpus=4))
    (change,) = planned(cfg, inventory(live_web(1)), ["DC0/web-1"]).changes
    assert (change.action, change.restart, change.restart_requested) == (Action.UPDATE, True, True)


def test_an_update_without_a_power_cycle_gets_one_for_the_restart():
    cfg = config(web(1, annotation="new"))
    (change,) = planned(cfg, inventory(live_web(1)), ["DC0/web-1"]).changes
    assert (change.action, change.restart) == (Action.UPDATE, True)


def test_an_update_that_powers_the_vm_off_is_not_restarted():
    cfg = config(web(1, power=Power.OFF))
    (change,) = planned(cfg, inventory(live_web(1)), ["DC0/web-1"]).changes
    assert (change.action, change.restart_requested) == (Action.UPDATE, False)


def test_restarts_stay_within_the_targets():
    plan = planned(*three_webs(), ["DC0/*"], targets=["DC0/web-2"])
    assert actions(plan) == {"DC0/web-2": "restart"}


def test_a_dependency_brought_in_by_target_is_not_restarted():
    cfg = config(web(1, depends_on=("web-2",)), web(2))
    inv = inventory(live_web(1), live_web(2))
    plan = planned(cfg, inv, ["DC0/*"], targets=["DC0/web-1"])
    assert actions(plan) == {"DC0/web-1": "restart", "DC0/web-2": "noop"}


def test_a_restart_pattern_outside_the_targets_is_an_error():
    assert errors(*three_webs(), ["DC0/web-3"], targets=["DC0/web-1"]) == [
        "--restart 'DC0/web-3' matches no VM within the --target selection"
    ]


def test_plans_with_restarts_default_to_one_vm_down_at_a_time():
    assert default_max_unavailable(planned(*three_webs(), ["DC0/*"])) == 1
    assert default_max_unavailable(planned(*three_webs(), [])) is None


def test_waves_hold_at_most_max_unavailable_vms():
    plan = planned(*three_webs(), ["DC0/*"])
    assert [len(w) for w in rolling_waves(plan, 2)] == [2, 1]


def test_a_vm_is_in_a_later_wave_than_the_vms_it_depends_on():
    cfg = config(web(1, depends_on=("web-2",)), web(2), web(3))
    inv = inventory(live_web(1), live_web(2), live_web(3))
    waves = rolling_waves(planned(cfg, inv, ["DC0/*"]), 2)
    assert waves == [["DC0/web-2", "DC0/web-3"], ["DC0/web-1"]]


def test_a_vm_passed_over_for_its_dependency_leads_the_next_wave_in_plan_order():
    cfg = config(web(1, depends_on=("web-2",)), web(2), web(3), web(4), web(5))
    inv = inventory(*(live_web(n) for n in (1, 2, 3, 4, 5)))
    waves = rolling_waves(planned(cfg, inv, ["DC0/*"]), 2)
    assert waves == [["DC0/web-2", "DC0/web-3"], ["DC0/web-1", "DC0/web-4"], ["DC0/web-5"]]


def test_vms_in_a_depends_on_cycle_share_the_last_wave():
    cfg = config(web(1, depends_on=("web-2",)), web(2, depends_on=("web-1",)), web(3))
    inv = inventory(*(live_web(n) for n in (1, 2, 3)))
    assert rolling_waves(planned(cfg, inv, ["DC0/*"]), 1) == [
        ["DC0/web-3"],
        ["DC0/web-1", "DC0/web-2"],
    ]


def test_text_shows_the_restart_the_waves_and_the_count():
    text = render_text(planned(*three_webs(), ["DC0/*"]))
    assert "↻ DC0/web-1 will be restarted" in text
    assert "Power cycles: 3 VMs power-cycled, rolling, 1 at a time, in 3 waves." in text
    assert text.endswith("Plan: 0 to create, 0 to update, 0 to delete, 3 to restart, 0 unchanged.")


def test_text_shows_apply_s_bound_when_given():
    text = render_text(planned(*three_webs(), ["DC0/*"]), max_unavailable=2)
    assert "rolling, 2 at a time, in 2 waves" in text


def test_text_says_when_a_restart_is_folded_into_an_update():
    text = render_text(planned(config(web(1, cpus=4)), inventory(live_web(1)), ["DC0/web-1"]))
    assert "--restart, folded into this update's power cycle" in text


def test_markdown_lists_a_restart_in_the_table():
    md = render_markdown(planned(*three_webs(), ["DC0/web-1"]))
    assert "| ↻ | <code>DC0/web-1</code> | restart |  | yes (--restart) |  |" in md


def test_json_has_the_restart_action_and_round_trips():
    plan = planned(*three_webs(), ["DC0/web-1"])
    doc = plan_to_dict(plan)
    assert doc["changes"][0]["action"] == "restart"
    assert doc["summary"]["restart"] == 1
    assert plan_from_dict(doc) == plan
