"""Ctrl-C and SIGTERM before an apply starts changing vCenter: asked for is asked for, even
when Python swallows the KeyboardInterrupt (a signal handled inside a finalizer)."""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from planner.cli.apply import _sigterm_interrupts


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_signal_is_remembered_though_its_interrupt_was_swallowed(sig):
    with _sigterm_interrupts() as asked:
        with contextlib.suppress(KeyboardInterrupt):  # as a finalizer would
            os.kill(os.getpid(), sig)
        assert asked.is_set()


def test_the_previous_handlers_are_back_after_the_apply():
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with _sigterm_interrupts():
        pass
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
