"""A saved plan against vCenter now: what moved since the plan was made.

A saved plan is a contract; apply refuses it when any VM in it changed. Pure.
"""

from __future__ import annotations

from planner.model import Inventory
from planner.model.plan import Action, Plan
from planner.plan.fingerprint import fingerprint


def stale_changes(plan: Plan, inventory: Inventory) -> list[str]:
    """What moved since a saved plan was made: one line per VM whose live state no longer has
    the plan's fingerprint (or that appeared or vanished)."""
    live = {vm.address: vm for vm in inventory.vms}
    lines = []
    for change in plan.changes:
        vm = live.get(change.address)
        if change.action is Action.CREATE:
            if vm is not None:
                lines.append(f"{change.address}: now exists (the plan creates it)")
        elif vm is None:
            lines.append(f"{change.address}: no longer exists")
        elif change.fingerprint is not None and fingerprint(vm) != change.fingerprint:
            lines.append(f"{change.address}: changed in vCenter since the plan was made")
    return lines
