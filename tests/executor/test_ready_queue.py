"""The ready queue keeps waiting steps in the order they became ready, and holds back the ones
that take a VM down while the bound is full without looking at every waiting step."""

from __future__ import annotations

from planner.apply.ready import ReadyQueue


def queue_of(*steps: tuple[str, bool]) -> ReadyQueue:
    ready = ReadyQueue()
    for step_id, takes_down in steps:
        ready.add(step_id, takes_down)
    return ready


def test_steps_come_out_in_the_order_they_became_ready() -> None:
    ready = queue_of(("a", True), ("b", False), ("c", True), ("d", False))
    assert [ready.pop_next(may_take_down=True) for _ in range(5)] == ["a", "b", "c", "d", None]


def test_while_no_vm_may_go_down_only_the_other_steps_come_out() -> None:
    ready = queue_of(("down-1", True), ("other", False), ("down-2", True))
    assert ready.pop_next(may_take_down=False) == "other"
    assert ready.pop_next(may_take_down=False) is None
    assert len(ready) == 2
    assert ready.pop_next(may_take_down=True) == "down-1"


def test_drain_takes_out_what_is_wanted_in_order_and_keeps_the_rest_waiting() -> None:
    ready = queue_of(("a", True), ("b", False), ("c", True), ("d", False))
    assert ready.drain(lambda s: s in {"d", "a", "c"}) == ["a", "c", "d"]
    assert [ready.pop_next(may_take_down=True) for _ in range(2)] == ["b", None]


def test_pop_first_takes_the_earliest_wanted_step_and_keeps_the_others_in_order() -> None:
    ready = queue_of(("a", True), ("b", False), ("c", False), ("d", False))
    assert ready.pop_first(lambda s: s in {"d", "c"}) == "c"
    assert ready.pop_first(lambda s: s == "x") is None
    assert [ready.pop_next(may_take_down=True) for _ in range(4)] == ["a", "b", "d", None]


def test_pop_first_never_takes_a_step_that_takes_a_vm_down() -> None:
    ready = queue_of(("down", True), ("up", False))
    assert ready.pop_first(lambda s: s == "down") is None
    assert ready.pop_next(may_take_down=True) == "down"
