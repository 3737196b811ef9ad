"""One step, one provider call: the re-check of an existing VM, then the operation for the
step's kind, handed the VM as the re-check read it (docs/security.md#saved-plans).

The executor reads the VMs of every step it starts at one moment in one `read_vms` (a wave,
planner/apply/executor.py) and calls `call_step` for each with its VM. No I/O but the provider
call. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.apply.guard import refusal
from planner.apply.provider import Handle, OperationRefused, Outcome, Provider
from planner.apply.steps import (
    Step,
    changed_attributes,
    restart_timeout,
    shutdown_timeout,
    still_needed,
)
from planner.model import LiveVM
from planner.model.attributes import StepKind
from planner.model.plan import Plan, VMChange


def reads_vm(step: Step) -> bool:
    """Whether the step acts on a VM that exists: it is re-checked (or, after a create, read
    back) right before, so its VM goes into the wave's read."""
    return step.is_vm and step.kind is not StepKind.CREATE


def desired(change: VMChange, workspace: str) -> dict[str, Any]:
    """The change's `after` with the plan's workspace: the marker to write, whatever `after`
    carries (a create's spec and every later step's)."""
    return {**(change.after or {}), "workspace": workspace}


def check(
    step: Step, change: VMChange, moref: str, live: LiveVM | None, workspace: str, first: bool
) -> None:
    """Raise OperationRefused when the step must not run on `live` (planner/apply/guard.py);
    a step after a create only needs the VM to exist. `moref`: the VM acted on (a created VM's
    is known only from its create, not from the plan)."""
    if step.converge:
        if live is None:
            raise OperationRefused(f"{step.address} ({moref}) no longer exists")
        return
    why = refusal(change, live, workspace, first)
    if why is not None:
        raise OperationRefused(why)


def call_auxiliary(provider: Provider, step: Step, plan: Plan) -> Handle:
    """A step of no VM: a folder, or a declared tag category (before any VM's tags step)."""
    if step.kind is StepKind.FOLDER:
        return provider.create_folder(step.datacenter, step.name)
    category = next(c for c in plan.tag_categories if c.name == step.name)
    return provider.create_tag_category(category)


def call_step(
    provider: Provider,
    step: Step,
    change: VMChange,
    workspace: str,
    moref: str,
    live: LiveVM | None,
) -> Handle:
    """The operation for a step on an existing VM that passed `check`; `live` is that VM."""
    p = provider
    after: Mapping[str, Any] = desired(change, workspace)
    names = frozenset(changed_attributes(change))
    if step.converge:
        assert live is not None
        pending = still_needed(step, after, live)
        if pending is None:
            return Handle(outcome=Outcome(ok=True, note="unchanged"))
        names = pending
    if step.kind is StepKind.MOVE:
        return p.relocate(moref, after, names, live=live)
    if step.kind is StepKind.POWER_OFF:
        return p.power_off(moref, shutdown_timeout(change), live=live)
    if step.kind is StepKind.RESTART:
        return p.restart(moref, restart_timeout(change), live=live)
    if step.kind is StepKind.RECONFIGURE:
        return p.reconfigure(moref, after, names, live=live)
    if step.kind is StepKind.TAGS:
        return p.set_tags(moref, after, names, live=live)
    if step.kind is StepKind.POWER:
        assert step.power is not None
        return p.set_power(moref, step.power, shutdown_timeout(change), live=live)
    if step.kind is StepKind.MARKERS:
        prevent = bool(after.get("prevent_destroy", False))
        return p.set_markers(moref, workspace, prevent)
    if step.kind is StepKind.DELETE:
        return p.destroy(moref)
    raise AssertionError(step.kind)
