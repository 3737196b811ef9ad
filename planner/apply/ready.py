"""The steps that are ready and wait for a slot, in the order they became ready.

The steps that take a VM down (the first step of a power-cycle window) are kept apart from the
others, so a full --max-unavailable bound or a full --parallelism is answered without looking
at every waiting step: a rolling restart of 10,000 VMs has nearly all of them waiting at every
event. Bookkeeping only; the executor decides what may start. Must not import pyVmomi, rich or
typer.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable


class ReadyQueue:
    def __init__(self) -> None:
        self._order = itertools.count()
        self._down: deque[tuple[int, str]] = deque()  # steps that take a VM down
        self._other: deque[tuple[int, str]] = deque()

    def __len__(self) -> int:
        return len(self._down) + len(self._other)

    def add(self, step_id: str, takes_down: bool) -> None:
        (self._down if takes_down else self._other).append((next(self._order), step_id))

    def pop_next(self, may_take_down: bool) -> str | None:
        """The step that became ready first, among those that take a VM down only when
        `may_take_down`; None when there is none."""
        down = self._down if may_take_down and self._down else None
        if self._other and (down is None or self._other[0][0] < down[0][0]):
            return self._other.popleft()[1]
        return down.popleft()[1] if down is not None else None

    def pop_first(self, wanted: Callable[[str], bool]) -> str | None:
        """The step that became ready first among those that take no VM down and `wanted`
        says yes to (after Ctrl-C: the steps that bring a VM back); None when there is none."""
        for i, (_, step_id) in enumerate(self._other):
            if wanted(step_id):
                del self._other[i]
                return step_id
        return None

    def drain(self, wanted: Callable[[str], bool]) -> list[str]:
        """Take out the steps `wanted` says yes to, in order; the others keep waiting."""
        taken: list[tuple[int, str]] = []
        for queue in (self._down, self._other):
            kept: deque[tuple[int, str]] = deque()
            for item in queue:
                (taken if wanted(item[1]) else kept).append(item)
            queue.clear()
            queue.extend(kept)
        return [step_id for _, step_id in sorted(taken)]
