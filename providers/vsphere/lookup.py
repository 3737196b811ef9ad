"""Finding vCenter objects by name for the operations, and one vCenter call's faults turned into
the planner's exceptions. Objects are rebuilt from morefs on the session's current stub, so a
relogin needs nothing here to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyVmomi import vim, vmodl

from planner.apply.provider import Handle, OperationRefused, Outcome, SessionExpired
from providers.vsphere.inventory import fetch_properties
from providers.vsphere.session import Session
from providers.vsphere.tasks import Watch, fault_message


def done(note: str = "", result: str | None = None) -> Handle:
    """A Handle for work that finished during submission."""
    return Handle(outcome=Outcome(True, result=result, note=note))


def task_handle(task: Any, **watch: Any) -> Handle:
    """A Handle for a vCenter task, waited for by providers/vsphere/tasks.py."""
    return Handle(task=task._moId, token=Watch(task=task, **watch))


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """One vCenter call; its faults become the planner's exceptions with vCenter's message."""
    try:
        return fn(*args, **kwargs)
    except vim.fault.NotAuthenticated:
        raise SessionExpired("the vCenter session is no longer valid") from None
    except vmodl.MethodFault as exc:
        raise OperationRefused(fault_message(exc)) from None


class Lookup:
    """Name lookups for one session. Objects are rebuilt from morefs on the
    session's current stub, so a relogin needs nothing here to change."""

    def __init__(self, session: Session):
        self.session = session

    # --- lookups ---------------------------------------------------------------------------

    def _ref(self, cls: Any, moref: str) -> Any:
        return cls(moref, self.session.si._stub)

    def vm(self, moref: str) -> Any:
        return self._ref(vim.VirtualMachine, moref)

    def _named(self, root: Any, cls: Any, name: str, what: str) -> Any:
        for obj, props in call(lambda: list(fetch_properties(self.session, root, {cls: ["name"]}))):
            if props.get("name") == name:
                return obj
        raise OperationRefused(f"{what} {name!r} not found")

    def datacenter(self, name: str) -> Any:
        return self._named(self.session.content.rootFolder, vim.Datacenter, name, "datacenter")

    def folder(self, dc: Any, path: str | None) -> Any:
        folder = dc.vmFolder
        for part in [p for p in (path or "").split("/") if p]:
            child = call(self.session.content.searchIndex.FindChild, folder, part)
            if not isinstance(child, vim.Folder):
                raise OperationRefused(f"folder {path!r} not found")
            folder = child
        return folder

    def compute(self, dc: Any, after: Mapping[str, Any]) -> tuple[Any, Any]:
        """(compute resource, host or None) for the cluster or standalone host in `after`."""
        host = None
        if after.get("cluster"):
            compute = self._named(
                dc.hostFolder, vim.ClusterComputeResource, after["cluster"], "cluster"
            )
            if after.get("host"):
                host = next((h for h in compute.host if h.name == after["host"]), None)
                if host is None:
                    raise OperationRefused(f"host {after['host']!r} not in {after['cluster']!r}")
        elif after.get("host"):
            host = self._named(dc.hostFolder, vim.HostSystem, after["host"], "host")
            compute = host.parent
        else:
            raise OperationRefused("neither cluster nor host given")
        return compute, host

    def pool(self, compute: Any, path: str | None) -> Any:
        pool = compute.resourcePool
        for part in [p for p in (path or "").split("/") if p]:
            pool = next((p for p in pool.resourcePool if p.name == part), None)
            if pool is None:
                raise OperationRefused(f"resource pool {path!r} not found")
        return pool

    def datastore(self, dc: Any, name: str) -> Any:
        return self._named(dc.datastoreFolder, vim.Datastore, name, "datastore")

    def network(self, dc: Any, name: str) -> Any:
        return self._named(dc.networkFolder, vim.Network, name, "network")
