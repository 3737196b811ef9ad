"""How the task waiter follows a guest reboot, on plain values (no vCenter): done only once
VMware Tools went away and came back; a guest that ignores the reboot fails at the deadline."""

from __future__ import annotations

import time
from types import SimpleNamespace

from providers.vsphere.tasks import TaskWaiter, Watch

VM = SimpleNamespace(_moId="vm-1")


def reboot(deadline: float = 3600.0) -> Watch:
    return Watch(
        vm=VM,
        want_power="poweredOn",
        reboot="going",
        deadline=time.monotonic() + deadline,
        timeout_error="not back within 600 s of the restart",
        note="guest reboot",
    )


def seen(waiter: TaskWaiter, tools: str) -> None:
    waiter._values["vm-1"] = {"runtime.powerState": "poweredOn", "guest.toolsRunningStatus": tools}


def test_a_reboot_is_not_done_while_tools_still_run():
    waiter, watch = TaskWaiter(session=None), reboot()  # type: ignore[arg-type]
    seen(waiter, "guestToolsRunning")
    assert waiter._advance(watch) is None


def test_a_reboot_is_not_done_while_tools_are_away():
    waiter, watch = TaskWaiter(session=None), reboot()  # type: ignore[arg-type]
    seen(waiter, "guestToolsNotRunning")
    assert waiter._advance(watch) is None


def test_a_reboot_is_done_when_tools_come_back():
    waiter, watch = TaskWaiter(session=None), reboot()  # type: ignore[arg-type]
    for tools in ("guestToolsRunning", "guestToolsNotRunning"):
        seen(waiter, tools)
        waiter._advance(watch)
    seen(waiter, "guestToolsRunning")
    outcome = waiter._advance(watch)
    assert outcome is not None and outcome.ok and outcome.note == "guest reboot"


def test_a_guest_that_ignores_the_reboot_fails_at_the_deadline():
    waiter, watch = TaskWaiter(session=None), reboot(deadline=-1)  # type: ignore[arg-type]
    seen(waiter, "guestToolsRunning")
    outcome = waiter._advance(watch)
    assert outcome is not None and not outcome.ok
    assert outcome.error == "not back within 600 s of the restart (the guest ignored the reboot)"
