"""Names in the configuration checked against the live inventory, before anything is proposed.

Every unknown datacenter, cluster, host (or host outside its cluster), network, datastore,
resource pool or template is reported at its file:line:col, all in one run.
Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from collections.abc import Iterable

from planner.config.context import did_you_mean
from planner.model import DesiredConfig, DesiredVM, Inventory, Pos
from planner.model.diagnostics import Diagnostic


def _hint(name: str, known: Iterable[str], what: str) -> str:
    names = sorted(known)
    close = did_you_mean(name, names)
    if close:
        return close
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"known {what}: {shown}" if names else f"there is no {what[:-1]} in this scope"


class _Checker:
    def __init__(self, inventory: Inventory):
        self.inv = inventory
        self.datacenters = set(inventory.datacenters)
        self.clusters = {(c.datacenter, c.name): c for c in inventory.clusters}
        self.hosts = {(h.datacenter, h.name): h for h in inventory.hosts}
        self.templates: dict[str, set[str]] = {}
        for vm in inventory.vms:
            self.templates.setdefault(vm.datacenter, set()).add(vm.name)
        self.errors: list[Diagnostic] = []
        self.seen: set[tuple[str, Pos | None]] = set()

    def report(self, message: str, pos: Pos | None, hint: str) -> None:
        if (message, pos) not in self.seen:
            self.seen.add((message, pos))
            self.errors.append(Diagnostic(message, pos, hint))

    def container(self, vm: DesiredVM, pos: Pos, dc_pos: Pos) -> bool:
        dc = vm.datacenter
        if dc not in self.datacenters:
            scope = self.inv.scope.datacenter
            hint = (
                f"the URL's path limits vcplan to datacenter {scope!r}"
                if scope
                else _hint(dc, self.datacenters, "datacenters")
            )
            self.report(f"datacenter {dc!r} does not exist in vCenter", dc_pos, hint)
            return False
        if vm.cluster is not None and (dc, vm.cluster) not in self.clusters:
            names = [c for d, c in self.clusters if d == dc]
            self.report(
                f"cluster {vm.cluster!r} does not exist in datacenter {dc!r}",
                pos,
                _hint(vm.cluster, names, "clusters"),
            )
            return False
        if vm.host is None:
            return True
        host_pos = vm.attr_pos.get("host", pos)
        host = self.hosts.get((dc, vm.host))
        if host is None:
            names = [h for d, h in self.hosts if d == dc]
            self.report(
                f"host {vm.host!r} does not exist in datacenter {dc!r}",
                host_pos,
                _hint(vm.host, names, "hosts"),
            )
            return False
        if host.cluster != vm.cluster:
            where = f"cluster {host.cluster!r}" if host.cluster else "no cluster (standalone)"
            wanted = f"cluster {vm.cluster!r}" if vm.cluster else "a standalone host block"
            self.report(
                f"host {vm.host!r} is in {where}, not in {wanted}",
                host_pos,
                "pin the VM to a host of its own cluster, or move the vm block",
            )
            return False
        return True

    def names(self, vm: DesiredVM) -> None:
        dc = vm.datacenter
        known = self.inv.networks.get(dc, frozenset())
        for i, nic in enumerate(vm.nics or ()):
            if nic.network not in known:
                pos = vm.attr_pos.get(f"network_interface[{i}].network", vm.pos)
                self.report(
                    f"network {nic.network!r} does not exist in datacenter {dc!r}",
                    pos,
                    _hint(nic.network, known, "networks"),
                )
        if vm.datastore is not None:
            known = self.inv.datastores.get(dc, frozenset())
            if vm.datastore not in known:
                self.report(
                    f"datastore {vm.datastore!r} does not exist in datacenter {dc!r}",
                    vm.attr_pos.get("datastore", vm.pos),
                    _hint(vm.datastore, known, "datastores"),
                )
        if vm.resource_pool is not None:
            owner = vm.cluster or vm.host or ""
            known = self.inv.resource_pools.get((dc, owner), frozenset())
            pool = "/".join(p for p in vm.resource_pool.split("/") if p)
            if pool not in known:
                self.report(
                    f"resource pool {vm.resource_pool!r} does not exist in {owner!r}",
                    vm.attr_pos.get("resource_pool", vm.pos),
                    _hint(pool, [k for k in known if k], "resource pools"),
                )

    def template(self, vm: DesiredVM, existing: set[str]) -> None:
        if vm.template is None or vm.address in existing:
            return  # a template only matters on create
        known = self.templates.get(vm.datacenter, set())
        if vm.template not in known:
            self.report(
                f"template {vm.template!r} does not exist in datacenter {vm.datacenter!r}",
                vm.attr_pos.get("template", vm.pos),
                _hint(vm.template, known, "VMs and templates"),
            )


def check_references(
    config: DesiredConfig, inventory: Inventory, existing: set[str]
) -> list[Diagnostic]:
    """Diagnostics for every name vCenter does not know; `existing` holds the addresses of
    declared VMs found live (their template is not needed)."""
    checker = _Checker(inventory)
    containers = {(c.datacenter, c.cluster, c.host): c.pos for c in config.containers}
    for vm in config.vms:
        block_host = None if vm.cluster is not None else vm.host
        pos = containers.get((vm.datacenter, vm.cluster, block_host), vm.pos)
        dc_pos = containers.get((vm.datacenter, None, None), pos)
        if checker.container(vm, pos, dc_pos):
            checker.names(vm)
            checker.template(vm, existing)
    return checker.errors
