"""Running the `vcplan` console script as a user would: a subprocess, a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

VCPLAN = Path(sys.executable).parent / "vcplan"


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env() -> dict[str, str]:
    """The CLI's environment in tests: no VCPLAN_* from outside, no colour, a wide terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCPLAN_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"})
    return env


def run_vcplan(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    input: str | None = None,
    timeout: float = 300,
) -> CliResult:
    full_env = cli_env()
    full_env.update(env or {})
    proc = subprocess.run(
        [str(VCPLAN), *args],
        env=full_env,
        cwd=cwd,
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)
