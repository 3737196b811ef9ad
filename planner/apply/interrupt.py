"""Ctrl-C and SIGTERM (a cancelled CI job, `kill`): how each stage of a run is stopped.

While an apply executes, a signal is a request to stop, not an exception: raising in the middle
of the executor's bookkeeping would lose track of the tasks in flight; the executor instead
starts nothing new and waits for them (docs/apply.md). Before that (reading, planning) and in
`drift --watch`, the work may be abandoned anywhere, so the signal raises KeyboardInterrupt; it
also sets an Event, because Python drops the exception when the signal lands while it runs a
finalizer, and the caller must still stop at its next check (docs/security.md#interruptions).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _handled(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """`handler` for Ctrl-C and SIGTERM while inside; Python runs signal handlers in the main
    thread only, so elsewhere nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler_before in previous.items():
            signal.signal(sig, handler_before)


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C or SIGTERM sets `stop` while inside, and raises nothing."""

    def _on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    with _handled(_on_signal):
        yield


@contextlib.contextmanager
def interrupt_on_signals() -> Iterator[threading.Event]:
    """Ctrl-C or SIGTERM raises KeyboardInterrupt while inside, and sets the Event yielded,
    which stays set after the exception (or after Python dropped it)."""
    asked = threading.Event()

    def _on_signal(_signum: int, _frame: Any) -> None:
        asked.set()
        raise KeyboardInterrupt

    with _handled(_on_signal):
        yield asked
