"""One declared VM against its live counterpart, on plain data: which attributes differ, and when
a change needs a power cycle or moves the VM."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner.model import DesiredVM, Disk, LiveVM, Nic, Pos, Power
from planner.plan.compare import compare
from tests.builders import desired_vm as desired
from tests.builders import live_vm as live


def changed(d: DesiredVM, v: LiveVM) -> dict[str, tuple[Any, Any]]:
    return {c.attribute: (c.before, c.after) for c in compare(d, v, "ws").diffs}


def test_unset_attributes_are_not_managed():
    assert changed(desired(), live()) == {}


def test_a_cpu_increase_without_hot_add_on_a_running_vm_needs_a_restart():
    result = compare(desired(cpus=4), live(), "ws")
    assert [(c.attribute, c.before, c.after) for c in result.diffs] == [("cpus", 2, 4)]
    assert result.restart


def test_a_cpu_increase_with_hot_add_needs_no_restart():
    assert not compare(desired(cpus=4), live(cpu_hot_add=True), "ws").restart


def test_a_cpu_decrease_needs_a_restart_even_with_hot_add():
    assert compare(desired(cpus=1), live(cpu_hot_add=True), "ws").restart


def test_a_memory_increase_with_hot_add_needs_no_restart():
    assert not compare(desired(memory_mb=4096), live(memory_hot_add=True), "ws").restart


def test_a_cores_per_socket_change_on_a_running_vm_needs_a_restart():
    assert compare(desired(cores_per_socket=2), live(), "ws").restart


def test_a_suspended_vm_counts_as_running_for_a_restart():
    assert compare(desired(cpus=4), live(power=Power.SUSPENDED), "ws").restart


def test_nothing_needs_a_restart_on_a_powered_off_vm():
    assert not compare(desired(cpus=1, memory_mb=1024), live(power=Power.OFF), "ws").restart


def test_an_annotation_change_needs_no_restart_and_does_not_move():
    result = compare(desired(annotation="hi"), live(), "ws")
    assert not result.restart
    assert not result.moves


def test_an_unpinned_vm_on_any_host_of_its_cluster_is_in_place():
    assert changed(desired(host=None), live(host="H7")) == {}


def test_a_pinned_host_that_differs_moves_the_vm():
    result = compare(desired(host="H2"), live(), "ws")
    assert changed(desired(host="H2"), live()) == {"host": ("H1", "H2")}
    assert result.moves


def test_a_vm_of_a_standalone_host_block_moves_out_of_its_cluster():
    assert changed(desired(cluster=None, host="H9"), live()) == {
        "cluster": ("C0", None),
        "host": ("H1", "H9"),
    }


def test_any_of_the_vms_datastores_satisfies_the_declared_one():
    assert changed(desired(datastore="DS1"), live()) == {}
    assert changed(desired(datastore="DS9"), live()) == {"datastore": ("DS0", "DS9")}


def test_folder_paths_compare_without_leading_or_trailing_slashes():
    assert changed(desired(folder="/apps/"), live()) == {}
    assert compare(desired(folder="db"), live(), "ws").moves


def test_only_the_declared_custom_attributes_are_managed():
    assert changed(desired(attributes={"owner": "a"}), live()) == {}
    assert changed(desired(attributes={"owner": "b"}), live()) == {
        "attributes": ({"owner": "a"}, {"owner": "b"})
    }


def test_a_grown_or_added_disk_is_a_change():
    diffs = changed(desired(disks=(Disk(20), Disk(50), Disk(5))), live())
    assert diffs["disk"][1] == [{"size_gb": 20}, {"size_gb": 50}, {"size_gb": 5}]


def test_a_shrunk_disk_is_an_error_at_its_size():
    pos = Pos("main.hcl", 14, 17)
    d = desired(disks=(Disk(10), Disk(40)), attr_pos={"disk[0].size_gb": pos})
    (err,) = compare(d, live(), "ws").errors
    assert err.pos == pos
    assert "disk 1 would shrink from 20 GB to 10 GB" in err.message


def test_a_removed_disk_is_an_error():
    (err,) = compare(desired(disks=(Disk(20),)), live(), "ws").errors
    assert "declares 1 disk(s) but the VM has 2" in err.message


def test_nics_compare_in_order():
    assert changed(desired(nics=(Nic("VM Network"), Nic("db"))), live()) == {
        "network_interface": (
            [{"network": "VM Network"}],
            [{"network": "VM Network"}, {"network": "db"}],
        )
    }


def test_power_is_compared_only_when_declared():
    assert changed(desired(power=Power.OFF), live()) == {"power": ("on", "off")}


def test_an_unmarked_vm_is_adopted_by_setting_the_marker():
    assert changed(desired(), live(workspace=None)) == {"workspace": (None, "ws")}


def test_prevent_destroy_is_recorded_as_a_change():
    assert changed(desired(prevent_destroy=True), live()) == {"prevent_destroy": (False, True)}


def test_ignore_changes_masks_the_named_attributes():
    d = desired(cpus=8, disks=(Disk(1),), ignore_changes=frozenset({"cpus", "disk"}))
    result = compare(d, live(), "ws")
    assert result.diffs == ()
    assert result.errors == ()


def test_diffs_come_in_a_stable_attribute_order():
    d = desired(power=Power.OFF, cpus=4, folder="x", annotation="a")
    assert [c.attribute for c in compare(d, live(), "ws").diffs] == [
        "folder",
        "cpus",
        "annotation",
        "power",
    ]


def test_comparison_does_not_depend_on_the_live_vms_identity_fields():
    assert changed(desired(), replace(live(), moref="vm-99", instance_uuid="x")) == {}


def test_template_matters_only_on_create_so_an_existing_vm_is_not_changed_by_it():
    assert changed(desired(template="golden-linux"), live()) == {}
