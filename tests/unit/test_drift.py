"""Drift on plain data: where unmanaged VMs are looked for, what the URL's scope hides, and that
no string from vCenter can become markup in a report."""

from __future__ import annotations

from dataclasses import replace

from planner.drift.findings import compute_drift
from planner.model import Container, DesiredConfig, HostInfo, Pos, Scope
from planner.report.drift import render_html, render_markdown, render_text
from tests.builders import desired_vm as desired
from tests.builders import inventory
from tests.builders import live_vm as live

POS = Pos("main.hcl", 3, 1)
CLUSTER = Container("DC0", "C0", None, POS)


def config(*vms, containers=(CLUSTER,), workspace="ws") -> DesiredConfig:
    return DesiredConfig(workspace, tuple(vms), tuple(containers))


def unmanaged(report) -> list[str]:
    return [u.address for u in report.unmanaged]


def test_the_same_vm_on_both_sides_is_in_sync_and_no_drift():
    report = compute_drift(config(desired(cpus=2)), inventory(live()))
    assert report.in_sync == 1
    assert not report.has_drift


def test_drift_never_raises_where_a_plan_would_refuse():
    inv = inventory(live(workspace="other"), live(name="kept", prevent_destroy=True))
    report = compute_drift(config(desired()), inv)
    assert [d.owner for d in report.drifted] == ["other"]
    assert [(u.address, u.prevent_destroy) for u in report.undeclared] == [("DC0/kept", True)]


def test_a_bare_datacenter_block_is_not_a_container_for_unmanaged_vms():
    dc_only = Container("DC0", None, None, POS)
    inv = inventory(live(name="stray", workspace=None))
    assert unmanaged(compute_drift(config(containers=(dc_only,)), inv)) == []
    assert unmanaged(compute_drift(config(), inv)) == ["DC0/stray"]


def test_a_standalone_host_block_holds_only_the_vms_of_that_host():
    inv = replace(
        inventory(
            live(name="on-h9", cluster=None, host="H9", workspace=None),
            live(name="in-cluster", host="H1", workspace=None),
        ),
        hosts=(HostInfo("DC0", "H9", None),),
    )
    report = compute_drift(config(containers=(Container("DC0", None, "H9", POS),)), inv)
    assert unmanaged(report) == ["DC0/on-h9"]


def test_a_template_a_declared_vm_clones_from_is_not_unmanaged():
    inv = inventory(
        live(name="golden", template=True, workspace=None),
        live(name="other-template", template=True, workspace=None),
    )
    report = compute_drift(config(desired(name="new", template="golden")), inv)
    assert unmanaged(report) == ["DC0/other-template"]
    assert report.unmanaged[0].template


def test_a_declared_vm_outside_the_urls_scope_is_not_missing():
    inv = replace(inventory(), scope=Scope("DC0", "C0", "H1"))
    report = compute_drift(config(desired(name="anywhere-in-c0")), inv)
    assert report.missing == ()
    assert report.out_of_scope == ("DC0/anywhere-in-c0",)


def test_a_missing_vm_says_when_its_cluster_does_not_exist():
    report = compute_drift(config(desired(cluster="C9")), inventory())
    assert report.missing[0].note == "cluster 'C9' does not exist in vCenter"


def test_vcenter_names_are_escaped_in_html_and_markdown():
    evil = "<script>alert(1)</script>|*x*"
    report = compute_drift(config(), inventory(live(name=evil, workspace=None)))
    page = render_html(report)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    markdown = render_markdown(report)
    assert "<script>" not in markdown
    assert "\\|\\*x\\*" in markdown


def test_text_is_plain_unless_colour_is_asked_for():
    report = compute_drift(config(desired(cpus=4)), inventory(live()))
    assert "\x1b[" not in render_text(report)
    assert "\x1b[" in render_text(report, color=True)
    assert "cpus: expected 4, actual 2" in render_text(report)


def test_text_does_not_read_vcenter_names_as_rich_markup():
    report = compute_drift(config(), inventory(live(name="[bold]x[/bold]", workspace=None)))
    assert "DC0/[bold]x[/bold]" in render_text(report, color=True)


def test_a_drifted_disk_names_the_element_that_changed_in_text_and_json():
    from planner.drift.findings import report_to_dict
    from planner.model import Disk

    vm = live(disks=(Disk(20), Disk(40)), workspace="ws")
    report = compute_drift(config(desired(disks=(Disk(20), Disk(80)))), inventory(vm))
    assert "disk[1].size_gb: expected 80, actual 40" in render_text(report)
    (drifted,) = report_to_dict(report)["drifted"]
    (disk,) = drifted["attributes"]
    assert disk["elements"] == [{"path": "disk[1].size_gb", "expected": 80, "actual": 40}]


def test_an_inventory_read_without_tags_shows_no_tag_drift():
    unread = live(tags=None)
    report = compute_drift(config(desired(cpus=2, tags={"env": ("prod",)})), inventory(unread))
    assert report.in_sync == 1
    assert not report.has_drift


def test_an_inventory_read_with_tags_shows_a_tag_that_differs():
    report = compute_drift(
        config(desired(cpus=2, tags={"env": ("prod",)})), inventory(live(tags={"env": ("dev",)}))
    )
    assert "tags.env" in render_text(report)
