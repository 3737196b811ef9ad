"""Ctrl-C and SIGTERM during an apply: a request to stop, not an exception.

Raising in the middle of the executor's bookkeeping would lose track of the tasks in flight;
the executor instead starts nothing new and waits for them (docs/apply.md).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C (or SIGTERM: a cancelled CI job is a Ctrl-C too) sets `stop` while inside."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in stopping}

    def _on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    for sig in stopping:
        signal.signal(sig, _on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
