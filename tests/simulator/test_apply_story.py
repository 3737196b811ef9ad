"""Apply's output as users see it, against the simulator: the story of `make demo`'s apply
(compared with tests/simulator/golden/, `make golden` rewrites it), the live display on a
terminal, and the machine stream of `--json`."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

from tests.support.cli import VCPLAN, cli_env
from tests.support.golden import check_golden

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart"
GOLDEN = Path(__file__).parent / "golden"


def test_demo_apply_tells_the_story_of_three_vms(make_vcsim, run_cli):
    sim = make_vcsim()  # the model `make demo` starts
    # one task at a time, so the lines come in the same order on every run
    result = run_cli(
        "apply", str(QUICKSTART), "--auto-approve", "--parallelism", "1", env=sim.env()
    )
    assert result.code == 0, result.output
    check_golden(GOLDEN / "demo_apply.txt", result.stdout)


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """The CLI on a pseudo-terminal with colour on; everything it writes, read until it exits
    (at most two minutes)."""
    primary, secondary = pty.openpty()
    full_env = {k: v for k, v in cli_env().items() if k != "NO_COLOR"}
    full_env.update(env, TERM="xterm-256color")
    proc = subprocess.Popen(
        [str(VCPLAN), *args], stdin=secondary, stdout=secondary, stderr=secondary, env=full_env
    )
    os.close(secondary)
    seen = b""
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
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=30)
    os.close(primary)
    return code, seen.decode(errors="replace")


def test_terminal_shows_live_progress_then_the_story_and_summary(make_vcsim):
    sim = make_vcsim()
    code, output = run_on_a_terminal(["apply", str(QUICKSTART), "--auto-approve"], sim.env())
    assert code == 0, output
    assert "Traceback" not in output
    assert "DC0/qs-web-1: created in" in output and "VMs done" in output
    assert "Apply complete: 3 created" in output
    assert "\x1b[" in output  # coloured: a terminal without NO_COLOR


def test_json_prints_only_stream_objects_with_tasks_and_a_summary(make_vcsim, run_cli, tmp_path):
    sim = make_vcsim()
    log = tmp_path / "apply.jsonl"
    args = ["apply", str(QUICKSTART), "--auto-approve", "--json", "--log", str(log)]
    result = run_cli(*args, env=sim.env())
    assert result.code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(r["version"] == 1 for r in records)
    types = [r["type"] for r in records]
    assert types[:3] == ["planned_change"] * 3 and types[3] == "plan_summary"
    assert types[-1] == "apply_summary" and records[-1]["created"] == 3
    creates = [r for r in records if r["type"] == "step_end" and r["step"] == "create"]
    assert len(creates) == 3 and all(r["task"].startswith("task-") for r in creates)
    assert log.read_text() == result.stdout
