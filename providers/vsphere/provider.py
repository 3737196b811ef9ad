"""The vSphere provider: the one object the CLI hands to the planner's stages.

It owns the session and the URL's scope, reads the inventory, and is the planner's Provider
(planner/apply/provider.py): operations from providers/vsphere/operations.py, one task waiter.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from planner.apply.provider import Handle, Outcome
from planner.config.endpoint import Endpoint
from planner.model import Inventory, LiveVM, Power
from providers.vsphere.events import EventRead, read_events
from providers.vsphere.inventory import read_inventory
from providers.vsphere.operations import Operations
from providers.vsphere.session import Session
from providers.vsphere.tasks import TaskWaiter
from providers.vsphere.watch import VMWatch


class ExecutorMixin:
    """Makes VSphereProvider a planner.apply.provider.Provider: operations and the one waiter."""

    session: Session
    _executor_parts: tuple[Operations, Any] | None = None

    def _parts(self) -> tuple[Operations, Any]:
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
        return self._parts()[0].read_vm(moref)

    def read_vms(self, morefs: Sequence[str]) -> dict[str, LiveVM | None]:
        return self._parts()[0].read_vms(morefs)

    def relogin(self) -> None:
        self.session.relogin()
        _widen_pool(self.session)
        self._parts()[1].reset()


def _widen_pool(session: Session) -> None:
    """pyVmomi keeps 5 idle connections; concurrent steps would otherwise reconnect often."""
    stub = session.si._stub
    if getattr(stub, "poolSize", 0) < 64:
        stub.poolSize = 64


class VSphereProvider(ExecutorMixin):
    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        self.session = Session(endpoint)

    @property
    def display_url(self) -> str:
        return self.endpoint.display_url

    @property
    def is_esx(self) -> bool:
        return self.session.is_esx

    def read_inventory(self) -> Inventory:
        return read_inventory(self.session, self.endpoint.scope)

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
        return read_events(self.session, since, morefs, names)

    def watch(self) -> VMWatch:
        """A WaitForUpdatesEx loop over the scope's VMs (providers/vsphere/watch.py)."""
        return VMWatch(self.session, self.endpoint.scope)

    def reconnect(self) -> None:
        """A fresh session after the old one expired or vCenter restarted."""
        self.session.close()
        self.session.relogin()

    def close(self) -> None:
        self.session.close()
