"""Fixtures that build the world: certificates, simulators, and a way to run the CLI.

- `certs` (session): a CA and server certificate made for this run.
- `readonly_vcsim` (session): 2 datacenters x (2 clusters of 3 hosts + 1 standalone host), 2 VMs
  per resource pool, https, password checked. For tests that only read.
- `make_vcsim(*args)`: a fresh simulator per call with the given model flags, stopped
  after the test. Use it for every test that changes vCenter.
- `run_cli(*args, env=...)`: runs the `vcplan` console script in a subprocess, as a user would.
- `connect_si(sim)`: an independent pyvmomi ServiceInstance, to check vCenter behind the CLI's back.
- every test (autouse): XDG_CACHE_HOME is a directory of its own, so vcplan's parse cache
  (and the CLI processes a test starts, which inherit it) never touch the user's ~/.cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import CliResult, run_vcplan
from tests.support.vcenter import smart_connect
from tests.vcsim import harness

ROOT = Path(__file__).resolve().parents[1]
SIMULATOR_TESTS = ROOT / "tests" / "simulator"

READONLY_ARGS = ["-dc", "2", "-cluster", "2", "-host", "3", "-standalone-host", "1", "-vm", "2"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's folder says what it needs: everything under tests/simulator/ runs against vcsim."""
    for item in items:
        if SIMULATOR_TESTS in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.simulator)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "simulator: the test runs against a vcsim simulator")


@pytest.fixture(autouse=True)
def private_cache_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    cache_home = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    monkeypatch.delenv("VCPLAN_NO_CACHE", raising=False)
    return cache_home


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


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    return run_vcplan


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
