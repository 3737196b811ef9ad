"""The fuzz suite against the simulator (docs/security.md#fuzzing): generated configurations and
mutated examples through `plan` and `apply`, edited saved plans through `apply FILE`. Whatever the
input: no traceback, no internal error, exit 0, 1 or 2, the password in no output (the --log file
included), and vCenter unchanged whenever the command exits 1 before apply started a step."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.cli import CliResult
from tests.support.fuzz import (
    EXAMPLES,
    PASSWORD,
    check_output,
    configurations,
    fuzz_settings,
    mutated_bytes,
    mutated_plan,
)
from tests.support.inprocess import run_inprocess
from tests.support.vcenter import open_si, snapshot
from tests.vcsim import harness

# a plan with a create and adoptions, one with a change: morefs, fingerprints, before and after
PLANNED = """
vcplan {
  workspace = "fuzz"
}

datacenter "DC0" {
  cluster "DC0_C0" {
    vm "fz-new" {
      cpus      = 1
      memory_mb = 64
      power     = "off"
    }
    vm "DC0_C0_RP0_VM0" {
      cpus = 2
    }
    vm "DC0_C0_RP0_VM1" {
    }
  }
}
"""


@pytest.fixture(scope="module")
def sim(certs) -> Iterator[harness.Simulator]:
    started = harness.start([], certs, password=PASSWORD)
    yield started
    started.stop()


def _env(sim: harness.Simulator) -> dict[str, str]:
    return {**sim.env(), "VCPLAN_TIMEOUT": "20"}


def _steps_started(log: Path) -> bool:
    if not log.is_file():
        return False
    return any('"step_start"' in line for line in log.read_text(errors="replace").splitlines())


def _run_checked(sim: harness.Simulator, directory: Path, *args: str) -> CliResult:
    """Run `vcplan ARGS` (with `--log FILE` for apply) and check every property."""
    log = directory / "fuzz.log"
    logged = ["--log", str(log)] if args[0] == "apply" else []
    with open_si(sim) as si:
        before = snapshot(si)
        result = run_inprocess(*args, *logged, env=_env(sim))
        assert "No such option" not in result.stderr, result.stderr
        check_output(result, log)
        if result.code == 1 and not _steps_started(log):
            assert snapshot(si) == before, result.output[-2000:]
    return result


@fuzz_settings(max_examples=16)
@given(configurations(), st.sampled_from(["plan", "apply"]))
def test_plan_and_apply_of_a_generated_configuration_keep_every_promise(sim, text, command):
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        (work / "main.hcl").write_text(text, encoding="utf-8", errors="surrogatepass")
        extra = ["--auto-approve"] if command == "apply" else []
        _run_checked(sim, work, command, str(work), *extra)


@fuzz_settings(max_examples=10)
@given(st.sampled_from(EXAMPLES), st.data())
def test_plan_of_a_mutated_example_keeps_every_promise(sim, example, data):
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / example.parent.name
        shutil.copytree(example.parent, copy)
        (copy / example.name).write_bytes(data.draw(mutated_bytes(example.read_bytes())))
        _run_checked(sim, Path(directory), "plan", str(copy))


class SavedPlan:
    """A simulator and a plan saved against it; a fresh pair once an edited plan was applied
    (the rest would only be refused as stale)."""

    def __init__(self, certs: harness.Certs):
        self.certs = certs
        self.sim = harness.start([], certs, password=PASSWORD)
        self.doc = self._plan()

    def _plan(self) -> dict:
        directory = Path(tempfile.mkdtemp())
        (directory / "main.hcl").write_text(PLANNED)
        out = directory / "saved.plan"
        result = run_inprocess("plan", str(directory), "--out", str(out), env=_env(self.sim))
        assert result.code == 0, result.output
        doc = json.loads(out.read_text())
        assert {c["action"] for c in doc["changes"]} == {"create", "update"}
        shutil.rmtree(directory)
        return doc

    def renew(self) -> None:
        self.sim.stop()
        self.sim = harness.start([], self.certs, password=PASSWORD)
        self.doc = self._plan()


@pytest.fixture(scope="module")
def saved(certs) -> Iterator[SavedPlan]:
    target = SavedPlan(certs)
    yield target
    target.sim.stop()


@fuzz_settings(max_examples=25)
@given(st.data())
def test_apply_of_an_edited_saved_plan_keeps_every_promise(saved, data):
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        edited = work / "edited.plan"
        edited.write_text(data.draw(mutated_plan(saved.doc)))
        result = _run_checked(saved.sim, work, "apply", str(edited), "--auto-approve")
    if result.code == 0:
        saved.renew()
