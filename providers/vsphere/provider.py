"""The vSphere provider: the one object the CLI hands to the planner's stages.

It owns the session and the URL's scope, reads the inventory, and is the planner's Provider
(planner/apply/provider.py): operations from providers/vsphere/operations.py, one task waiter.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from planner.apply.provider import Handle, Outcome
from planner.config.endpoint import Endpoint
from planner.gc_pause import collector_paused
from planner.model import Inventory, LiveVM, Power
from planner.model.diagnostics import error
from planner.model.plan import TagCategoryChange
from providers.vsphere.inventory import read_inventory
from providers.vsphere.operations import Operations
from providers.vsphere.session import Session
from providers.vsphere.tag_ops import TagOps
from providers.vsphere.tasks import TaskWaiter
from providers.vsphere.watch import VMWatch

if TYPE_CHECKING:
    from providers.vsphere.events import EventRead


class ExecutorMixin:
    """Makes VSphereProvider a planner.apply.provider.Provider: operations and the one waiter."""

    session: Session
    tag_ops: TagOps
    reads_tags: bool = False
    _executor_parts: tuple[Operations, Any] | None = None
    _parts_lock = threading.Lock()  # the executor's threads ask for the parts together

    def _parts(self) -> tuple[Operations, Any]:
        """Made on first use (a plan never needs them), and once, though the executor's
        threads ask together: each would otherwise make its own waiter and widen the pool."""
        if self._executor_parts is None:
            with self._parts_lock:
                if self._executor_parts is None:
                    _widen_pool(self.session)
                    self._executor_parts = (Operations(self.session), TaskWaiter(self.session))
        return self._executor_parts

    def create_folder(self, datacenter: str, path: str) -> Handle:
        return self._parts()[0].create_folder(datacenter, path)

    def create_vm(self, datacenter: str, name: str, after: Mapping[str, Any]) -> Handle:
        return self._parts()[0].create_vm(datacenter, name, after)

    def relocate(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        return self._parts()[0].relocate(moref, after, changed, live)

    def power_off(self, moref: str, shutdown_timeout: float, live: LiveVM | None = None) -> Handle:
        return self._parts()[0].power_off(moref, shutdown_timeout, live)

    def restart(self, moref: str, timeout: float, live: LiveVM | None = None) -> Handle:
        return self._parts()[0].restart(moref, timeout, live)

    def reconfigure(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        return self._parts()[0].reconfigure(moref, after, changed, live)

    def set_power(
        self, moref: str, power: Power, shutdown_timeout: float, live: LiveVM | None = None
    ) -> Handle:
        return self._parts()[0].set_power(moref, power, shutdown_timeout, live)

    def create_tag_category(self, change: TagCategoryChange) -> Handle:
        return self.tag_ops.create_category(change)

    def set_tags(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        """`live` carries the VM's tags only when this run read them (`reads_tags`)."""
        current = live.tags if live is not None and self.reads_tags else None
        return self.tag_ops.set_tags(moref, after.get("tags") or {}, current)

    def set_markers(self, moref: str, workspace: str, prevent_destroy: bool) -> Handle:
        return self._parts()[0].set_markers(moref, workspace, prevent_destroy)

    def destroy(self, moref: str) -> Handle:
        return self._parts()[0].destroy(moref)

    def wait_any(self, handles: Any, timeout: float) -> list[tuple[Handle, Outcome]]:
        waiter = self._parts()[1]
        result: list[tuple[Handle, Outcome]] = waiter.wait_any(handles, timeout)
        return result

    def interrupt(self) -> None:
        self._parts()[1].interrupt()

    def read_vm(self, moref: str) -> LiveVM | None:
        """The VM now; with its tags when this run reads tags, so that its fingerprint is
        computed over what the plan's was (one list-attached-tags call)."""
        live = self._parts()[0].read_vm(moref)
        if live is not None and self.reads_tags:
            live = replace(live, tags=self.tag_ops.tags_of([moref]).get(moref, {}))
        return live

    def read_vms(self, morefs: Sequence[str]) -> dict[str, LiveVM | None]:
        """A wave of VMs now; with their tags (one bulk call) when this run reads tags."""
        lives = self._parts()[0].read_vms(morefs)
        if self.reads_tags:
            found = [m for m, vm in lives.items() if vm is not None]
            tags = self.tag_ops.tags_of(found) if found else {}
            lives = {
                m: replace(vm, tags=tags.get(m, {})) if vm is not None else None
                for m, vm in lives.items()
            }
        return lives

    def relogin(self) -> None:
        """A new SOAP session; the tagging session too, reopened on its next call."""
        self.tag_ops.close()
        self.session.relogin()
        _widen_pool(self.session)
        operations, waiter = self._parts()
        operations.readback.reset()
        waiter.reset()


def _widen_pool(session: Session) -> None:
    """pyVmomi keeps 5 idle connections; concurrent steps would otherwise reconnect often."""
    stub = session.si._stub
    if getattr(stub, "poolSize", 0) < 64:
        stub.poolSize = 64


class VSphereProvider(ExecutorMixin):
    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        self.session = Session(endpoint)
        self.tag_ops = TagOps(endpoint)

    @property
    def display_url(self) -> str:
        return self.endpoint.display_url

    @property
    def is_esx(self) -> bool:
        return self.session.is_esx

    def read_inventory(self, tags: bool = False) -> Inventory:
        """The inventory; with `tags`, every VM's tags too (docs/language.md#tags): the catalog
        is read in a thread while the SOAP pages come in, and each page's VMs' tags in bulk
        (one call a page) while the next page is read."""
        if not tags:
            return read_inventory(self.session, self.endpoint.scope)
        self._can_read_tags()
        with ThreadPoolExecutor(1, thread_name_prefix="vcplan-tags") as pool:
            categories = pool.submit(self.tag_ops.live_categories)
            inventory = read_inventory(
                self.session,
                self.endpoint.scope,
                lambda morefs: pool.submit(self.tag_ops.inventory_tags, morefs),
            )
            return replace(inventory, tag_categories=categories.result())

    def add_tags(self, inventory: Inventory) -> Inventory:
        """An inventory read without tags, with them: `plan` starts its read before the
        configuration says whether it needs them (docs/performance.md#overlap)."""
        self._can_read_tags()
        live_categories = self.tag_ops.live_categories()
        with collector_paused():  # as the page reader: no GC rescans of the inventory just read
            by_moref = self.tag_ops.inventory_tags(vm.moref for vm in inventory.vms)
            vms = tuple(replace(vm, tags=by_moref.get(vm.moref, {})) for vm in inventory.vms)
        return replace(inventory, vms=vms, tag_categories=live_categories)

    def _can_read_tags(self) -> None:
        if self.is_esx:
            raise error(
                "a standalone ESXi host has no vSphere tags",
                hint="tags and tag_category need a vCenter URL (vpx://)",
            )
        self.reads_tags = True

    @contextmanager
    def lock_workspace(
        self, workspace: str, purpose: str, force_unlock: str | None
    ) -> Iterator[None]:
        """The workspace lock in vCenter (providers/vsphere/lock.py). A standalone ESXi host has
        no folders to hold it: there the lock is not taken (docs/security.md#locking)."""
        if self.is_esx:
            yield
            return
        from providers.vsphere.lock import workspace_lock

        with workspace_lock(self.session, workspace, purpose, force_unlock):
            yield

    def read_events(
        self, since: datetime, morefs: frozenset[str], names: frozenset[tuple[str, str]]
    ) -> EventRead:
        """The events that can explain drift of these VMs (providers/vsphere/events.py)."""
        from providers.vsphere.events import read_events  # drift only: not every command's

        return read_events(self.session, since, morefs, names)

    def watch(self) -> VMWatch:
        """A WaitForUpdatesEx loop over the scope's VMs (providers/vsphere/watch.py)."""
        return VMWatch(self.session, self.endpoint.scope)

    def reconnect(self) -> None:
        """A fresh session after the old one expired or vCenter restarted."""
        self.tag_ops.close()
        self.session.close()
        self.session.relogin()

    def close(self) -> None:
        self.tag_ops.close()
        self.session.close()
