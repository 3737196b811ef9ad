"""`--restart` and `--max-unavailable` against the simulator, as a user runs them. Order and the
bound are read from vCenter's own events (their keys and createdTime), never from wall-clock
durations. Without `-tools-running` a restart is a reset; with it, a guest reboot whose Tools
come back after `-reboot-ms`."""

from __future__ import annotations

import json
import subprocess
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pyVmomi import vim

from tests.vcsim import harness

VMS = [f"DC0_C0_RP0_VM{i}" for i in range(4)]
FOUR = ["-dc", "1", "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "4"]
POWER_DELAYS = "PowerOffVM_Task=300,PowerOnVM_Task=300,ResetVM_Task=300"


def _config(
    directory: Path,
    cpus: int | None = None,
    depends: dict[str, str] | None = None,
    restart_timeout: int | None = None,
) -> Path:
    blocks = []
    for name in VMS:
        lines = [f"cpus = {cpus}"] if cpus else []
        if restart_timeout:
            lines.append(f"lifecycle {{\n  restart_timeout = {restart_timeout}\n}}")
        if depends and name in depends:
            lines.append(f'depends_on = ["{depends[name]}"]')
        body = textwrap.indent("\n".join(lines), "      ")
        blocks.append(f'    vm "{name}" {{\n{body}\n    }}')
    text = (
        'vcplan {\n  workspace = "rolling"\n}\n\n'
        'datacenter "DC0" {\n  cluster "DC0_C0" {\n' + "\n".join(blocks) + "\n  }\n}\n"
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.hcl").write_text(text)
    return directory


def _adopted(make_vcsim: Any, run_cli: Any, tmp_path: Path, *flags: str, **config: Any) -> Any:
    """A simulator whose four VMs this workspace already manages (adopting is an update)."""
    sim = make_vcsim(*FOUR, *flags)
    directory = _config(tmp_path / "cfg", **config)
    result = run_cli("apply", str(directory), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    return sim, directory


def _power_events(si: Any) -> list[Any]:
    """vCenter's power-off and power-on events of our VMs since the first power off (before it:
    the simulator powering its model on), oldest first."""
    spec = vim.event.EventFilterSpec(eventTypeId=["VmPoweredOffEvent", "VmPoweredOnEvent"])
    collector = si.content.eventManager.CreateCollectorForEvents(spec)
    collector.SetCollectorPageSize(1000)
    events = sorted(
        (e for e in collector.latestPage if e.vm and e.vm.name in VMS), key=lambda e: e.key
    )
    first_off = next(i for i, e in enumerate(events) if isinstance(e, vim.event.VmPoweredOffEvent))
    return events[first_off:]


def _down_periods(events: list[Any]) -> dict[str, tuple[Any, Any]]:
    """VM name -> (createdTime of its power off, of its next power on)."""
    periods: dict[str, tuple[Any, Any]] = {}
    off: dict[str, Any] = {}
    for e in events:
        name = e.vm.name
        if isinstance(e, vim.event.VmPoweredOffEvent):
            off[name] = e.createdTime
        elif name in off:
            periods[name] = (off.pop(name), e.createdTime)
    return periods


def _most_down_at_once(periods: dict[str, tuple[Any, Any]]) -> int:
    spans = list(periods.values())
    return max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)


def test_plan_shows_a_restart_for_each_running_vm_that_matches(make_vcsim, run_cli, tmp_path):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path)
    result = run_cli(
        "plan", str(directory), "--restart", "DC0/*VM[01]", "--format", "json", env=sim.env()
    )
    assert result.code == 0, result.output
    actions = {c["address"]: c["action"] for c in json.loads(result.stdout)["changes"]}
    assert [a for a, act in sorted(actions.items()) if act == "restart"] == [
        "DC0/DC0_C0_RP0_VM0",
        "DC0/DC0_C0_RP0_VM1",
    ]


def test_a_restart_pattern_that_matches_no_vm_is_one_error_line(make_vcsim, run_cli, tmp_path):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path)
    result = run_cli(
        "apply", str(directory), "--restart", "DC0/db-*", "--auto-approve", env=sim.env()
    )
    assert result.code == 1
    assert result.stderr.strip().splitlines() == [
        "error: --restart 'DC0/db-*' matches no VM of this plan; patterns are shell globs on "
        "<datacenter>/<vm name> of the VMs the configuration declares, e.g. 'DC0/web-*'"
    ]


def _resets(si: Any) -> list[Any]:
    """Each VM's reset as vCenter records it: VmResettingEvent (vCenter, our simulator), or the
    power off that govmomi 0.24's own ResetVM_Task posts; oldest first."""
    spec = vim.event.EventFilterSpec(eventTypeId=["VmResettingEvent", "VmPoweredOffEvent"])
    collector = si.content.eventManager.CreateCollectorForEvents(spec)
    collector.SetCollectorPageSize(1000)
    return sorted(
        (e for e in collector.latestPage if e.vm and e.vm.name in VMS), key=lambda e: e.key
    )


def test_apply_restart_resets_each_vm_one_at_a_time(make_vcsim, run_cli, connect_si, tmp_path):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, "-method-delay", POWER_DELAYS)
    result = run_cli("apply", str(directory), "--restart", "DC0/*", "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    assert "0 deleted, 4 restarted in" in result.stdout
    resets = _resets(connect_si(sim))
    assert sorted(e.vm.name for e in resets) == VMS
    # each reset call is held 300 ms by the simulator and starts only once the last one is done
    gaps = [b.createdTime - a.createdTime for a, b in zip(resets, resets[1:], strict=False)]
    assert all(gap >= timedelta(milliseconds=300) for gap in gaps)


def test_reset_tasks_that_outlive_their_call_still_roll_one_vm_at_a_time(
    make_vcsim, run_cli, connect_si, tmp_path
):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, "-reset-task-ms", "300")
    args = ["apply", str(directory), "--restart", "DC0/*", "--auto-approve", "--json"]
    result = run_cli(*args, env=sim.env())
    assert result.code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    ids = [r["task"] for r in records if r["type"] == "step_end" and r["step"] == "restart"]
    si = connect_si(sim)
    tasks = sorted((vim.Task(i, si._stub).info for i in ids), key=lambda t: t.queueTime)
    assert len(tasks) == 4 and all(t.state == "success" for t in tasks)
    # vCenter's own times: each reset was asked for only once the last one had completed
    assert all(b.queueTime >= a.completeTime for a, b in zip(tasks, tasks[1:], strict=False))


def test_a_dependency_is_back_before_its_dependent_restarts(
    make_vcsim, run_cli, connect_si, tmp_path
):
    depends = {VMS[0]: VMS[3]}  # VM0 depends on VM3
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, depends=depends)
    result = run_cli(
        "apply",
        str(directory),
        "--restart",
        "DC0/*",
        "--max-unavailable",
        "4",
        "--auto-approve",
        env=sim.env(),
    )
    assert result.code == 0, result.output
    order = [e.vm.name for e in _resets(connect_si(sim))]
    assert order.index(VMS[3]) < order.index(VMS[0])


def test_max_unavailable_one_never_has_two_vms_down_during_power_cycles(
    make_vcsim, run_cli, connect_si, tmp_path
):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, "-method-delay", POWER_DELAYS)
    _config(directory, cpus=2)  # a CPU change without hot-add: each VM needs a power cycle
    result = run_cli(
        "apply", str(directory), "--max-unavailable", "1", "--auto-approve", env=sim.env()
    )
    assert result.code == 0, result.output
    periods = _down_periods(_power_events(connect_si(sim)))
    assert sorted(periods) == VMS
    assert _most_down_at_once(periods) == 1


def test_max_unavailable_four_takes_the_four_vms_down_together(
    make_vcsim, run_cli, connect_si, tmp_path
):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, "-method-delay", POWER_DELAYS)
    _config(directory, cpus=2)
    result = run_cli(
        "apply", str(directory), "--max-unavailable", "4", "--auto-approve", env=sim.env()
    )
    assert result.code == 0, result.output
    periods = _down_periods(_power_events(connect_si(sim)))
    assert _most_down_at_once(periods) >= 2  # overlapping in vCenter's own times


def _simulator_reboots_guests() -> bool:
    """Whether our simulator answers RebootGuest (it takes -reboot-ms)."""
    if not harness.BINARY.exists():
        return False
    usage = subprocess.run([str(harness.BINARY), "-h"], capture_output=True, text=True, timeout=30)
    return "-reboot-ms" in usage.stderr + usage.stdout


needs_reboot = pytest.mark.skipif(
    not _simulator_reboots_guests(), reason="this simulator build has no RebootGuest (-reboot-ms)"
)
REBOOTS = ["-tools-running", "-reboot-ms", "1000"]


def _reboots(si: Any) -> list[Any]:
    spec = vim.event.EventFilterSpec(eventTypeId=["VmGuestRebootEvent"])
    collector = si.content.eventManager.CreateCollectorForEvents(spec)
    return sorted((e for e in collector.latestPage if e.vm), key=lambda e: e.key)


@needs_reboot
def test_guest_reboots_roll_one_vm_at_a_time_each_after_the_last_is_back(
    make_vcsim, run_cli, connect_si, tmp_path
):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, *REBOOTS)
    result = run_cli(
        "apply", str(directory), "--restart", "DC0/*VM[01]", "--auto-approve", env=sim.env()
    )
    assert result.code == 0, result.output
    first, second = _reboots(connect_si(sim))
    # the second guest is asked to reboot only once the first one's Tools are back (-reboot-ms)
    assert second.createdTime - first.createdTime >= timedelta(milliseconds=1000)


@needs_reboot
def test_guest_reboots_under_max_unavailable_two_overlap(make_vcsim, run_cli, connect_si, tmp_path):
    # guests stay down 5 s: a second reboot inside that window means both were down at once
    slow = ["-tools-running", "-reboot-ms", "5000"]
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, *slow)
    result = run_cli(
        "apply",
        str(directory),
        "--restart",
        "DC0/*VM[01]",
        "--max-unavailable",
        "2",
        "--auto-approve",
        env=sim.env(),
    )
    assert result.code == 0, result.output
    first, second = _reboots(connect_si(sim))
    assert second.createdTime - first.createdTime < timedelta(milliseconds=5000)  # both down


@needs_reboot
def test_a_guest_that_does_not_come_back_fails_and_no_further_vm_is_rebooted(
    make_vcsim, run_cli, connect_si, tmp_path
):
    flags = ("-tools-running", "-guest-ignores-reboot")
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, *flags, restart_timeout=2)
    result = run_cli(
        "apply", str(directory), "--restart", "DC0/*VM[01]", "--auto-approve", env=sim.env()
    )
    assert result.code == 1
    assert "restart failed after" in result.stdout and "not back within 2 s" in result.stdout
    assert "did not come back, so no further VM is taken down" in result.stdout
    assert len(_reboots(connect_si(sim))) == 1
