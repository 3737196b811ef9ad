"""The last check before a step touches an existing VM: the plan's safety rules against the VM as
it is now (docs/security.md#saved-plans).

A saved plan is a file anyone can edit, and vCenter moves while an apply runs; so whatever the
plan says, the executor re-reads the VM right before acting and asks `refusal` whether it may.
Pure. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from planner.model import LiveVM
from planner.model.plan import Action, VMChange
from planner.plan.fingerprint import fingerprint


def refusal(change: VMChange, live: LiveVM | None, workspace: str, first: bool) -> str | None:
    """Why a step of `change` must not run on `live` (None when it may). Every step of a delete
    (its power-off too) needs this workspace's marker and no prevent_destroy.

    `first` is true for the first step on this VM in this apply: only then must the VM still be
    the one planned against (later steps find it changed by the earlier ones).
    """
    where = f"{change.address} ({change.moref})"
    if live is None:
        return f"{where} no longer exists; nothing was done. Run plan again"
    if live.address != change.address:
        return (
            f"{where} is now {live.address!r}, not the VM the plan names; nothing was done. "
            "Run plan again"
        )
    if live.workspace not in (None, workspace):
        return (
            f"{where} belongs to workspace {live.workspace!r}, not {workspace!r}; nothing was done"
        )
    if change.action is Action.DELETE:
        if live.workspace != workspace:
            return (
                f"{where} does not carry the marker of workspace {workspace!r}; vcplan deletes "
                "only the VMs it owns, so it was not deleted"
            )
        if live.prevent_destroy:
            return (
                f"{where} is protected by prevent_destroy; it was not deleted. Apply a "
                "configuration declaring it with prevent_destroy = false first"
            )
    if first:
        if change.fingerprint is None:
            return f"{where}: the plan has no fingerprint for it; nothing was done. Plan again"
        if fingerprint(live) != change.fingerprint:
            return (
                f"{where} changed in vCenter since the plan was made; nothing was done. Plan again"
            )
    return None
