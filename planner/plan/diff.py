"""Desired against live: the plan (docs/plan-format.md). Pure; the caller reads vCenter.

Every VM identity (datacenter, name) gets one change: `create` when declared and missing,
`update`/`noop` when declared and present, `delete` when it carries this workspace's marker and
is no longer declared. Ownership and reference errors are all collected and raised together, so
a plan with any error proposes nothing. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from datetime import UTC, datetime

from planner.model import DesiredConfig, DesiredVM, Inventory, LiveVM, Scope
from planner.model.attributes import desired_attributes, live_attributes
from planner.model.diagnostics import Diagnostic, DiagnosticError
from planner.model.plan import Action, Plan, VMChange
from planner.plan.compare import compare
from planner.plan.fingerprint import fingerprint
from planner.plan.references import check_references
from planner.plan.restarts import add_restarts
from planner.plan.tag_plan import check_tags, tag_category_changes
from planner.plan.targets import select_targets


def _live_by_address(inventory: Inventory) -> dict[str, list[LiveVM]]:
    found: dict[str, list[LiveVM]] = {}
    for vm in inventory.vms:
        found.setdefault(vm.address, []).append(vm)
    return found


def _outside(vm: DesiredVM, scope: Scope) -> bool:
    """Whether the URL's path excludes a declared VM: vcplan read none of the VMs there, so it
    could not tell a missing VM from an existing one."""
    if scope.datacenter is not None and vm.datacenter != scope.datacenter:
        return True
    if scope.cluster is not None and vm.cluster != scope.cluster:
        return True
    return scope.host is not None and vm.host != scope.host


def _scope_errors(config: DesiredConfig, scope: Scope) -> list[Diagnostic]:
    path = "/".join(p for p in (scope.datacenter, scope.cluster, scope.host) if p)
    return [
        Diagnostic(
            f"{vm.address} is outside the URL's scope ({path})",
            vm.attr_pos.get("name", vm.pos),
            "plan with a URL that covers the whole configuration, and use --target to "
            "limit the plan",
        )
        for vm in config.vms
        if _outside(vm, scope)
    ]


def _deps(vm: DesiredVM) -> tuple[str, ...]:
    if not vm.depends_on:  # most VMs: no generator to build and run
        return ()
    return tuple(f"{vm.datacenter}/{name}" for name in vm.depends_on)


def _declared_change(
    vm: DesiredVM, matches: list[LiveVM], workspace: str, errors: list[Diagnostic]
) -> VMChange | None:
    if not matches:
        after = desired_attributes(vm, workspace)
        return VMChange(vm.address, Action.CREATE, None, after, depends_on=_deps(vm))
    name_pos = vm.attr_pos.get("name", vm.pos)
    if len(matches) > 1:
        folders = ", ".join(repr(m.folder or "/") for m in matches)
        errors.append(
            Diagnostic(
                f"{vm.address}: {len(matches)} VMs of this name exist (folders {folders})",
                name_pos,
                "rename or remove the extra VMs in vCenter; a VM's identity is its name",
            )
        )
        return None
    live = matches[0]
    if live.template:
        errors.append(
            Diagnostic(
                f"{vm.address} is a template in vCenter, not a VM",
                name_pos,
                "declare a VM under another name and clone it with template = ...",
            )
        )
        return None
    if live.workspace not in (None, workspace):
        errors.append(
            Diagnostic(
                f"{vm.address} belongs to workspace {live.workspace!r}, not {workspace!r}",
                name_pos,
                "remove it from this configuration, or from the other workspace first",
            )
        )
        return None
    result = compare(vm, live, workspace)
    errors.extend(result.errors)
    return VMChange(
        vm.address,
        Action.UPDATE if result.diffs else Action.NOOP,
        result.before,
        result.after,
        result.diffs,
        restart=result.restart,
        moves=result.moves,
        fingerprint=fingerprint(live),  # noops too: a saved plan is stale if any VM in it moved
        moref=live.moref,
        depends_on=_deps(vm),
    )


def _delete_change(live: LiveVM, errors: list[Diagnostic]) -> VMChange | None:
    if live.prevent_destroy:
        errors.append(
            Diagnostic(
                f"{live.address} would be deleted, but it is protected by prevent_destroy "
                "(recorded on the VM in vCenter)",
                None,
                "declare it again with lifecycle { prevent_destroy = false } and apply that "
                "first, or keep its block",
            )
        )
        return None
    return VMChange(
        live.address,
        Action.DELETE,
        live_attributes(live),
        None,
        fingerprint=fingerprint(live),
        moref=live.moref,
    )


def _check_targets(targets: Sequence[str], addresses: list[str]) -> list[Diagnostic]:
    return [
        Diagnostic(
            f"--target {pattern!r} matches no VM of this plan",
            None,
            "patterns are shell globs on <datacenter>/<vm name>, e.g. 'DC0/web-*'",
        )
        for pattern in targets
        if not any(fnmatch.fnmatchcase(a, pattern) for a in addresses)
    ]


def plan_changes(
    config: DesiredConfig,
    inventory: Inventory,
    url: str = "",
    targets: Sequence[str] = (),
    created_at: str | None = None,
    restarts: Sequence[str] = (),
) -> Plan:
    """The plan, or DiagnosticError listing every reason there can be none. `restarts` are
    --restart patterns, applied within the --target selection (planner/plan/restarts.py)."""
    live = _live_by_address(inventory)
    declared = {vm.address for vm in config.vms}
    errors = _scope_errors(config, inventory.scope)
    if errors:
        raise DiagnosticError(errors)
    errors = check_references(config, inventory, declared & live.keys())
    errors.extend(check_tags(config, inventory))
    changes: list[VMChange] = []
    for vm in config.vms:
        change = _declared_change(vm, live.get(vm.address, []), config.workspace, errors)
        if change is not None:
            changes.append(change)
    for address in sorted(live.keys() - declared):
        for found in live[address]:
            if found.workspace == config.workspace:
                change = _delete_change(found, errors)
                if change is not None:
                    changes.append(change)
    errors.extend(_check_targets(targets, [c.address for c in changes]))
    if errors:
        raise DiagnosticError(errors)
    plan = Plan(
        workspace=config.workspace,
        url=url,
        created_at=created_at or datetime.now(UTC).isoformat(timespec="seconds"),
        changes=tuple(changes),
        config_hash=config.config_hash,
        tag_categories=tag_category_changes(config, inventory),
        tags_read=inventory.tag_categories is not None,
    )
    return add_restarts(select_targets(plan, targets), restarts, targets)
