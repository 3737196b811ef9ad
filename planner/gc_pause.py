"""One pause of Python's cyclic garbage collector, shared by every stage that builds a fleet.

Reading a fleet (the configuration's lark trees, vCenter's XML pages, the tags merged into
them), diffing it and writing the plan allocate millions of acyclic objects beside a growing
heap the caller keeps: the collector re-scanning that heap cost as much as the parsing itself
(bench/plan.py, bench/inventory.py, docs/performance.md). Reference counting still frees the
objects. A command whose objects live until it exits freezes them (gc.freeze) before the
pause ends (kept_for_the_run); else the first allocation after it sets off a pass over all
of them.

The pause is counted, not saved and restored: plan reads vCenter in one thread while it
evaluates the configuration in another, and with save-and-restore the first to finish would
switch the collector back on under the other.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()


@contextmanager
def kept_for_the_run() -> Iterator[None]:
    """What is built inside (the configuration, the inventory, the plan) lives until the process
    exits: the garbage collector is paused while it is built, and it is then hidden from the
    collector (gc.freeze) before the collector comes back. Rescanning its millions of objects on
    every full collection made the diff's time jump by a third on 5,000 VMs (bench/plan.py), and
    a collector switched back on before the freeze rescans all of it at once
    (docs/performance.md#the-collector-from-configuration-to-plan)."""
    with collector_paused():
        yield
        gc.freeze()
