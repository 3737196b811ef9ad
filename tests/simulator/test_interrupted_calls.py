"""An interrupt (Ctrl-C, or SIGTERM turned into one) that lands while pyVmomi holds its
connection-pool lock must not leave that lock taken: the clean-up after an interrupt (the
workspace lock's release, the logout) goes through the same pool. Each case runs on its own
thread, bounded, so that a lock left taken fails the test instead of hanging the suite."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from pyVmomi import vim

from tests.support.apply import provider_for

pytestmark = pytest.mark.simulator

WORLD = ["-dc", "1", "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "1"]


def _interrupt_a_call_inside_the_pool_lock(si: Any) -> None:
    """One call interrupted where pyVmomi holds the lock: in its idle-connection sweep, which it
    runs with the lock taken."""
    stub = si._stub
    sweep = stub._CloseIdleConnections

    def _interrupted() -> None:
        del stub._CloseIdleConnections  # only the first sweep
        sweep()
        raise KeyboardInterrupt

    stub._CloseIdleConnections = _interrupted
    with pytest.raises(KeyboardInterrupt):
        si.CurrentTime()


def _after_an_interrupt(provider: Any, then: Callable[[], Any], within: float = 30) -> Any:
    """`then`, on the thread whose call was interrupted inside the pool lock."""
    done: list[Any] = []

    def _work() -> None:
        _interrupt_a_call_inside_the_pool_lock(provider.session.si)
        done.append(then())

    thread = threading.Thread(target=_work, daemon=True)
    thread.start()
    thread.join(within)
    assert done, f"still waiting after {within} s: the pool lock was left taken"
    return done[0]


def test_a_call_after_an_interrupt_inside_the_pool_lock_goes_through(make_vcsim):
    provider = provider_for(make_vcsim(*WORLD))
    assert _after_an_interrupt(provider, provider.session.si.CurrentTime) is not None
    provider.close()


def test_the_logout_after_an_interrupt_inside_the_pool_lock_goes_through(make_vcsim):
    provider = provider_for(make_vcsim(*WORLD))
    si = provider.session.si
    _after_an_interrupt(provider, lambda: provider.close() or True)
    with pytest.raises(vim.fault.NotAuthenticated):  # logged out
        _ = si.content.sessionManager.currentSession
