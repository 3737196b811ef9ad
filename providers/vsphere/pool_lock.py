"""pyVmomi's connection-pool lock, made safe against Ctrl-C and SIGTERM.

pyVmomi takes a plain lock around its pool of HTTP connections and runs Python code while it
holds it. A KeyboardInterrupt (or any exception a signal handler raises) landing there leaves
the lock taken for good, and the clean-up after the interrupt — releasing the workspace lock,
logging out — then waits forever for it. pyVmomi never takes the lock twice in one thread, so
the thread that already holds it asking again can only mean an interrupt left it: it takes the
lock over instead of waiting for itself.
"""

from __future__ import annotations

import threading
from typing import Any


class InterruptSafeLock:
    """A lock (acquire/release, as pyVmomi uses it) that its own thread may take again after an
    interrupt left it held."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = self._lock.acquire(blocking, timeout)
        # Held more than once: earlier holds were left by interrupts; keep exactly one.
        while got and self._lock._recursion_count() > 1:  # type: ignore[attr-defined]
            self._lock.release()
        return got

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def guard_pool_lock(si: Any) -> Any:
    """Give the ServiceInstance's SOAP stub an InterruptSafeLock; returns `si`."""
    si._stub.lock = InterruptSafeLock()
    return si
