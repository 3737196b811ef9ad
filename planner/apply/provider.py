"""The Provider protocol: what the executor needs from a virtualization platform.

One method per step kind submits the work (a vCenter task, or a synchronous call) and returns a
Handle at once; `wait_any` is the one place that waits for submitted work to finish. A step on
an existing VM is handed `live`, the VM as the executor's re-check read it right before
(`read_vms`), so the operation need not read it again; without it the operation reads. The
executor depends on this protocol only, so its unit tests use a fake provider, never pyVmomi.
Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from planner.model import Inventory, LiveVM, Power
from planner.model.plan import TagCategoryChange


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a submitted operation ended. `error` is the platform's own fault message;
    `result` is e.g. the moref of a created VM; `note` says what was done when it is not obvious
    (e.g. "hard power off after guest shutdown timed out")."""

    ok: bool
    error: str | None = None
    result: str | None = None
    note: str = ""


@dataclass(eq=False)
class Handle:
    """A submitted operation. `task` is the platform's task id (for --log), None for a
    synchronous call; `outcome` is already set when the work finished during submission.
    `token` belongs to the provider."""

    task: str | None = None
    outcome: Outcome | None = None
    token: Any = field(default=None, repr=False)


class SessionExpired(Exception):
    """The platform no longer accepts the session: log in again, then retry the step once."""


class OperationRefused(Exception):
    """The platform refused to start the operation; the message is its own fault text."""


class Locked(Exception):
    """Another apply holds the workspace's lock; the message names the holder and the way out."""


class Provider(Protocol):
    def lock_workspace(
        self, workspace: str, purpose: str, force_unlock: str | None
    ) -> AbstractContextManager[None]:
        """Hold the workspace's lock in the platform itself for the `with` block (renewed while
        it runs, released on every exit), or raise Locked naming its holder."""
        ...

    def create_folder(self, datacenter: str, path: str) -> Handle:
        """Create the VM folder `path` (relative to the datacenter's VM folder) and its missing
        parents; an existing folder is success."""
        ...

    def create_vm(self, datacenter: str, name: str, after: Mapping[str, Any]) -> Handle:
        """Clone `after["template"]` or create a new VM; the outcome's result is its moref."""
        ...

    def relocate(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        """Move the VM to `after`'s placement; `changed` names the placement attributes that
        differ (the attribute table decided: the provider acts, it does not re-decide)."""
        ...

    def power_off(self, moref: str, shutdown_timeout: float, live: LiveVM | None = None) -> Handle:
        """Guest shutdown when VMware Tools run, hard power off after the timeout; hard at once
        otherwise. Already off is success."""
        ...

    def restart(self, moref: str, timeout: float, live: LiveVM | None = None) -> Handle:
        """Power-cycle a running VM: a guest reboot when VMware Tools run, finished when Tools
        report running again; a reset otherwise, finished when the VM is powered on. Fails
        when the VM is not back within `timeout` seconds."""
        ...

    def reconfigure(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        """Bring the attributes named in `changed` (CPUs, cores, memory, annotation, disks, NICs,
        custom attributes) to their values in `after`."""
        ...

    def create_tag_category(self, change: TagCategoryChange) -> Handle:
        """Create a declared tag category when it is missing, and its missing tags; what exists
        is success (docs/language.md#tag_category)."""
        ...

    def set_tags(
        self,
        moref: str,
        after: Mapping[str, Any],
        changed: Collection[str],
        live: LiveVM | None = None,
    ) -> Handle:
        """Make the VM's tags in each category `after["tags"]` names exactly those: detach the
        others of the category first (a "single" category replaces), then attach."""
        ...

    def set_power(
        self, moref: str, power: Power, shutdown_timeout: float, live: LiveVM | None = None
    ) -> Handle: ...

    def set_markers(self, moref: str, workspace: str, prevent_destroy: bool) -> Handle: ...

    def destroy(self, moref: str) -> Handle: ...

    def wait_any(self, handles: Collection[Handle], timeout: float) -> list[tuple[Handle, Outcome]]:
        """Block until at least one of `handles` finished, `timeout` seconds passed or
        `interrupt` was called; return the finished ones (each exactly once)."""
        ...

    def interrupt(self) -> None:
        """Wake a `wait_any` blocked in another thread (new work was submitted)."""
        ...

    def read_vm(self, moref: str) -> LiveVM | None:
        """One VM as it is now (the read-back after a create); None when it is gone."""
        ...

    def read_vms(self, morefs: Sequence[str]) -> dict[str, LiveVM | None]:
        """Several VMs as they are now, in one round trip (the re-check of a wave of steps,
        planner/apply/guard.py); every moref is a key, None for a VM that is gone."""
        ...

    def read_inventory(self, tags: bool = False) -> Inventory:
        """Everything in scope; with `tags`, every VM's tags too (else LiveVM.tags is None)."""
        ...

    def relogin(self) -> None: ...
