"""`vcplan apply` as a user runs it: approval, saved plans, --log, Ctrl-C, and the empty plan
after every apply. Each test starts its own simulator (apply changes it) and reads vCenter
independently with pyVmomi to see what happened."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from pyVim.task import WaitForTask
from pyVmomi import vim

from tests.support.apply import SMALL
from tests.support.cli import VCPLAN, CliResult, cli_env
from tests.support.vcenter import find_vm, open_si, set_custom_attribute, snapshot

CLUSTER_VM = "DC0_C0_RP0_VM0"
HOST_VM = "DC0_H0_VM0"

CONFIG = f"""
vcplan {{
  workspace = "cli"
}}

datacenter "DC0" {{
  cluster "DC0_C0" {{
    vm "app" {{
      cpus      = 1
      memory_mb = 64
      folder    = "apps"
      datastore = "LocalDS_0"

      disk {{
        size_gb = 1
      }}

      network_interface {{
        network = "VM Network"
      }}
    }}

    vm "{CLUSTER_VM}" {{
      cpus  = 2
      power = "off"
    }}
  }}
}}
"""


def _write(directory: Path, text: str = CONFIG) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.hcl").write_text(textwrap.dedent(text))
    return directory


def _snapshot(sim: Any) -> Any:
    with open_si(sim) as si:
        return snapshot(si)


def _plan_json(run_cli: Any, sim: Any, directory: Path) -> dict[str, Any]:
    result = run_cli("plan", str(directory), "--format", "json", env=sim.env())
    assert result.code == 0, result.output
    return json.loads(result.stdout)


def _assert_converged(run_cli: Any, sim: Any, directory: Path) -> None:
    """A real `vcplan plan` right after apply proposes nothing."""
    result = run_cli("plan", str(directory), "--detailed-exitcode", env=sim.env())
    assert result.code == 0, result.output
    assert "No changes" in result.stdout


def _saved_plan(run_cli: Any, sim: Any, tmp_path: Path) -> tuple[Path, Path]:
    """CONFIG written to tmp_path/cfg and planned into tmp_path/plan.json."""
    config, saved = _write(tmp_path / "cfg"), tmp_path / "plan.json"
    planned = run_cli("plan", str(config), "--out", str(saved), env=sim.env())
    assert planned.code == 0, planned.output
    return config, saved


def _no_traceback(result: CliResult) -> None:
    assert "Traceback" not in result.output


# --- the happy path ----------------------------------------------------------------------------


def test_auto_approve_creates_adopts_and_updates_then_plan_is_empty(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _write(tmp_path / "cfg")
    result = run_cli("apply", str(config), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    assert "Apply complete" in result.stdout
    with open_si(sim) as si:
        app = find_vm(si, "app")
        adopted = find_vm(si, CLUSTER_VM)
        assert app is not None and app.parent.name == "apps"
        assert adopted.config.hardware.numCPU == 2
        assert adopted.runtime.powerState == "poweredOff"
    _assert_converged(run_cli, sim, config)


def test_delete_of_an_owned_vm_no_longer_declared_then_plan_is_empty(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    with open_si(sim) as si:
        set_custom_attribute(si, HOST_VM, "vcplan.workspace", "cli")
    config = _write(tmp_path / "cfg")
    result = run_cli("apply", str(config), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    with open_si(sim) as si:
        assert find_vm(si, HOST_VM) is None
    _assert_converged(run_cli, sim, config)


def test_log_writes_the_machine_stream(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _write(tmp_path / "cfg")
    log = tmp_path / "apply.jsonl"
    result = run_cli("apply", str(config), "--auto-approve", "--log", str(log), env=sim.env())
    assert result.code == 0, result.output
    stream = [json.loads(line) for line in log.read_text().splitlines()]
    assert stream[-1]["type"] == "apply_summary" and stream[-1]["exit_code"] == 0
    records = [r for r in stream if r["type"] == "step_end"]
    assert {r["address"] for r in records} >= {"DC0/app", f"DC0/{CLUSTER_VM}"}
    assert all(set(r) >= {"time", "address", "step", "task", "outcome"} for r in records)
    create = next(r for r in records if r["address"] == "DC0/app" and r["step"] == "create")
    assert create["outcome"] == "applied" and create["task"].startswith("task-")
    assert sim.password not in log.read_text()


def test_a_log_that_cannot_be_written_stops_apply_before_any_change(make_vcsim, run_cli, tmp_path):
    # /dev/full opens but refuses every write: the plan's records are the log's first lines and
    # are written before any step, so the apply stops there (docs/apply.md#output-files).
    sim = make_vcsim(*SMALL)
    config = _write(tmp_path / "cfg")
    before = _snapshot(sim)
    result = run_cli("apply", str(config), "--auto-approve", "--log", "/dev/full", env=sim.env())
    assert result.code == 1
    assert result.stderr == (
        "error: cannot write --log /dev/full: No space left on device; nothing was changed; "
        "free some space, or choose another disk\n"
    )
    assert _snapshot(sim) == before
    second = run_cli("apply", str(config), "--auto-approve", env=sim.env())
    assert second.code == 0, second.output  # and the workspace lock was released


def test_a_plan_file_that_cannot_be_written_is_one_line(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _write(tmp_path / "cfg")
    result = run_cli("plan", str(config), "--out", "/dev/full", env=sim.env())
    assert result.code == 1
    assert result.stderr == (
        "error: cannot write --out /dev/full: No space left on device; "
        "free some space, or choose another disk\n"
    )


def test_saved_plan_is_applied_exactly_and_only_that_plan(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config, saved = _saved_plan(run_cli, sim, tmp_path)
    edited = CONFIG.replace("cpus  = 2", "cpus  = 3").replace('vm "app"', 'vm "app-renamed"')
    _write(config, edited)  # edited after `plan --out`: apply must not see it
    result = run_cli("apply", str(saved), "--auto-approve", env=sim.env())
    assert result.code == 0, result.output
    with open_si(sim) as si:
        assert find_vm(si, "app") is not None and find_vm(si, "app-renamed") is None
        assert find_vm(si, CLUSTER_VM).config.hardware.numCPU == 2
    _assert_converged(run_cli, sim, _write(tmp_path / "original", CONFIG))


# --- approval ------------------------------------------------------------------------------------


def test_without_a_terminal_or_auto_approve_nothing_changes_and_exit_is_1(
    make_vcsim, run_cli, tmp_path
):
    sim = make_vcsim(*SMALL)
    before = _snapshot(sim)
    result = run_cli("apply", str(_write(tmp_path / "cfg")), env=sim.env())
    assert result.code == 1
    assert "--auto-approve" in result.stderr and "nothing was changed" in result.stderr
    _no_traceback(result)
    assert _snapshot(sim) == before


def _run_in_terminal(args: list[str], env: dict[str, str], answer: str) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, type `answer` at the approval prompt."""
    primary, secondary = pty.openpty()
    full_env = cli_env()
    full_env.update(env)
    proc = subprocess.Popen(
        [str(VCPLAN), *args], stdin=secondary, stdout=secondary, stderr=secondary, env=full_env
    )
    os.close(secondary)
    seen = b""
    answered = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"Enter a value" in seen:
            os.write(primary, answer.encode() + b"\r")
            answered = True
        if proc.poll() is not None and not ready:
            break
    code = proc.wait(timeout=30)
    os.close(primary)
    return code, seen.decode(errors="replace")


def test_interactive_yes_shows_the_plan_then_applies(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config = _write(tmp_path / "cfg")
    code, output = _run_in_terminal(["apply", str(config)], sim.env(), "yes")
    assert code == 0, output
    assert "DC0/app will be created" in output
    assert "Only 'yes' will be accepted" in output
    _assert_converged(run_cli, sim, config)


def test_interactive_anything_but_yes_changes_nothing(make_vcsim, tmp_path):
    sim = make_vcsim(*SMALL)
    before = _snapshot(sim)
    code, output = _run_in_terminal(["apply", str(_write(tmp_path / "cfg"))], sim.env(), "y")
    assert code == 1
    assert "cancelled" in output and "Traceback" not in output
    assert _snapshot(sim) == before


# --- stale plans ---------------------------------------------------------------------------------


def test_stale_saved_plan_changes_nothing_and_lists_what_moved(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config, saved = _saved_plan(run_cli, sim, tmp_path)
    with open_si(sim) as si:  # someone changes the VM after the plan was reviewed
        WaitForTask(find_vm(si, CLUSTER_VM).ReconfigVM_Task(spec=vim.vm.ConfigSpec(numCPUs=4)))
    before = _snapshot(sim)
    result = run_cli("apply", str(saved), "--auto-approve", env=sim.env())
    assert result.code == 1
    assert "stale" in result.stderr and f"DC0/{CLUSTER_VM}" in result.stderr
    assert "nothing was changed" in result.stderr
    _no_traceback(result)
    assert _snapshot(sim) == before


def test_saved_plan_is_stale_when_a_vm_it_creates_now_exists(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim(*SMALL)
    config, saved = _saved_plan(run_cli, sim, tmp_path)
    assert run_cli("apply", str(config), "--auto-approve", env=sim.env()).code == 0
    result = run_cli("apply", str(saved), "--auto-approve", env=sim.env())
    assert result.code == 1
    assert "DC0/app: now exists" in result.stderr


# --- Ctrl-C ---------------------------------------------------------------------------------

SLOW = [*SMALL[:-2], "-vm", "2", "-autostart=false", "-method-delay", "PowerOnVM_Task=400"]
ALL_ON = """
vcplan {
  workspace = "cli"
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "DC0_C0_RP0_VM0" {
      power = "on"
    }
    vm "DC0_C0_RP0_VM1" {
      power = "on"
    }
  }
  host "DC0_H0" {
    vm "DC0_H0_VM0" {
      power = "on"
    }
    vm "DC0_H0_VM1" {
      power = "on"
    }
  }
}
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_finishes_the_step_in_flight_prints_the_summary_and_exits_1(
    make_vcsim, run_cli, tmp_path, sig
):
    sim = make_vcsim(*SLOW)
    config = _write(tmp_path / "cfg", ALL_ON)
    env = cli_env()
    env.update(sim.env())
    proc = subprocess.Popen(
        [str(VCPLAN), "apply", str(config), "--auto-approve", "--parallelism", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # plain progress: a line as each VM's work starts
        lines.append(line)
        if sum(": updating" in seen for seen in lines) == 2:  # one step done, one in flight
            proc.send_signal(sig)
            break
    rest, err = proc.communicate(timeout=60)
    output = "".join(lines) + rest + err
    assert proc.returncode == 1, output
    assert "Interrupted" in output and "Traceback" not in output
    names = ("DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1", "DC0_H0_VM0", "DC0_H0_VM1")
    with open_si(sim) as si:
        powered = [n for n in names if find_vm(si, n).runtime.powerState == "poweredOn"]
    assert 1 <= len(powered) <= 2  # the finished step, and at most the one in flight
    remaining = _plan_json(run_cli, sim, config)
    assert remaining["summary"]["update"] >= 2
    assert run_cli("apply", str(config), "--auto-approve", env=sim.env()).code == 0
    _assert_converged(run_cli, sim, config)
