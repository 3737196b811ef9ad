"""The attribute table, row by row: every attribute compares, plans, restarts, moves and may be
ignored exactly as its row says, and plan and apply read the same answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.apply.steps import still_needed, vm_chain
from planner.model import Disk, Nic, Power
from planner.model.attributes import (
    ATTRIBUTES,
    BY_NAME,
    Compare,
    StepKind,
    changed,
    comparable,
    ignorable_names,
    live_attributes,
    needs_power_cycle,
    unread,
)
from planner.model.plan import Action, VMChange
from planner.plan.compare import attribute_changes
from tests.builders import live_vm

# For each attribute: a live VM field override and a desired value that differs from it.
DIFFERENT: dict[str, Any] = {
    "cluster": "C9",
    "host": "H9",
    "resource_pool": "gold",
    "datastore": "DS9",
    "folder": "elsewhere",
    "cpus": 3,
    "cores_per_socket": 2,
    "memory_mb": 4096,
    "annotation": "changed",
    "attributes": {"owner": "b"},
    "extra_config": {"guestinfo.userdata": "b"},
    "tags": {"env": ["prod"]},
    "disk": [{"size_gb": 20}, {"size_gb": 80}],
    "network_interface": [{"network": "Other"}],
    "power": "off",
    "workspace": "other",
    "prevent_destroy": True,
}
COMPARED = [a for a in ATTRIBUTES if a.compare is not Compare.CREATE_ONLY]


def same_as_live(vm: Any) -> dict[str, Any]:
    return live_attributes(vm)


def test_every_compared_attribute_has_a_differing_example():
    assert {a.name for a in COMPARED} == set(DIFFERENT)


@pytest.mark.parametrize("attribute", COMPARED, ids=lambda a: a.name)
def test_an_attribute_equal_to_the_live_value_is_no_change(attribute):
    vm = live_vm()
    assert attribute.name not in changed(same_as_live(vm), vm)


@pytest.mark.parametrize("attribute", COMPARED, ids=lambda a: a.name)
def test_an_attribute_that_differs_is_the_only_change(attribute):
    vm = live_vm()
    after = {**same_as_live(vm), attribute.name: DIFFERENT[attribute.name]}
    assert list(changed(after, vm)) == [attribute.name]


@pytest.mark.parametrize("attribute", COMPARED, ids=lambda a: a.name)
def test_an_ignored_attribute_is_never_a_change(attribute):
    vm = live_vm()
    after = {**same_as_live(vm), attribute.name: DIFFERENT[attribute.name]}
    assert changed(after, vm, ignore={attribute.name}) == {}


@pytest.mark.parametrize("attribute", COMPARED, ids=lambda a: a.name)
def test_a_change_plans_the_step_its_row_names(attribute):
    vm = live_vm(workspace="ws")
    after = {**same_as_live(vm), attribute.name: DIFFERENT[attribute.name]}
    pairs = changed(after, vm)
    change = VMChange(
        "DC0/web",
        Action.UPDATE,
        same_as_live(vm),
        after,
        attribute_changes(pairs),
        restart=needs_power_cycle(pairs, vm),
        moves=attribute.moves,
    )
    assert attribute.step in {s.kind for s in vm_chain(change, "ws")}


@pytest.mark.parametrize("attribute", [a for a in COMPARED if a.step is not StepKind.POWER])
def test_the_converge_step_after_a_create_changes_what_the_row_says(attribute):
    vm = live_vm(workspace="ws")
    after = {**same_as_live(vm), attribute.name: DIFFERENT[attribute.name]}
    chain = vm_chain(VMChange("DC0/web", Action.CREATE, None, after), "ws")
    step = next(s for s in chain if s.kind is attribute.step)
    assert still_needed(step, after, vm) == {attribute.name}


@pytest.mark.parametrize("attribute", COMPARED, ids=lambda a: a.name)
def test_only_placement_attributes_move_the_vm(attribute):
    assert attribute.moves == (attribute.step is StepKind.MOVE)


def test_a_cpu_increase_on_a_running_vm_needs_a_power_cycle_only_without_hot_add():
    pairs = {"cpus": (2, 4)}
    assert needs_power_cycle(pairs, live_vm(power=Power.ON, cpu_hot_add=False))
    assert not needs_power_cycle(pairs, live_vm(power=Power.ON, cpu_hot_add=True))


def test_a_decrease_needs_a_power_cycle_even_with_hot_add():
    vm = live_vm(power=Power.ON, cpu_hot_add=True, memory_hot_add=True)
    assert needs_power_cycle({"cpus": (4, 2)}, vm)
    assert needs_power_cycle({"memory_mb": (4096, 2048)}, vm)


def test_cores_per_socket_always_need_a_power_cycle_on_a_running_vm():
    assert needs_power_cycle({"cores_per_socket": (1, 2)}, live_vm(power=Power.ON))


@pytest.mark.parametrize("attribute", COMPARED, ids=lambda a: a.name)
def test_no_change_needs_a_power_cycle_on_a_vm_that_is_off(attribute):
    vm = live_vm(power=Power.OFF)
    assert not needs_power_cycle({attribute.name: (vm, DIFFERENT[attribute.name])}, vm)


def test_attributes_without_a_rule_never_need_a_power_cycle():
    vm = live_vm(power=Power.ON)
    for attribute in COMPARED:
        if attribute.power_cycle is None:
            assert not needs_power_cycle({attribute.name: (None, DIFFERENT[attribute.name])}, vm)


def test_a_template_is_used_on_create_and_never_a_change():
    vm = live_vm()
    assert changed({**same_as_live(vm), "template": "ubuntu"}, vm) == {}


def test_any_of_the_vms_datastores_satisfies_the_datastore():
    vm = live_vm(datastores=("DS0", "DS1"))
    assert changed({**same_as_live(vm), "datastore": "DS1"}, vm) == {}


def test_only_the_declared_custom_attributes_are_managed():
    vm = live_vm(attributes={"owner": "a", "cost": "1"})
    assert changed({**same_as_live(vm), "attributes": {"owner": "a"}}, vm) == {}


def test_only_the_declared_extra_config_keys_are_managed():
    vm = live_vm(extra_config={"guestinfo.userdata": "a", "svga.present": "TRUE"})
    assert changed({**same_as_live(vm), "extra_config": {"guestinfo.userdata": "a"}}, vm) == {}


def test_an_extra_config_key_missing_from_the_vm_is_a_change():
    vm = live_vm(extra_config={})
    after = {**same_as_live(vm), "extra_config": {"guestinfo.userdata": "a"}}
    assert changed(after, vm) == {
        "extra_config": ({"guestinfo.userdata": None}, {"guestinfo.userdata": "a"})
    }


def test_a_guestinfo_key_changes_on_a_running_vm_without_a_power_cycle():
    """The guest reads guestinfo.* live through VMware Tools."""
    vm = live_vm(power=Power.ON)
    pairs = {"extra_config": ({"guestinfo.userdata": "a"}, {"guestinfo.userdata": "b"})}
    assert not needs_power_cycle(pairs, vm)


def test_any_other_extra_config_key_on_a_running_vm_needs_a_power_cycle():
    """The VMX reads every other key only at power-on."""
    vm = live_vm(power=Power.ON)
    pairs = {
        "extra_config": (
            {"guestinfo.userdata": "a", "disk.EnableUUID": None},
            {"guestinfo.userdata": "a", "disk.EnableUUID": "TRUE"},
        )
    }
    assert needs_power_cycle(pairs, vm)
    assert not needs_power_cycle(pairs, live_vm(power=Power.OFF))


def test_ignore_changes_may_name_what_the_rows_allow_and_no_ownership_marker():
    names = ignorable_names()
    assert {a.name for a in ATTRIBUTES if a.ignorable} <= set(names)
    assert "workspace" not in names and "prevent_destroy" not in names


def test_the_provider_has_an_operation_for_every_reconfigure_attribute():
    from providers.vsphere.operations import CONFIG_SPEC_FIELDS

    handled = set(CONFIG_SPEC_FIELDS) | {"attributes", "extra_config", "disk", "network_interface"}
    assert handled == {a.name for a in ATTRIBUTES if a.step is StepKind.RECONFIGURE}


def test_a_structured_change_names_the_element_that_changed():
    (change,) = attribute_changes({"disk": ([{"size_gb": 40}], [{"size_gb": 80}])})
    assert [(e.path, e.before, e.after) for e in change.elements] == [("disk[0].size_gb", 40, 80)]
    (change,) = attribute_changes({"attributes": ({"owner": "a"}, {"owner": "b"})})
    assert [e.path for e in change.elements] == ["attributes.owner"]


live_vms = st.builds(
    lambda cpus, memory, power, disks, nics, attrs, folder: live_vm(
        cpus=cpus,
        memory_mb=memory,
        power=power,
        disks=tuple(Disk(d) for d in disks),
        nics=tuple(Nic(n) for n in nics),
        attributes=attrs,
        folder=folder,
    ),
    st.integers(1, 64),
    st.integers(4, 1 << 20),
    st.sampled_from(list(Power)),
    st.lists(st.integers(1, 4096), max_size=4),
    st.lists(st.text(min_size=1, max_size=8), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=6), st.text(max_size=6), max_size=3),
    st.text(max_size=10),
)


@given(live_vms)
def test_a_vm_compared_with_itself_has_no_change(vm):
    assert changed(live_attributes(vm), vm) == {}


@given(live_vms, st.sampled_from(sorted(DIFFERENT)))
def test_the_change_applied_leaves_nothing_to_change(vm, name):
    """After apply, the VM holds `after`: comparing again must find nothing."""
    after = {**live_attributes(vm), name: DIFFERENT[name]}
    applied = _apply(vm, name, DIFFERENT[name])
    assert changed(after, applied) == {}


def _row_by_row(after: dict[str, Any], vm: Any, ignore: frozenset[str]) -> dict[str, Any]:
    """`changed` as the rows define it, one `comparable` value per managed attribute."""
    found = {}
    for a in COMPARED:
        want = after.get(a.name)
        if (want is None and not a.always_managed) or a.name in ignore or unread(a, vm):
            continue
        if comparable(a, want, vm) != want:
            found[a.name] = (comparable(a, want, vm), want)
    return found


odd_live_vms = st.builds(
    lambda vm, datastores, tags, pending: replace(
        vm, datastores=datastores, tags=tags, markers_pending=pending
    ),
    live_vms,
    st.lists(st.sampled_from(["DS0", "DS1", "DS9"]), max_size=2).map(tuple),
    st.none() | st.just({}) | st.just({"env": ("dev",), "team": ("ops", "web")}),
    st.booleans(),
)


@given(odd_live_vms, st.data())
def test_changed_finds_exactly_the_rows_whose_comparable_value_differs(vm, data):
    """Its shortcut (a shown value equal to the desired one is no change) agrees with asking
    every managed row, for every compare kind, unread tags and an empty datastore list."""
    shown = live_attributes(vm)
    after = {
        a.name: data.draw(st.sampled_from([None, shown[a.name], DIFFERENT.get(a.name)]))
        for a in ATTRIBUTES
    }
    ignore = frozenset(data.draw(st.lists(st.sampled_from([a.name for a in COMPARED]))))
    expected = _row_by_row(after, vm, ignore)
    assert changed(after, vm, ignore) == expected
    assert changed(after, vm, ignore, before=shown) == expected


def _apply(vm: Any, name: str, value: Any) -> Any:
    """What vCenter holds once the attribute is changed (the fake of one operation)."""
    if name == "datastore":
        return replace(vm, datastores=(value,))
    if name == "disk":
        return replace(vm, disks=tuple(Disk(d["size_gb"]) for d in value))
    if name == "network_interface":
        return replace(vm, nics=tuple(Nic(n["network"]) for n in value))
    if name == "power":
        return replace(vm, power=Power(value))
    if name == "attributes":
        return replace(vm, attributes={**vm.attributes, **value})
    if name == "extra_config":
        return replace(vm, extra_config={**vm.extra_config, **value})
    if name == "tags":
        return replace(vm, tags={**vm.tags, **{k: tuple(v) for k, v in value.items()}})
    return replace(vm, **{name: value})


def test_only_the_tag_categories_a_vm_names_are_managed():
    vm = live_vm(tags={"env": ("prod",), "team": ("ops", "web")})
    assert changed({**same_as_live(vm), "tags": {"env": ["prod"]}}, vm) == {}


def test_a_tag_category_the_vm_has_no_tag_in_reads_as_empty():
    vm = live_vm(tags={})
    assert changed({**same_as_live(vm), "tags": {"team": []}}, vm) == {}
    assert changed({**same_as_live(vm), "tags": {"env": ["prod"]}}, vm) == {
        "tags": ({"env": []}, {"env": ["prod"]})
    }


def test_a_tag_change_never_needs_a_power_cycle():
    vm = live_vm(power=Power.ON, cpu_hot_add=False)
    assert not needs_power_cycle({"tags": ({"env": ["dev"]}, {"env": ["prod"]})}, vm)


def test_tags_are_changed_between_reconfigure_and_power():
    order = list(StepKind)
    assert order.index(StepKind.RECONFIGURE) < order.index(StepKind.TAGS)
    assert order.index(StepKind.TAGS) < order.index(StepKind.POWER)


def test_every_row_is_named_once():
    assert len(BY_NAME) == len(ATTRIBUTES)


def test_a_customization_on_an_existing_vm_is_never_a_change():
    vm = live_vm()
    after = {**same_as_live(vm), "customize": {"hostname": "other", "network_interface": []}}
    assert changed(after, vm) == {}
    assert BY_NAME["customize"].step is StepKind.CREATE
    assert not BY_NAME["customize"].ignorable


def test_a_vm_owned_only_through_its_create_spec_reads_as_unmarked_so_apply_writes_the_marker():
    pending = replace(live_vm(), workspace="ws", markers_pending=True)
    assert "workspace" in changed({"workspace": "ws"}, pending)
    assert "workspace" not in changed({"workspace": "ws"}, replace(pending, markers_pending=False))


def test_tags_not_read_are_unknown_and_never_differ():
    vm = live_vm(tags=None)
    assert changed({**same_as_live(vm), "tags": {"env": ["prod"]}}, vm) == {}


def test_a_declared_keys_change_names_each_key_with_its_whole_value():
    (change,) = attribute_changes(
        {"extra_config": ({"guestinfo.role": "web", "a": "1"}, {"guestinfo.role": "db", "a": "1"})}
    )
    assert [(e.path, e.before, e.after) for e in change.elements] == [
        ('extra_config["guestinfo.role"]', "web", "db")
    ]
    (change,) = attribute_changes({"tags": ({"env": ["dev"]}, {"env": ["prod"]})})
    assert [(e.path, e.before, e.after) for e in change.elements] == [
        ("tags.env", ["dev"], ["prod"])
    ]
