"""Matching vCenter events to drift findings, on plain data: which event explains which
attribute, the latest one wins, the window is respected, and what the provider must read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from planner.drift.attribution import (
    VCenterEvent,
    attribute_report,
    explains,
    parse_since,
    relevant,
    wanted,
)
from planner.drift.findings import compute_drift
from planner.model import Container, DesiredConfig, Pos, Power
from planner.model.diagnostics import DiagnosticError
from planner.report.drift import render_html, render_markdown, render_text
from tests.builders import desired_vm, inventory, live_vm

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
CLUSTER = Container("DC0", "C0", None, Pos("main.hcl", 1, 1))


def event(kind: str, hours_ago: float = 2, vm: str = "vm-1", **kw: Any) -> VCenterEvent:
    base: dict[str, Any] = dict(
        kind=kind,
        vm=vm,
        name="web",
        datacenter="DC0",
        created_at=NOW - timedelta(hours=hours_ago),
        user="alice@vsphere.local",
        message=f"{kind} of web",
    )
    base.update(kw)
    return VCenterEvent(**base)


def reconfigured(*fields: str, **kw: Any) -> VCenterEvent:
    return event("VmReconfiguredEvent", spec_fields=frozenset(fields), **kw)


def drift_report(*events: VCenterEvent, desired: Any = None, live: Any = None):
    config = DesiredConfig("ws", (desired or desired_vm(cpus=4, power=Power.ON),), (CLUSTER,))
    report = compute_drift(config, inventory(live or live_vm()), created_at=NOW.isoformat())
    return attribute_report(report, events, NOW, WEEK)


def cpus_of(report) -> Any:
    return next(a for a in report.drifted[0].attributes if a.attribute == "cpus")


@pytest.mark.parametrize(
    ("spec_field", "attribute"),
    [
        ("numCPUs", "cpus"),
        ("memoryMB", "memory_mb"),
        ("numCoresPerSocket", "cores_per_socket"),
        ("annotation", "annotation"),
        ("extraConfig", "extra_config"),
        ("deviceChange.disk", "disk"),
        ("deviceChange.nic", "network_interface"),
    ],
)
def test_a_reconfigure_explains_the_attributes_its_spec_touches(spec_field, attribute):
    assert explains(reconfigured(spec_field), attribute)


def test_a_reconfigure_does_not_explain_attributes_its_spec_leaves_alone():
    assert not explains(reconfigured("memoryMB"), "cpus")
    assert not explains(reconfigured("deviceChange.nic"), "disk")


@pytest.mark.parametrize(
    "kind", ["VmPoweredOnEvent", "VmPoweredOffEvent", "VmSuspendedEvent", "VmGuestShutdownEvent"]
)
def test_power_events_explain_power_only(kind):
    assert explains(event(kind), "power")
    assert not explains(event(kind), "cpus")


@pytest.mark.parametrize("kind", ["VmMigratedEvent", "DrsVmMigratedEvent", "VmRelocatedEvent"])
def test_migrations_explain_placement(kind):
    assert explains(event(kind), "host")
    assert explains(event(kind), "datastore")
    assert not explains(event(kind), "power")


def test_a_custom_field_change_explains_attributes_or_the_marker_it_set():
    assert explains(event("CustomFieldValueChangedEvent", field="owner"), "attributes")
    marker = event("CustomFieldValueChangedEvent", field="vcplan.workspace")
    assert explains(marker, "workspace")
    assert not explains(marker, "attributes")


def test_the_latest_explaining_event_wins():
    old = reconfigured("numCPUs", hours_ago=5, user="bob")
    new = reconfigured("numCPUs", hours_ago=1, user="carol")
    assert cpus_of(drift_report(new, old)).changed_by == "carol"


def test_a_later_event_that_does_not_touch_the_attribute_does_not_win():
    cpu = reconfigured("numCPUs", hours_ago=5, user="bob")
    memory = reconfigured("memoryMB", hours_ago=1, user="carol")
    assert cpus_of(drift_report(cpu, memory)).changed_by == "bob"


def test_an_event_of_another_vm_explains_nothing():
    assert cpus_of(drift_report(reconfigured("numCPUs", vm="vm-9"))).changed_at is None


def test_an_event_older_than_since_explains_nothing():
    assert cpus_of(drift_report(reconfigured("numCPUs", hours_ago=24 * 8))).changed_by is None


def test_attribution_carries_user_iso_time_and_vcenters_message():
    cpus = cpus_of(drift_report(reconfigured("numCPUs", message="Reconfigured web on H1")))
    assert cpus.changed_by == "alice@vsphere.local"
    assert cpus.changed_at == "2026-03-01T10:00:00+00:00"
    assert cpus.event == "Reconfigured web on H1"


def test_a_power_event_explains_power_drift():
    report = drift_report(event("VmPoweredOffEvent", user="bob"), live=live_vm(power=Power.OFF))
    power = next(a for a in report.drifted[0].attributes if a.attribute == "power")
    assert power.changed_by == "bob"


def test_a_missing_vm_is_explained_by_its_removal_or_a_rename_away():
    config = DesiredConfig("ws", (desired_vm(name="gone"),), (CLUSTER,))
    report = compute_drift(config, inventory(), created_at=NOW.isoformat())
    removed = event("VmRemovedEvent", name="gone", vm="vm-7", user="bob", hours_ago=3)
    renamed = event("VmRenamedEvent", name="new", old_name="gone", vm="vm-8", user="carol")
    (missing,) = attribute_report(report, [removed, renamed], NOW, WEEK).missing
    assert missing.changed_by == "carol"


def test_an_unmanaged_vm_is_explained_by_its_creation():
    config = DesiredConfig("ws", (), (CLUSTER,))
    report = compute_drift(config, inventory(live_vm(workspace=None)), created_at=NOW.isoformat())
    (stray,) = attribute_report(report, [event("VmClonedEvent", user="dave")], NOW, WEEK).unmanaged
    assert stray.changed_by == "dave"


def test_the_provider_reads_events_only_for_what_drifted():
    config = DesiredConfig("ws", (desired_vm(cpus=2), desired_vm(name="gone")), (CLUSTER,))
    report = compute_drift(
        config, inventory(live_vm(), live_vm(name="x", moref="vm-2", workspace=None))
    )
    morefs, names = wanted(report)
    assert morefs == {"vm-2"}  # web is in sync; x is unmanaged
    assert names == {("DC0", "gone")}


def test_the_client_side_filter_keeps_removals_of_missing_names_only():
    names = frozenset({("DC0", "gone")})
    assert relevant(event("VmRemovedEvent", name="gone", vm="vm-7"), frozenset(), names)
    assert not relevant(event("VmRemovedEvent", name="kept", vm="vm-7"), frozenset(), names)
    assert relevant(event("VmPoweredOnEvent", vm="vm-1"), frozenset({"vm-1"}), names)


@pytest.mark.parametrize(
    ("text", "delta"),
    [("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)), ("7d", timedelta(days=7))],
)
def test_since_accepts_minutes_hours_and_days(text, delta):
    assert parse_since(text) == delta


@pytest.mark.parametrize("text", ["", "7", "7y", "0d", "-1d", "yesterday"])
def test_since_refuses_what_is_not_a_duration(text):
    with pytest.raises(DiagnosticError):
        parse_since(text)


def test_every_format_says_who_changed_it_and_how_long_ago():
    report = drift_report(reconfigured("numCPUs", message="Reconfigured web"))
    sentence = "changed by alice@vsphere.local 2 h ago (Reconfigured web)"
    assert sentence in render_text(report)
    assert sentence in render_html(report)
    assert sentence in render_markdown(report)


def test_findings_no_event_explains_say_nothing_about_who():
    report = drift_report()
    assert "changed by" not in render_text(report)
