"""planner.config.generate on plain Inventory data: what `vcplan generate` writes, and that the
configuration it writes loads, is fmt-clean and plans to nothing but adoption."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.config import load_config
from planner.config.context import Context
from planner.config.evaluate import evaluate
from planner.config.fmt import format_source
from planner.config.generate import SETTINGS_FILE, generate_config, hcl_string
from planner.config.syntax import parse_expression
from planner.model import (
    ClusterInfo,
    DesiredConfig,
    Disk,
    HostInfo,
    Inventory,
    LiveTagCategory,
    LiveVM,
    Nic,
    Power,
    Scope,
)
from planner.model.plan import Action
from planner.plan.diff import plan_changes
from tests.builders import live_vm


def live(name: str, **fields: Any) -> LiveVM:
    base: dict[str, Any] = {
        "name": name,
        "host": "C0_H0",
        "folder": "",
        "datastores": ("ds0",),
        "memory_mb": 1024,
        "attributes": {},
        "tools_running": False,
        "disks": (Disk(10),),
        "instance_uuid": f"uuid-{name}",
        "moref": f"vm-{name}",
        "workspace": None,
    }
    base.update(fields)
    return live_vm(**base)


def inventory(*vms: LiveVM, scope: Scope | None = None) -> Inventory:
    dcs = tuple(sorted({vm.datacenter for vm in vms} | {"DC0"}))
    return Inventory(
        vms=vms,
        datacenters=dcs,
        clusters=tuple(ClusterInfo(dc, "C0", ("C0_H0", "C0_H1")) for dc in dcs),
        hosts=tuple(
            h
            for dc in dcs
            for h in (
                HostInfo(dc, "C0_H0", "C0"),
                HostInfo(dc, "C0_H1", "C0"),
                HostInfo(dc, "H9", None),
            )
        ),
        networks={dc: frozenset({"VM Network"}) for dc in dcs},
        datastores={dc: frozenset({"ds0"}) for dc in dcs},
        folders={dc: frozenset({"", "prod", "prod/web"}) for dc in dcs},
        resource_pools={
            key: pools
            for dc in dcs
            for key, pools in (
                ((dc, "C0"), frozenset({"", "gold"})),
                ((dc, "H9"), frozenset({""})),
            )
        },
        scope=scope or Scope(),
    )


def write(files: Mapping[str, str], directory: Path) -> DesiredConfig:
    for name, text in files.items():
        (directory / name).write_text(text)
    return load_config(directory, [], [], env={})


def round_trip(inv: Inventory, tmp_path: Path, workspace: str = "gen") -> DesiredConfig:
    return write(generate_config(inv, workspace), tmp_path)


def dc_text(inv: Inventory, name: str = "DC0.hcl") -> str:
    return generate_config(inv, "gen")[name]


# --- strings ----------------------------------------------------------------------------------

TRICKY = [
    'say "hi"',
    "back\\slash\\n",
    "two\nlines\r\n\ttab",
    "${var.x}",
    "%{ if true }x%{ endif }",
    "$${already}",
    "%%{already}",
    "$$",
    "trailing $",
    "trailing %",
    "ctrl \x01 \x7f",
    "unicode é ✓ \u2028",
]


@pytest.mark.parametrize("value", TRICKY)
def test_hcl_string_evaluates_back_to_the_same_text(value):
    assert evaluate(parse_expression(hcl_string(value), "e.hcl"), Context()) == value


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_hcl_string_round_trips_any_text(value):
    assert evaluate(parse_expression(hcl_string(value), "e.hcl"), Context()) == value


def test_annotation_and_attributes_with_templates_and_escapes_load_back_unchanged(tmp_path):
    vm = live("web", annotation=TRICKY[2] + TRICKY[3], attributes={"cost center": "%{x}"})
    (desired,) = round_trip(inventory(vm), tmp_path).vms
    assert desired.annotation == vm.annotation
    assert desired.attributes == {"cost center": "%{x}"}


# --- names and labels -------------------------------------------------------------------------


def test_name_that_is_an_identifier_is_the_label_and_no_name_attribute():
    text = dc_text(inventory(live("web-01")))
    assert 'vm "web-01" {' in text
    assert "name " not in text


def test_name_that_is_not_an_identifier_gets_a_safe_label_and_a_name_attribute(tmp_path):
    text = dc_text(inventory(live('web 1 "${x}"')))
    assert 'vm "web_1_x" {' in text
    assert 'name             = "web 1 \\"$${x}\\""' in text
    (desired,) = round_trip(inventory(live('web 1 "${x}"')), tmp_path).vms
    assert desired.name == 'web 1 "${x}"'


def test_names_that_sanitize_alike_get_distinct_labels(tmp_path):
    config = round_trip(inventory(live("a b"), live("a.b"), live("a_b"), live("1st")), tmp_path)
    assert sorted(vm.name for vm in config.vms) == ["1st", "a b", "a.b", "a_b"]
    text = dc_text(inventory(live("a b"), live("a.b"), live("a_b"), live("1st")))
    for label in ('"a_b"', '"a_b_2"', '"a_b_3"', '"_1st"'):
        assert f"vm {label} {{" in text


def test_datacenter_cluster_and_host_names_are_escaped_labels(tmp_path):
    vm = live("web", datacenter="D${c}", cluster=None, host="h%{x}")
    inv = replace(
        inventory(vm),
        hosts=(HostInfo("D${c}", "h%{x}", None),),
        resource_pools={("D${c}", "h%{x}"): frozenset({""})},
    )
    files = generate_config(inv, "gen")
    text = files["D_c.hcl"]
    assert 'datacenter "D$${c}" {' in text
    assert 'host "h%%{x}" {' in text
    (desired,) = write(files, tmp_path).vms
    assert (desired.datacenter, desired.host) == ("D${c}", "h%{x}")


# --- files and grouping -----------------------------------------------------------------------


def test_one_file_per_datacenter_plus_the_settings_file():
    files = generate_config(inventory(live("a"), live("b", datacenter="DC1")), "gen")
    assert sorted(files) == ["DC0.hcl", "DC1.hcl", SETTINGS_FILE]


def test_datacenter_file_names_never_collide_with_the_settings_or_vars_files():
    vms = [live("a", datacenter="vcplan"), live("b", datacenter="x.vars"), live("c")]
    files = generate_config(inventory(*vms), "gen")
    assert sorted(files) == ["DC0.hcl", "vcplan.hcl", "vcplan_2.hcl", "x_vars.hcl"]


def test_settings_file_names_the_workspace_and_the_url():
    text = generate_config(inventory(), "prod ${x}", url="vpx://vc/DC0")[SETTINGS_FILE]
    assert 'workspace = "prod $${x}"' in text
    assert 'url = "vpx://vc/DC0"' in text


def test_esx_url_is_written_without_the_datacenter_path_it_does_not_take():
    inv = replace(inventory(), is_esx=True)
    text = generate_config(inv, "gen", url="esx://esx1:8443/ha-datacenter")[SETTINGS_FILE]
    assert 'url = "esx://esx1:8443"' in text


def test_empty_inventory_gives_a_valid_configuration_with_no_vm(tmp_path):
    assert round_trip(inventory(), tmp_path).vms == ()


def test_cluster_vms_go_in_the_cluster_block_without_a_host_pin(tmp_path):
    (desired,) = round_trip(inventory(live("web")), tmp_path).vms
    assert (desired.cluster, desired.host) == ("C0", None)


def test_standalone_host_vms_go_in_a_host_block(tmp_path):
    vm = live("db", cluster=None, host="H9")
    (desired,) = round_trip(inventory(vm), tmp_path).vms
    assert (desired.cluster, desired.host) == (None, "H9")


def test_url_scoped_to_one_host_pins_cluster_vms_to_it(tmp_path):
    inv = inventory(live("web"), scope=Scope("DC0", "C0", "C0_H0"))
    (desired,) = round_trip(inv, tmp_path).vms
    assert desired.host == "C0_H0"


@pytest.mark.parametrize("scope", [Scope(), Scope("DC0", "C0", "C0_H0")])
def test_every_generated_file_is_fmt_clean(scope):
    vms = [
        live("web", annotation="x", attributes={"owner": "t", "cost-center": "4"}),
        live("db", cluster=None, host="H9", folder="prod/web", disks=(Disk(1), Disk(20))),
        live("tpl", template=True),
        live("theirs", workspace="other"),
        live('web 1 "${x}"', resource_pool="gold", annotation="a\n${b}", nics=(Nic("VM Network"),)),
        live("odd", cpus=3, cores_per_socket=2, memory_mb=30, disks=(Disk(0),), nics=(Nic(""),)),
        live("solo", datacenter="DC1", tags={"env": ("prod",)}),
    ]
    categories = {
        "env": LiveTagCategory("env", "single", frozenset({"dev", "prod"}), 'where "it" runs'),
        "team": LiveTagCategory("team", "multiple", frozenset({"ops", "web"})),
    }
    inv = replace(inventory(*vms, scope=scope), tag_categories=categories)
    for text in generate_config(inv, "gen", url="vpx://vc").values():
        assert format_source(text) == text


# --- what is written --------------------------------------------------------------------------


def test_generated_vm_reproduces_every_managed_live_value(tmp_path):
    vm = live(
        "web",
        cpus=4,
        cores_per_socket=2,
        memory_mb=2048,
        power=Power.SUSPENDED,
        folder="prod/web",
        resource_pool="gold",
        annotation="notes",
        attributes={"owner": "team"},
        disks=(Disk(10), Disk(50)),
        nics=(Nic("VM Network"), Nic("VM Network")),
    )
    (d,) = round_trip(inventory(vm), tmp_path).vms
    assert (d.cpus, d.cores_per_socket, d.memory_mb, d.power) == (4, 2, 2048, Power.SUSPENDED)
    assert (d.folder, d.resource_pool, d.annotation) == ("prod/web", "gold", "notes")
    assert d.attributes == {"owner": "team"}
    assert d.disks == vm.disks
    assert d.nics == vm.nics


def test_root_folder_and_root_pool_and_datastore_are_left_unmanaged(tmp_path):
    (d,) = round_trip(inventory(live("web")), tmp_path).vms
    assert (d.folder, d.resource_pool, d.datastore) == (None, None, None)


def test_vcplan_marker_attributes_are_never_written():
    vm = live("web", attributes={"owner": "t", "vcplan.workspace": "x"})
    text = dc_text(inventory(vm))
    assert "vcplan." not in text


@pytest.mark.parametrize(
    ("fields", "unmanaged"),
    [
        ({"memory_mb": 30}, "memory_mb"),
        ({"cpus": 3, "cores_per_socket": 2}, "cores_per_socket"),
        ({"disks": (Disk(0),)}, "disks"),
        ({"nics": (Nic(""),)}, "nics"),
    ],
)
def test_live_value_the_language_refuses_is_left_out_with_a_comment(fields, unmanaged, tmp_path):
    inv = inventory(live("web", **fields))
    text = dc_text(inv)
    assert "not managed" in text
    (d,) = round_trip(inv, tmp_path).vms
    assert getattr(d, unmanaged) is None


# --- what is left out -------------------------------------------------------------------------


def test_templates_are_left_out_with_a_comment():
    text = dc_text(inventory(live("tpl", template=True), live("web")))
    assert '# skipped "tpl": a template' in text
    assert 'vm "tpl"' not in text


def test_vms_of_another_workspace_are_left_out_with_a_comment():
    text = dc_text(inventory(live("theirs", workspace="other")))
    assert '# skipped "theirs": belongs to workspace "other"' in text
    assert 'vm "theirs"' not in text


def test_vms_sharing_a_name_in_a_datacenter_are_left_out_with_a_comment():
    twins = [live("twin", moref="vm-1"), live("twin", moref="vm-2", cluster=None, host="H9")]
    text = dc_text(inventory(*twins))
    assert text.count('# skipped "twin": 2 VMs and templates') == 2
    assert 'vm "twin"' not in text


def test_a_vm_whose_name_vcenter_shows_escaped_is_left_out_with_a_comment(tmp_path):
    """vCenter shows a '/' in a VM's name as '%2f': a configuration could not name it."""
    inv = inventory(live("a%2fb"), live("web"))
    text = dc_text(inv)
    assert '# skipped "a%2fb": its name cannot be declared: a VM name cannot contain' in text
    assert [vm.name for vm in round_trip(inv, tmp_path).vms] == ["web"]


def test_a_folder_or_annotation_the_language_refuses_is_not_managed(tmp_path):
    inv = inventory(live("web", folder="ops%2fold", annotation="x" * 2001))
    (vm,) = round_trip(inv, tmp_path).vms
    assert vm.folder is None and vm.annotation is None


def test_a_refused_folder_pool_or_annotation_is_left_out_with_a_comment_saying_why():
    text = dc_text(inventory(live("web", folder="ops%2fold", annotation="x" * 2001)))
    assert "# folder: folder 'ops%2fold' contains a percent sign" in text
    assert "# annotation: an annotation is at most 2000 characters" in text


def test_a_resource_pool_whose_name_vcenter_shows_escaped_is_not_managed(tmp_path):
    inv = inventory(live("web", resource_pool="ops%2fold"))
    inv = replace(inv, resource_pools={("DC0", "C0"): frozenset({"", "ops%2fold"})})
    assert "# resource_pool: resource pool 'ops%2fold' contains a percent sign" in dc_text(inv)
    (vm,) = round_trip(inv, tmp_path).vms
    assert vm.resource_pool is None


def test_tags_of_a_category_the_language_refuses_are_not_managed(tmp_path):
    long_tag = "t" * 300
    catalog = {
        "env": LiveTagCategory("env", "single", frozenset({"prod"})),
        "odd": LiveTagCategory("odd", "multiple", frozenset({long_tag, "fine"})),
    }
    vm = live("web", tags={"env": ("prod",), "odd": ("fine",)})
    inv = replace(inventory(vm), tag_categories=catalog)
    files = generate_config(inv, "gen")
    assert '# tags of category "odd": a tag name is at most' in files["DC0.hcl"]
    assert 'tag_category "odd"' not in files[SETTINGS_FILE]
    (loaded,) = round_trip(inv, tmp_path).vms
    assert loaded.tags == {"env": ("prod",)}


def test_vms_of_this_workspace_are_kept():
    assert 'vm "mine" {' in dc_text(inventory(live("mine", workspace="gen")))


# --- the plan on the result -------------------------------------------------------------------


def test_plan_on_generated_configuration_is_only_adoption_and_noop(tmp_path):
    vms = (
        live("web", annotation="a\n${b}", attributes={"k": "v"}, folder="prod"),
        live("mine", workspace="gen", resource_pool="gold"),
        live("db", cluster=None, host="H9", power=Power.OFF),
        live("tpl", template=True),
        live("theirs", workspace="other"),
        live("odd", datacenter="DC1", memory_mb=30, nics=(Nic("gone"),)),
    )
    inv = inventory(*vms)
    plan = plan_changes(round_trip(inv, tmp_path), inv)
    actions = {c.address: c.action for c in plan.changes}
    assert actions == {
        "DC0/web": Action.UPDATE,
        "DC0/mine": Action.NOOP,
        "DC0/db": Action.UPDATE,
        "DC1/odd": Action.UPDATE,
    }
    for change in plan.changes:
        assert [d.attribute for d in change.diffs] in ([], ["workspace"])
