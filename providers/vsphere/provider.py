"""The vSphere provider: the one object the CLI hands to the planner's stages.

It owns the session and the URL's scope. Reading is here; the executor's operations are added
by providers/vsphere/operations.py.
"""

from __future__ import annotations

from datetime import datetime

from planner.config.endpoint import Endpoint
from planner.model import Inventory
from providers.vsphere.events import EventRead, read_events
from providers.vsphere.inventory import read_inventory
from providers.vsphere.operations import ExecutorMixin
from providers.vsphere.session import Session
from providers.vsphere.watch import VMWatch


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
