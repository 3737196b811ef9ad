"""The vSphere provider: the one object the CLI hands to the planner's stages.

It owns the session and the URL's scope. Reading is here; the executor's operations are added
by providers/vsphere/operations.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from planner.config.endpoint import Endpoint
from planner.model import Inventory
from providers.vsphere.inventory import read_inventory
from providers.vsphere.operations import ExecutorMixin
from providers.vsphere.session import Session


class VSphereProvider(ExecutorMixin):  # ExecutorMixin: planner.apply.provider.Provider's operations
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

    def close(self) -> None:
        self.session.close()
