"""The plan from a desired config and a live inventory, on plain data: one change per VM identity,
ownership, and every error collected before anything is proposed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.model import Container, DesiredConfig, Pos, Scope
from planner.model.diagnostics import DiagnosticError
from planner.plan.diff import plan_changes
from tests.builders import desired_vm as desired
from tests.builders import inventory
from tests.builders import live_vm as live

POS = Pos("main.hcl", 3, 1)


def config(*vms, workspace="ws") -> DesiredConfig:
    return DesiredConfig(workspace, tuple(vms), (Container("DC0", "C0", None, POS),))


def actions(plan) -> dict[str, str]:
    return {c.address: c.action.value for c in plan.changes}


def errors(cfg, inv) -> list[str]:
    with pytest.raises(DiagnosticError) as caught:
        plan_changes(cfg, inv)
    return [d.message for d in caught.value.diagnostics]


def test_each_vm_identity_gets_one_change():
    inv = inventory(live(name="web"), live(name="old"), live(name="theirs", workspace=None))
    plan = plan_changes(config(desired(name="web", cpus=4), desired(name="new")), inv)
    assert actions(plan) == {
        "DC0/web": "update",
        "DC0/new": "create",
        "DC0/old": "delete",
    }


def test_an_update_records_the_fingerprint_and_moref_it_was_planned_against():
    (change,) = plan_changes(config(desired(cpus=4)), inventory(live())).changes
    assert change.moref == "vm-1"
    assert change.fingerprint and change.fingerprint.startswith("sha256:")


def test_the_fingerprint_changes_when_the_vm_does_but_not_with_tools_status():
    from planner.plan.fingerprint import fingerprint

    vm = live()
    assert fingerprint(vm) == fingerprint(replace(vm, tools_running=False))
    assert fingerprint(vm) != fingerprint(replace(vm, cpus=3))


def test_two_live_vms_of_one_declared_name_are_an_error():
    inv = inventory(live(folder="a"), live(folder="b", moref="vm-2"))
    assert errors(config(desired()), inv) == [
        "DC0/web: 2 VMs of this name exist (folders 'a', 'b')"
    ]


def test_a_declared_template_is_an_error():
    assert "is a template" in errors(config(desired()), inventory(live(template=True)))[0]


def test_every_error_is_reported_together():
    inv = inventory(live(workspace="other"), live(name="kept", prevent_destroy=True))
    msgs = errors(config(desired(), desired(name="x", cluster="C9")), inv)
    assert len(msgs) == 3


def test_a_protected_vm_of_this_workspace_blocks_its_delete():
    (msg,) = errors(config(), inventory(live(prevent_destroy=True)))
    assert "DC0/web would be deleted, but it is protected by prevent_destroy" in msg


def test_targets_keep_the_matches_and_what_they_depend_on():
    cfg = config(desired(name="db"), desired(name="web", depends_on=("db",)), desired(name="x"))
    plan = plan_changes(cfg, inventory(), targets=["DC0/w*"])
    assert actions(plan) == {"DC0/db": "create", "DC0/web": "create"}


def test_a_declared_vm_outside_the_urls_scope_is_an_error_not_a_create():
    inv = replace(inventory(), scope=Scope("DC0", "C1", None))
    assert errors(config(desired()), inv) == ["DC0/web is outside the URL's scope (DC0/C1)"]


def test_a_declared_vm_inside_the_urls_scope_is_planned():
    inv = replace(inventory(live()), scope=Scope("DC0", "C0", None))
    assert actions(plan_changes(config(desired()), inv)) == {"DC0/web": "noop"}


def test_a_saved_plan_is_stale_when_a_vm_it_leaves_unchanged_has_moved_since():
    from planner.plan.stale import stale_changes

    plan = plan_changes(config(desired(cpus=2)), inventory(live()))
    assert actions(plan) == {"DC0/web": "noop"}
    assert stale_changes(plan, inventory(live())) == []
    assert stale_changes(plan, inventory(live(host="H2"))) == [
        "DC0/web: changed in vCenter since the plan was made"
    ]


def test_the_fingerprint_does_not_depend_on_the_order_of_custom_attributes():
    from planner.plan.fingerprint import fingerprint

    assert fingerprint(live(attributes={"a": "1", "b": "2"})) == fingerprint(
        live(attributes={"b": "2", "a": "1"})
    )
