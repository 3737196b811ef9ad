"""The collector pause shared by the configuration reader and the vCenter reader."""

from __future__ import annotations

import gc
import threading

from planner.gc_pause import collector_paused


def test_the_collector_stays_paused_until_the_last_of_two_overlapping_readers_ends():
    inside, release = threading.Event(), threading.Event()

    def other_reader() -> None:
        with collector_paused():
            inside.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=other_reader)
    with collector_paused():
        thread.start()
        assert inside.wait(timeout=30)
    assert not gc.isenabled()  # this reader ended first; the other still reads
    release.set()
    thread.join(timeout=30)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
