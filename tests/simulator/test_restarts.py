"""`--restart` and `--max-unavailable` against the simulator, as a user runs them. Order and the
bound are read from vCenter's own events (their keys and createdTime), never from wall-clock
durations. The simulator's VMs run without VMware Tools, so a restart there is a reset."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from pyVmomi import vim

VMS = [f"DC0_C0_RP0_VM{i}" for i in range(4)]
FOUR = ["-dc", "1", "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "4"]
POWER_DELAYS = "PowerOffVM_Task=300,PowerOnVM_Task=300,ResetVM_Task=300"


def _config(
    directory: Path, cpus: int | None = None, depends: dict[str, str] | None = None
) -> Path:
    blocks = []
    for name in VMS:
        lines = [f"cpus = {cpus}"] if cpus else []
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


def test_apply_restart_resets_each_vm_one_at_a_time(make_vcsim, run_cli, connect_si, tmp_path):
    sim, directory = _adopted(make_vcsim, run_cli, tmp_path, "-method-delay", POWER_DELAYS)
    result = run_cli("apply", str(directory), "--restart", "DC0/*", "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    assert "0 deleted, 4 restarted in" in result.stdout
    events = _power_events(connect_si(sim))
    kinds = [(type(e).__name__.split(".")[-1], e.vm.name) for e in events]
    pairs = list(zip(kinds[::2], kinds[1::2], strict=True))  # off, on, off, on, ...: never two down
    assert all(
        off[0] == "VmPoweredOffEvent" and on == ("VmPoweredOnEvent", off[1]) for off, on in pairs
    )
    assert sorted(off[1] for off, _on in pairs) == VMS


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
    events = _power_events(connect_si(sim))
    back = next(
        e.key for e in events if e.vm.name == VMS[3] and isinstance(e, vim.event.VmPoweredOnEvent)
    )
    down = next(
        e.key for e in events if e.vm.name == VMS[0] and isinstance(e, vim.event.VmPoweredOffEvent)
    )
    assert back < down


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
