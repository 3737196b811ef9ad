"""Saved plans and their renderings, on plain data: JSON round trip, clear errors for files that
are not plans, text and markdown shapes."""

from __future__ import annotations

import errno
import json
import os

import pytest

from planner.model.diagnostics import DiagnosticError
from planner.model.plan import FORMAT_VERSION, Action, AttributeChange, Plan, VMChange
from planner.plan import files
from planner.plan.files import load_plan, plan_from_dict, plan_to_dict, save_plan
from planner.plan.fingerprint import FIELDS
from planner.report.plan import render_markdown, render_text

PLAN = Plan(
    workspace="ws",
    url="vpx://vc.example.com/DC0",
    created_at="2026-11-25T00:00:00+00:00",
    config_hash="abc",
    changes=(
        VMChange("DC0/new", Action.CREATE, None, {"cpus": 2, "power": "on", "disk": None}),
        VMChange(
            "DC0/web|1",
            Action.UPDATE,
            {"cpus": 1, "power": "on"},
            {"cpus": 2, "power": "on"},
            (AttributeChange("cpus", 1, 2),),
            restart=True,
            fingerprint="sha256:1",
            moref="vm-1",
            depends_on=("DC0/new",),
        ),
        VMChange(
            "DC0/old",
            Action.DELETE,
            {"cpus": 1, "power": "off"},
            None,
            fingerprint="sha256:f",
            moref="vm-2",
        ),
        VMChange("DC0/same", Action.NOOP, {"cpus": 1}, {"cpus": 1}, fingerprint="sha256:a"),
    ),
)


def test_a_plan_round_trips_through_json_unchanged(tmp_path):
    path = tmp_path / "p.plan"
    save_plan(PLAN, path)
    assert load_plan(path) == PLAN


def test_the_json_plan_has_the_contracts_top_level_fields():
    doc = plan_to_dict(PLAN)
    assert list(doc)[:4] == ["format_version", "workspace", "url", "created_at"]
    assert doc["summary"] == {"create": 1, "update": 1, "delete": 1, "noop": 1, "restart": 0}
    assert doc["changes"][1]["diffs"] == [{"attribute": "cpus", "before": 1, "after": 2}]


def test_the_json_text_is_the_plan_document_and_the_document_is_the_callers_to_change():
    assert files.plan_to_json(PLAN) == json.dumps(plan_to_dict(PLAN)) + "\n"
    doc = plan_to_dict(PLAN)
    doc["changes"][1]["after"]["cpus"] = 99
    assert PLAN.changes[1].after == {"cpus": 2, "power": "on"}


def test_a_plan_of_another_format_version_is_refused():
    doc = plan_to_dict(PLAN) | {"format_version": 99}
    with pytest.raises(ValueError, match="format_version 99"):
        plan_from_dict(doc)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        (json.dumps({"format_version": FORMAT_VERSION}), "not a vcplan plan"),
    ],
)
def test_a_file_that_is_not_a_plan_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.plan"
    path.write_text(content)
    with pytest.raises(DiagnosticError) as caught:
        load_plan(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_text_marks_each_action_like_terraform():
    text = render_text(PLAN)
    assert "  + DC0/new will be created" in text
    assert "  ~ DC0/web|1 will be updated in place  [restart]" in text
    assert "  - DC0/old will be deleted" in text
    assert "DC0/same" not in text
    assert text.endswith("Plan: 1 to create, 1 to update, 1 to delete, 1 unchanged.")


def test_text_without_changes_says_so():
    empty = Plan("ws", "vpx://vc", "t", (PLAN.changes[3],))
    assert "No changes. vCenter matches the configuration (1 VMs unchanged)." in render_text(empty)


def test_coloured_text_carries_ansi_codes_and_plain_text_none():
    assert "\x1b[" in render_text(PLAN, color=True)
    assert "\x1b[" not in render_text(PLAN)


def test_markdown_has_a_summary_table_with_escaped_cells_and_collapsible_details():
    md = render_markdown(PLAN)
    assert "| ~ | <code>DC0/web\\|1</code> | update | cpus: 1 → 2 | yes |  |" in md
    assert "<details><summary>Full plan</summary>" in md
    assert "```diff\n+ DC0/new will be created" in md


def test_a_failed_write_leaves_the_existing_plan_whole_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "p.plan"
    save_plan(PLAN, path)
    before = path.read_bytes()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    with pytest.raises(OSError):
        save_plan(PLAN, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.plan"]


def test_a_plan_saved_through_a_symlink_replaces_the_file_it_names(tmp_path):
    real = tmp_path / "real.plan"
    link = tmp_path / "link.plan"
    real.write_text("old")
    link.symlink_to(real)
    save_plan(PLAN, link)
    assert link.is_symlink() and load_plan(real) == PLAN


def test_a_plan_of_an_earlier_format_is_refused_as_another_vcplan_versions(tmp_path):
    """Not "changed in vCenter": that build's fingerprints cover other fields of the VM."""
    path = tmp_path / "old.plan"
    path.write_text(json.dumps(plan_to_dict(PLAN) | {"format_version": 1}))
    with pytest.raises(DiagnosticError) as caught:
        load_plan(path)
    message = str(caught.value)
    assert "made by another vcplan version" in message
    assert "nothing was done" in message


def test_the_fields_a_fingerprint_covers_are_those_of_this_plan_format():
    """A LiveVM field added changes every fingerprint: a saved plan of the previous format could
    never match, so FORMAT_VERSION goes up with this list."""
    assert FORMAT_VERSION == 2
    assert FIELDS == (
        "datacenter", "name", "cluster", "host", "resource_pool", "folder", "datastores",
        "power", "cpus", "cores_per_socket", "memory_mb", "annotation", "attributes",
        "template", "cpu_hot_add", "memory_hot_add", "disks", "nics", "instance_uuid", "moref",
        "workspace", "prevent_destroy", "extra_config", "tags", "markers_pending",
    )  # fmt: skip
