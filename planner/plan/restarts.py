"""--restart: power cycles asked for on the command line, added to a plan; and how a plan's power
cycles roll (docs/apply.md#restarts). Pure.

A matching VM that is running gets a `restart` change; one that is off or suspended stays as
it was (a restart would have to power it on). A running VM that the plan already updates keeps
its `update` and is power-cycled once for both: the restart is folded into the update.
Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import replace

from planner.model.diagnostics import Diagnostic, DiagnosticError
from planner.model.plan import Action, Plan, VMChange

DEFAULT_MAX_UNAVAILABLE = 1  # when the plan has restarts: one VM down at a time


def _running(change: VMChange) -> bool:
    return (change.before or {}).get("power") == "on"


def _stays_running(change: VMChange) -> bool:
    """An update that powers the VM off or suspends it takes it down anyway: no restart."""
    return (change.after or {}).get("power") in (None, "on")


def _restarted(change: VMChange) -> VMChange:
    if not _running(change):
        return change
    if change.action is Action.NOOP:
        return replace(change, action=Action.RESTART, restart=True, restart_requested=True)
    if change.action is Action.UPDATE and _stays_running(change):
        return replace(change, restart=True, restart_requested=True)
    return change


def _no_match(pattern: str, targets: Sequence[str]) -> Diagnostic:
    where = "of this plan" if not targets else "within the --target selection"
    return Diagnostic(
        f"--restart {pattern!r} matches no VM {where}",
        None,
        "patterns are shell globs on <datacenter>/<vm name> of the VMs the configuration "
        "declares, e.g. 'DC0/web-*'",
    )


def _matches(address: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(address, p) for p in patterns)


def add_restarts(plan: Plan, patterns: Sequence[str], targets: Sequence[str] = ()) -> Plan:
    """The plan with a power cycle for every running VM whose address matches a pattern.

    `plan` is already cut down to `targets`. With targets, only the targeted VMs themselves
    can be restarted, not the dependencies --target brought along; a pattern that matches
    no candidate is an error (DiagnosticError), like a --target that matches nothing.
    """
    if not patterns:
        return plan
    candidates = {c.address for c in plan.changes if not targets or _matches(c.address, targets)}
    errors = [
        _no_match(p, targets)
        for p in patterns
        if not any(fnmatch.fnmatchcase(a, p) for a in candidates)
    ]
    if errors:
        raise DiagnosticError(errors)
    changes = tuple(
        _restarted(c) if c.address in candidates and _matches(c.address, patterns) else c
        for c in plan.changes
    )
    return replace(plan, changes=changes)


def power_cycled(change: VMChange) -> bool:
    """Whether apply takes this VM down and brings it back: a restart, or an update that needs
    a power cycle. These are what --max-unavailable bounds."""
    if change.action is Action.RESTART:
        return True
    return change.action is Action.UPDATE and change.restart


def default_max_unavailable(plan: Plan) -> int | None:
    """One VM down at a time when the plan has restarts; otherwise unbounded, as before."""
    if any(c.restart_requested for c in plan.changes):
        return DEFAULT_MAX_UNAVAILABLE
    return None


def rolling_waves(plan: Plan, max_unavailable: int | None) -> list[list[str]]:
    """The power-cycled VMs in waves of at most `max_unavailable`, each VM in a wave after
    every power-cycled VM it depends on (directly or through other VMs of the plan). For the
    plan's text: the executor does not wait for a whole wave, it starts the next VM as soon
    as one is back."""
    cycled = [c.address for c in plan.changes if power_cycled(c)]
    if not cycled:
        return []
    by_addr = {c.address: c for c in plan.changes}
    cycled_set = set(cycled)
    needs = {a: _cycled_dependencies(a, by_addr, cycled_set) for a in cycled}
    size = max_unavailable or len(cycled)
    waves: list[list[str]] = []
    done: set[str] = set()
    # Each wave takes, in plan order, the first `size` VMs whose dependencies are done. The VMs
    # passed over wait for a later wave; the others are read once, when first reached, so a
    # fleet restarted one at a time is not rescanned whole for every wave.
    waiting: list[str] = []
    unreached = iter(cycled)
    while True:
        wave: list[str] = []
        passed: list[str] = []
        for i, address in enumerate(waiting):
            if len(wave) == size:
                passed += waiting[i:]
                break
            (wave if needs[address] <= done else passed).append(address)
        while len(wave) < size:
            following = next(unreached, None)
            if following is None:
                break
            (wave if needs[following] <= done else passed).append(following)
        if not wave:
            if passed:  # a depends_on cycle: build_steps reports it
                waves.append(passed)
            return waves
        waves.append(wave)
        done.update(wave)
        waiting = passed


def _cycled_dependencies(address: str, by_addr: dict[str, VMChange], cycled: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = [address]
    while todo:
        change = by_addr.get(todo.pop())
        for dep in change.depends_on if change else ():
            if dep not in seen and dep != address:
                seen.add(dep)
                todo.append(dep)
    return seen & cycled
