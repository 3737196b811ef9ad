"""What our simulator (tests/vcsim/main.go) adds to govmomi's vcsim, one short test each.

docs/simulator.md says what each flag and endpoint does and how vcsim 0.24 differs. These tests
talk to the simulator directly (pyVmomi, and plain HTTP for the REST API), not through vcplan.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim

from tests.vcsim import harness

MODEL = ["-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "0", "-vm", "2"]
VM0, VM1 = "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"


def _ssl(sim: harness.Simulator) -> ssl.SSLContext:
    assert sim.certs
    return ssl.create_default_context(cafile=str(sim.certs.ca_file))


@pytest.fixture
def login() -> Iterator[Callable[[harness.Simulator, str, str], Any]]:
    """A pyVmomi session as any user (connect_si logs in as the simulator's default user)."""
    opened: list[Any] = []

    def _login(sim: harness.Simulator, user: str, password: str) -> Any:
        si = SmartConnect(
            host=sim.host, port=sim.port, user=user, pwd=password, sslContext=_ssl(sim)
        )
        opened.append(si)
        return si

    yield _login
    for si in opened:
        with contextlib.suppress(vim.fault.NotAuthenticated):  # a test may end the session
            Disconnect(si)


def _vm(si: Any, name: str) -> Any:
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return next(v for v in view.view if v.name == name)
    finally:
        view.DestroyView()


def test_any_listed_user_may_log_in(make_vcsim, login):
    sim = make_vcsim(*MODEL, "-user", "alice:a-pw,bob:b-pw")  # and the harness's own user
    for user, password in [("alice", "a-pw"), ("bob", "b-pw"), (sim.user, sim.password)]:
        si = login(sim, user, password)
        assert si.content.sessionManager.currentSession.userName == user
    with pytest.raises(vim.fault.InvalidLogin):
        login(sim, "alice", "b-pw")
