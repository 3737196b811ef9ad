"""Watch the scope's VMs change: one WaitForUpdatesEx loop over a ContainerView, with the same
property set as the bulk read (docs/drift.md, "Watching").

`VMWatch.start` returns every VM of the scope as LiveVMs (the initial update set); `next` waits
up to WAIT_S for changes and returns them as {moref: LiveVM, or None when the VM left}. A lost
session or connection is raised as WatchLost; the caller reconnects and starts a fresh watch.
Nothing above this module sees pyVmomi.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
from collections.abc import Callable, Mapping
from typing import Any

from pyVmomi import vim, vmodl

from planner.model import LiveVM, Scope
from providers.vsphere.inventory import (
    VM_PROPERTIES,
    Topology,
    _resolve_scope,
    view_filter_spec,
)
from providers.vsphere.live_vm import in_scope, live_vm
from providers.vsphere.session import Session
from providers.vsphere.wire import plain_record

WAIT_S = 10  # how long one WaitForUpdatesEx may block; an idle watch makes one call per WAIT_S

LOST = (
    vim.fault.NotAuthenticated,
    vmodl.fault.ManagedObjectNotFound,
    vmodl.fault.RequestCanceled,
    ConnectionError,
    TimeoutError,
    socket.timeout,
    ssl.SSLError,
    http.client.HTTPException,
    OSError,
)


def vm_converter(
    session: Session, scope: Scope
) -> tuple[Any, list[str], Callable[[str, Mapping[str, Any]], LiveVM | None]]:
    """(root, property paths, record -> LiveVM or None outside `scope`): the bulk read's
    conversion (inventory.py), per VM. The topology is read once, here."""
    topo = Topology(session)
    scope = _resolve_scope(topo, scope, f"{session.endpoint.host}:{session.endpoint.port}")
    esx = session.is_esx
    fields = session.content.customFieldsManager
    field_names = {f.key: f.name for f in (fields.field if fields else [])}

    def convert(moid: str, record: Mapping[str, Any]) -> LiveVM | None:
        vm = live_vm(moid, record, topo, field_names, esx)
        return vm if vm is not None and in_scope(vm, scope) else None

    return (
        session.content.rootFolder,
        VM_PROPERTIES,
        convert,
    )


class WatchLost(Exception):
    """The session or the connection is gone; the watch must be started again."""


def is_lost(exc: BaseException) -> bool:
    """Whether an error from any vCenter call means the session or connection is gone."""
    return isinstance(exc, (WatchLost, *LOST))


class VMWatch:
    def __init__(self, session: Session, scope: Scope):
        self.session = session
        self.scope = scope
        self._collector: Any = None
        self._view: Any = None
        self._version = ""
        self._props: dict[str, dict[str, Any]] = {}
        self._convert: Callable[[str, Mapping[str, Any]], LiveVM | None] | None = None

    def start(self) -> dict[str, LiveVM]:
        """Create the view and filter and read the initial update set: every VM in scope."""
        try:
            root, paths, self._convert = vm_converter(self.session, self.scope)
            content = self.session.content
            self._view = content.viewManager.CreateContainerView(root, [vim.VirtualMachine], True)
            self._collector = content.propertyCollector.CreatePropertyCollector()
            spec = view_filter_spec(self._view, {vim.VirtualMachine: paths})
            self._collector.CreateFilter(spec, partialUpdates=False)
            self._version = ""
            self._props = {}
            changed = self._wait(0)
            while changed is not None and self._truncated:
                changed |= self._wait(0) or set()
        except LOST as exc:
            raise WatchLost(_reason(exc)) from None
        return {m: vm for m in self._props if (vm := self._live(m)) is not None}

    def next(self) -> dict[str, LiveVM | None]:
        """The VMs whose watched properties changed, within WAIT_S; {} when none did."""
        try:
            changed = self._wait(WAIT_S) or set()
        except LOST as exc:
            raise WatchLost(_reason(exc)) from None
        return {moid: self._live(moid) for moid in changed}

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._collector.DestroyPropertyCollector()
        with contextlib.suppress(Exception):
            self._view.DestroyView()

    def _live(self, moid: str) -> LiveVM | None:
        props = self._props.get(moid)
        if props is None or self._convert is None:
            return None
        return self._convert(moid, plain_record(props))

    def _wait(self, seconds: int) -> set[str] | None:
        options = vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=seconds)
        update = self._collector.WaitForUpdatesEx(self._version, options)
        self._truncated = False
        if update is None:
            return None
        self._version = update.version
        self._truncated = bool(getattr(update, "truncated", False))
        changed: set[str] = set()
        for filter_update in update.filterSet or []:
            for obj in filter_update.objectSet or []:
                moid = obj.obj._moId
                changed.add(moid)
                if obj.kind == "leave":
                    self._props.pop(moid, None)
                    continue
                values = self._props.setdefault(moid, {})
                for change in obj.changeSet or []:
                    if change.op in ("remove", "indirectRemove"):
                        values.pop(change.name, None)
                    else:
                        values[change.name] = change.val
        return changed

    _truncated = False


def _reason(exc: BaseException) -> str:
    if isinstance(exc, vim.fault.NotAuthenticated):
        return "the vCenter session expired"
    if isinstance(exc, vmodl.MethodFault):
        return f"vCenter answered {type(exc).__name__.rsplit('.', 1)[-1]}"
    return f"the connection to vCenter was lost ({type(exc).__name__})"
