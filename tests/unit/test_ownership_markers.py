"""Where ownership is read from (docs/language.md#ownership): the custom attributes, and the copy
the create spec wrote in extraConfig, bound to the VM's instance UUID."""

from __future__ import annotations

from planner.model import INSTANCE_MARKER, PREVENT_DESTROY_MARKER, WORKSPACE_MARKER
from providers.vsphere.markers import read_markers

FIELDS = {1: WORKSPACE_MARKER, 2: PREVENT_DESTROY_MARKER, 3: "owner"}
UUID = "5012a3b4-0000-4000-8000-000000000001"
CREATED = {WORKSPACE_MARKER: "prod", PREVENT_DESTROY_MARKER: "true", INSTANCE_MARKER: UUID}


def read(custom=(), extra=None, uuid=UUID, esx=False):
    props = {"customValue": list(custom), "config.instanceUuid": uuid}
    return read_markers(props, FIELDS, extra or {}, esx)


def test_the_custom_attributes_alone_mark_a_vm():
    values, pending = read(custom=[(1, "prod"), (2, "false"), (3, "team")])
    assert values == {WORKSPACE_MARKER: "prod", PREVENT_DESTROY_MARKER: "false", "owner": "team"}
    assert not pending


def test_the_create_specs_copy_marks_a_vm_whose_custom_attributes_are_missing():
    values, pending = read(extra=CREATED)
    assert values == {WORKSPACE_MARKER: "prod", PREVENT_DESTROY_MARKER: "true"}
    assert pending


def test_a_written_custom_attribute_wins_over_the_create_specs_copy():
    values, pending = read(custom=[(1, "prod"), (2, "false")], extra=CREATED)
    assert values[PREVENT_DESTROY_MARKER] == "false"
    assert not pending


def test_a_custom_attribute_still_missing_keeps_the_markers_pending():
    _values, pending = read(custom=[(1, "prod")], extra=CREATED)
    assert pending


def test_the_copy_counts_only_on_the_vm_whose_instance_uuid_it_names():
    assert read(extra=CREATED, uuid="5012a3b4-0000-4000-8000-000000000002") == ({}, False)
    assert read(extra={**CREATED, INSTANCE_MARKER: ""}, uuid="") == ({}, False)
    unbound = {k: v for k, v in CREATED.items() if k != INSTANCE_MARKER}
    assert read(extra=unbound) == ({}, False)


def test_on_a_standalone_esxi_host_the_extra_config_keys_are_the_markers():
    values, pending = read(extra={WORKSPACE_MARKER: "prod"}, uuid="", esx=True)
    assert values == {WORKSPACE_MARKER: "prod"}
    assert not pending
