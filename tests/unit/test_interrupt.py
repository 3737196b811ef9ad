"""Ctrl-C and SIGTERM before an apply executes, and in `drift --watch`: an interrupt, and a
stop that stays asked for even when Python drops the KeyboardInterrupt (a signal handled
inside a finalizer)."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from planner.apply.interrupt import interrupt_on_signals


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_signal_raises_keyboard_interrupt(sig):
    with pytest.raises(KeyboardInterrupt), interrupt_on_signals():
        os.kill(os.getpid(), sig)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_signal_is_remembered_though_its_interrupt_was_swallowed(sig):
    with interrupt_on_signals() as asked:
        with contextlib.suppress(KeyboardInterrupt):  # as a finalizer would
            os.kill(os.getpid(), sig)
        assert asked.is_set()


def test_the_previous_handlers_are_back_afterwards():
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with interrupt_on_signals():
        pass
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
