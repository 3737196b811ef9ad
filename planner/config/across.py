"""Checks across all VMs of a configuration: names unique in a datacenter, `depends_on` naming
VMs that exist and forming no cycle."""

from __future__ import annotations

import graphlib
from collections.abc import Sequence

from planner.config.context import did_you_mean
from planner.config.schema import quoted
from planner.model import DesiredVM
from planner.model.diagnostics import Diagnostic


def check_across(vms: Sequence[DesiredVM], diags: list[Diagnostic]) -> list[DesiredVM]:
    """Duplicate names in a datacenter, and depends_on naming unknown VMs or forming a cycle."""
    by_address: dict[tuple[str, str], DesiredVM] = {}
    for vm in vms:
        key = (vm.datacenter, vm.name)
        if key in by_address:
            first = by_address[key]
            diags.append(
                Diagnostic(
                    f"two VMs are named {quoted(vm.name)} in datacenter {vm.datacenter}",
                    vm.attr_pos.get("name", vm.pos),
                    f"first declared at {first.attr_pos.get('name', first.pos)}; "
                    "a VM's name must be unique in its datacenter",
                )
            )
            continue
        by_address[key] = vm
    names_by_dc: dict[str, list[str]] = {}
    for dc, name in by_address:
        names_by_dc.setdefault(dc, []).append(name)
    for vm in by_address.values():
        for i, dep in enumerate(vm.depends_on):
            pos = vm.attr_pos.get(f"depends_on[{i}]", vm.attr_pos.get("depends_on", vm.pos))
            if dep == vm.name:
                diags.append(Diagnostic(f"{vm.name} depends on itself", pos))
            elif (vm.datacenter, dep) not in by_address:
                hint = did_you_mean(dep, names_by_dc.get(vm.datacenter, ()))
                diags.append(
                    Diagnostic(
                        f"depends_on names {quoted(dep)}, which is not a VM of datacenter "
                        f"{vm.datacenter}",
                        pos,
                        hint or "depends_on takes the names of VMs declared in the same datacenter",
                    )
                )
    diags.extend(_cycles(by_address))
    return list(by_address.values())


Key = tuple[str, str]  # (datacenter, name)


def _cycles(by_address: dict[Key, DesiredVM]) -> list[Diagnostic]:
    """Each cycle once, found by graphlib (no recursion: a 10,000-VM chain is fine); a found
    cycle's members are taken out and the rest is sorted again, so separate cycles are all
    reported."""
    graph: dict[Key, set[Key]] = {
        key: {
            dep
            for dep in ((vm.datacenter, name) for name in vm.depends_on)
            if dep != key and dep in by_address  # not `& keys() - {key}`: a copy of all keys a VM
        }
        if vm.depends_on
        else set()
        for key, vm in by_address.items()
    }
    # A VM with no edge either way is in no cycle; graphlib need not see it (most VMs depend on
    # none). The others keep their order, so the same cycles are found in the same order.
    targets: set[Key] = set().union(*graph.values())
    graph = {key: deps for key, deps in graph.items() if deps or key in targets}
    found: list[Diagnostic] = []
    while True:
        try:
            graphlib.TopologicalSorter(graph).prepare()
            return found
        except graphlib.CycleError as exc:
            # graphlib lists each node before the node that depends on it; reversed, each node
            # depends on the next, as the message reads.
            ring: list[Key] = list(reversed(exc.args[1]))[:-1]
            order = list(by_address)
            first = min(range(len(ring)), key=lambda i: order.index(ring[i]))
            cycle = ring[first:] + ring[:first] + [ring[first]]  # from the first declared member
            found.append(_cycle_diagnostic(cycle, by_address))
            members = set(cycle)
            graph = {k: deps - members for k, deps in graph.items() if k not in members}


def _cycle_diagnostic(cycle: list[Key], by_address: dict[Key, DesiredVM]) -> Diagnostic:
    start = by_address[cycle[0]]
    i = start.depends_on.index(cycle[1][1])
    names = [f"{dc}/{name}" for dc, name in cycle]
    if len(names) > 12:  # a long cycle: its start and end say where to cut it
        names = names[:5] + [f"... ({len(names) - 10} more)"] + names[-5:]
    path_text = " -> ".join(names)
    return Diagnostic(
        f"depends_on forms a cycle: {path_text}",
        start.attr_pos.get(f"depends_on[{i}]", start.pos),
        "remove one of these dependencies",
    )
