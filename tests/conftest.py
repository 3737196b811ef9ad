"""Fixtures that build the world: certificates, simulators, and a way to run the CLI.

- `certs` (session): a CA and server certificate made for this run.
- `readonly_vcsim` (session): 2 datacenters x (2 clusters of 3 hosts + 1 standalone host), 2 VMs
  per resource pool, https, password checked. For tests that only read.
- `make_vcsim(*args)`: a fresh simulator per call with the given model flags, stopped
  after the test. Use it for every test that changes vCenter.
- `run_cli(*args, env=...)`: runs the `vcplan` console script in a subprocess, as a user would.
- `connect_si(sim)`: an independent pyvmomi ServiceInstance, to check vCenter behind the CLI's back.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.vcsim import harness

ROOT = Path(__file__).resolve().parents[1]
VCPLAN = Path(sys.executable).parent / "vcplan"

READONLY_ARGS = ["-dc", "2", "-cluster", "2", "-host", "3", "-standalone-host", "1", "-vm", "2"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every simulator fixture (readonly_vcsim, make_vcsim, make_module_vcsim, a module's own)
    needs the run's certificates, so that is what marks a test as a simulator test."""
    for item in items:
        if "certs" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.simulator)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "simulator: the test runs against a vcsim simulator")


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> harness.Certs:
    return harness.make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def readonly_vcsim(certs: harness.Certs) -> Iterator[harness.Simulator]:
    sim = harness.start(READONLY_ARGS, certs)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def make_module_vcsim(certs: harness.Certs) -> Iterator[Callable[..., harness.Simulator]]:
    """Like make_vcsim, but the simulators live for the whole test module (for modules whose
    tests only read, or set up their state once)."""
    started: list[harness.Simulator] = []

    def _make(*args: str) -> harness.Simulator:
        sim = harness.start(list(args), certs)
        started.append(sim)
        return sim

    yield _make
    for sim in started:
        sim.stop()


@pytest.fixture
def make_vcsim(certs: harness.Certs) -> Iterator[Callable[..., harness.Simulator]]:
    started: list[harness.Simulator] = []

    def _make(*args: str) -> harness.Simulator:
        sim = harness.start(list(args), certs)
        started.append(sim)
        return sim

    yield _make
    for sim in started:
        sim.stop()


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


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    def _run(
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

    return _run


def smart_connect(sim: harness.Simulator) -> Any:
    """An independent pyVmomi session to `sim`, TLS verified against the run's CA."""
    from pyVim.connect import SmartConnect

    ctx = ssl.create_default_context(cafile=str(sim.certs.ca_file)) if sim.certs else None
    return SmartConnect(
        host=sim.host, port=sim.port, user=sim.user, pwd=sim.password, sslContext=ctx
    )


@contextmanager
def open_si(sim: harness.Simulator) -> Iterator[Any]:
    from pyVim.connect import Disconnect

    si = smart_connect(sim)
    try:
        yield si
    finally:
        Disconnect(si)


@pytest.fixture
def connect_si() -> Iterator[Callable[[harness.Simulator], Any]]:
    from pyVim.connect import Disconnect

    opened: list[Any] = []

    def _connect(sim: harness.Simulator) -> Any:
        si = smart_connect(sim)
        opened.append(si)
        return si

    yield _connect
    for si in opened:
        Disconnect(si)
