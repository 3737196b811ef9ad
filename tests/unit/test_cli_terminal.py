"""The command line in a shell: completion of commands, options and addresses, and colour
on a terminal turned off by --no-color or NO_COLOR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def complete(words: str, cwd: Path) -> list[str]:
    """What bash completion offers for the last word, through the installed console script."""
    env = {"_VCPLAN_COMPLETE": "complete_bash", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    vcplan = Path(sys.executable).parent / "vcplan"
    out = subprocess.run(
        [str(vcplan)], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    ).stdout
    return out.split()


def test_completion_offers_commands_and_options():
    assert complete("vcplan pl", ROOT) == ["plan"]
    assert "--target" in complete("vcplan apply --ta", ROOT)


def test_completion_offers_the_addresses_of_the_configuration_here():
    quickstart = ROOT / "examples" / "quickstart"
    assert complete("vcplan plan --target DC0/qs-w", quickstart) == ["DC0/qs-web-1", "DC0/qs-web-2"]


def test_address_completion_is_silent_without_a_configuration(tmp_path):
    assert complete("vcplan plan --target DC0/", tmp_path) == []


def test_show_completion_prints_a_script_for_the_shell_it_runs_in():
    # from a bash, as a user types it: the shell is found among vcplan's parent processes
    # (`; true` keeps bash from replacing itself with vcplan)
    vcplan = Path(sys.executable).parent / "vcplan"
    out = subprocess.run(
        ["bash", "-c", f"'{vcplan}' --show-completion; true"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "_VCPLAN_COMPLETE" in out.stdout and "complete " in out.stdout, out.stderr[-2000:]


def show_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """`vcplan ...` on a pseudo-terminal (so rich would colour), read until it exits."""
    import os
    import pty
    import select
    import time

    primary, secondary = pty.openpty()
    vcplan = Path(sys.executable).parent / "vcplan"
    proc = subprocess.Popen([str(vcplan), *args], stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(primary)
    return seen.decode(errors="replace")


def test_no_color_flag_and_env_turn_colour_off_on_a_terminal(tmp_path):
    import os

    from planner.plan.files import save_plan
    from tests.builders import create, plan

    saved = tmp_path / "web.plan"
    save_plan(plan(create("web")), saved)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    assert "\x1b[" in show_on_a_terminal(["show", str(saved)], env)
    plain = show_on_a_terminal(["--no-color", "show", str(saved)], env)
    assert "\x1b[3" not in plain and "will be created" in plain
    no_color = show_on_a_terminal(["show", str(saved)], {**env, "NO_COLOR": "1"})
    assert "\x1b[3" not in no_color
