"""Start-up: the offline commands load only what they use (bench/ measures how long it takes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pyVmomi", "deepdiff", "providers")

PROBE = """
import contextlib, io, sys
from planner.cli.app import app
from planner.cli.errors import run_guarded
with contextlib.redirect_stdout(io.StringIO()):
    run_guarded(app, sys.argv[1:])
print(" ".join(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
"""


def loaded_by(*args: str) -> set[str]:
    code = PROBE.format(heavy=set(HEAVY))
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(proc.stdout.split())


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["version"],
        ["validate", "examples/fleet"],
        ["fmt", "--check", "examples/fleet"],
    ],
    ids=["help", "--version", "version", "validate", "fmt"],
)
def test_offline_commands_do_not_load_pyvmomi_deepdiff_or_the_provider(args):
    assert loaded_by(*args) == set()


def test_the_provider_loads_the_tagging_client_library_only_for_a_tagging_session():
    code = "import sys, providers.vsphere.provider; print('httpx' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "False"
