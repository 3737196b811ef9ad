"""The watch's transitions, on plain data: what counts as a change of drift status."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from planner.drift.attribution import VCenterEvent
from planner.drift.findings import compute_drift
from planner.drift.watch import attribute_transitions, transition_to_dict, transitions
from planner.model import Container, DesiredConfig, Pos
from planner.report.drift.watch import transition_line
from tests.builders import desired_vm, inventory, live_vm

CLUSTER = Container("DC0", "C0", None, Pos("main.hcl", 1, 1))
CONFIG = DesiredConfig("ws", (desired_vm(cpus=2),), (CLUSTER,))
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def report(*vms):
    return compute_drift(CONFIG, inventory(*vms), created_at=NOW.isoformat())


def kinds(before, after) -> list[tuple[str, str]]:
    return [(t.kind, t.address) for t in transitions(before, after)]


def test_nothing_changed_is_no_transition():
    assert kinds(report(live_vm()), report(live_vm())) == []


def test_a_vm_leaving_its_configuration_is_drifted():
    assert kinds(report(live_vm()), report(live_vm(cpus=4))) == [("drifted", "DC0/web")]


def test_a_drifted_vm_drifting_further_is_reported_again():
    assert kinds(report(live_vm(cpus=4)), report(live_vm(cpus=8))) == [("drifted", "DC0/web")]


def test_a_vm_returning_to_its_configuration_is_in_sync():
    assert kinds(report(live_vm(cpus=4)), report(live_vm())) == [("in_sync", "DC0/web")]


def test_a_declared_vm_vanishing_is_missing_and_coming_back_is_in_sync():
    assert kinds(report(live_vm()), report()) == [("missing", "DC0/web")]
    assert kinds(report(), report(live_vm())) == [("in_sync", "DC0/web")]


def test_an_unmanaged_vm_appearing_and_going():
    stray = live_vm(name="stray", moref="vm-9", workspace=None)
    assert kinds(report(live_vm()), report(live_vm(), stray)) == [("unmanaged", "DC0/stray")]
    assert kinds(report(live_vm(), stray), report(live_vm())) == [("gone", "DC0/stray")]


def test_a_transition_carries_the_user_of_the_event_that_explains_it():
    (found,) = transitions(report(live_vm()), report(live_vm(cpus=4)))
    event = VCenterEvent(
        "VmReconfiguredEvent",
        "vm-1",
        "web",
        "DC0",
        NOW - timedelta(seconds=5),
        "alice@vsphere.local",
        "Reconfigured web",
        spec_fields=frozenset({"numCPUs"}),
    )
    (t,) = attribute_transitions([found], [event], NOW, timedelta(days=7))
    body = transition_to_dict(t, NOW.isoformat())
    assert body["changed_by"] == body["attributes"][0]["changed_by"] == "alice@vsphere.local"
    assert transition_line(t, NOW.isoformat()) == (
        "2026-03-01T12:00:00+00:00 ~ DC0/web drifted: cpus expected 2, actual 4, "
        "changed by alice@vsphere.local just now (Reconfigured web)"
    )


class _TaggedVCenter:
    """A provider whose watch, like vCenter's property collector, carries no tags."""

    display_url = "vpx://vc"

    def __init__(self, vm):
        self.vm = vm
        self.read_with_tags: list[bool] = []

    def read_inventory(self, tags=False):
        self.read_with_tags.append(tags)
        return inventory(self.vm if tags else replace(self.vm, tags=None))

    def watch(self):
        untagged = replace(self.vm, tags=None)
        return SimpleNamespace(start=lambda: {untagged.moref: untagged}, close=lambda: None)


def test_a_watch_of_a_tagged_configuration_reads_tags_and_shows_no_false_tag_drift(capsys):
    from planner.cli.drift_watch import DriftWatch

    tagged = DesiredConfig("ws", (desired_vm(cpus=2, tags={"env": ("prod",)}),), (CLUSTER,))
    provider = _TaggedVCenter(live_vm(tags={"env": ("prod",)}))
    watch = DriftWatch(provider, tagged, as_json=False, window=timedelta(0))
    watch._events = lambda _morefs, _names: (NOW, ())  # no event to attribute
    watch._connect(first=True)
    assert provider.read_with_tags == [True]
    assert watch.report is not None and not watch.report.has_drift


class _Runaway(BaseException):
    """The watch went on after it was stopped (a BaseException: no handler in it takes it)."""


class _QuietVCenter:
    """A provider whose watch sees no change; `on_next` and `on_reconnect` stand in for what
    happens while the watch waits and while it reconnects. A watch that goes on regardless is
    ended by _Runaway rather than left to hang the suite."""

    display_url = "vpx://vc"

    def __init__(self, on_next, on_reconnect=lambda: None):
        self.on_next = on_next
        self.on_reconnect = on_reconnect
        self.waits = 0
        self.reconnects = 0

    def read_inventory(self, tags=False):
        return inventory(live_vm())

    def reconnect(self):
        self.reconnects += 1
        if self.reconnects > 3:
            raise _Runaway
        self.on_reconnect()

    def watch(self):
        def _next():
            self.waits += 1
            if self.waits > 3:
                raise _Runaway
            return self.on_next()

        vm = live_vm()
        return SimpleNamespace(start=lambda: {vm.moref: vm}, next=_next, close=lambda: None)


def _quiet_watch(provider):
    from planner.cli.drift_watch import DriftWatch

    watch = DriftWatch(provider, CONFIG, as_json=True, window=timedelta(0))
    watch._events = lambda _morefs, _names: (NOW, ())
    return watch


def test_a_stop_signal_whose_exception_was_swallowed_still_ends_the_watch_after_its_wait():
    def _signal_during_a_finalizer():
        # Python drops exceptions raised in finalizers, signal handlers' included
        with contextlib.suppress(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
        return {}

    provider = _QuietVCenter(_signal_during_a_finalizer)
    assert _quiet_watch(provider).run() == 0
    assert provider.waits == 1


def test_a_stop_signal_during_a_reconnect_ends_the_watch_instead_of_failing_the_reconnect(
    monkeypatch,
):
    from planner.cli import drift_watch

    monkeypatch.setattr(drift_watch, "RECONNECT_S", (0,))

    def _lost():
        raise ConnectionResetError("reset by peer")

    provider = _QuietVCenter(_lost, on_reconnect=lambda: os.kill(os.getpid(), signal.SIGTERM))
    assert _quiet_watch(provider).run() == 0
    assert provider.reconnects == 1
