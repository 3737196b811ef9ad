"""Where a multi-threaded run spends its time: cProfile in every thread, and wall-clock
timestamps of chosen provider calls.

cProfile only sees the thread that enabled it (Python 3.11 has no all-threads switch), and the
executor works in a pool of submitting threads and one waiter; so every thread started while
`profiled` is active runs under its own profiler, and the statistics are merged at the end.
For the benchmarks only.
"""

from __future__ import annotations

import cProfile
import functools
import io
import pstats
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallTimes:
    """Wall-clock (time.time()) start and end of each call to the wrapped methods, by method
    name, with the call's first argument."""

    spans: dict[str, list[tuple[float, float, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wrap(self, obj: Any, *names: str) -> None:
        for name in names:
            original = getattr(obj, name)

            @functools.wraps(original)
            def timed(*args: Any, _name: str = name, _fn: Any = original, **kw: Any) -> Any:
                start = time.time()
                try:
                    return _fn(*args, **kw)
                finally:
                    span = (start, time.time(), args[0] if args else None)
                    with self.lock:
                        self.spans.setdefault(_name, []).append(span)

            setattr(obj, name, timed)

    def report(self) -> str:
        lines = [f"{'call':<18} {'count':>6} {'mean ms':>8} {'max ms':>8} {'sum s':>7}"]
        for name, spans in sorted(self.spans.items()):
            took = [end - start for start, end, _arg in spans]
            lines.append(
                f"{name:<18} {len(took):>6} {1000 * sum(took) / len(took):>8.1f} "
                f"{1000 * max(took):>8.1f} {sum(took):>7.2f}"
            )
            sized = [(len(arg), end - start) for start, end, arg in spans if isinstance(arg, list)]
            if sized:
                top = sorted(sized, key=lambda s: -s[1])[:5]
                lines.append(
                    "    slowest (VMs, ms): " + ", ".join(f"({n}, {1000 * t:.0f})" for n, t in top)
                )
        return "\n".join(lines)


@contextmanager
def profiled(top: int = 25) -> Iterator[io.StringIO]:
    """Profile this thread and every thread started meanwhile; the merged table (own time)
    is written to the yielded buffer on exit."""
    profiles: list[cProfile.Profile] = []
    original_run = threading.Thread.run

    def run(thread: threading.Thread) -> None:
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.enable()
        try:
            original_run(thread)
        finally:
            profiler.disable()

    main = cProfile.Profile()
    out = io.StringIO()
    threading.Thread.run = run  # type: ignore[method-assign]
    main.enable()
    try:
        yield out
    finally:
        main.disable()
        threading.Thread.run = original_run  # type: ignore[method-assign]
        stats = pstats.Stats(main, stream=out)
        for profiler in profiles:
            stats.add(profiler)
        stats.sort_stats("tottime").print_stats(top)
