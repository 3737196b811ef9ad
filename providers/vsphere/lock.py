"""The workspace lock, kept in vCenter itself (there is no state file to lock): a folder
`vcplan-locks/<workspace>` under the inventory root. Creating a folder is atomic in vCenter, so a
second writer's CreateFolder fails with DuplicateName and it reads who holds the lock instead.

The holder (id, user@host, pid, start, expiry, purpose) is one JSON custom value on the folder.
A lease renews itself from a thread while the apply runs; an expired lease (a dead holder) is
taken over by destroying that folder, by its moref, so two writers taking over at once cannot
both win. See docs/security.md#locking.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from planner.apply.provider import Locked
from planner.model.diagnostics import error
from providers.vsphere.session import Session
from providers.vsphere.tasks import fault_message

LOCKS_FOLDER = "vcplan-locks"
LOCK_FIELD = "vcplan.lock"
LEASE_S = 15 * 60  # a holder that stopped renewing for this long is dead
RENEW_S = 60


@dataclass(frozen=True, slots=True)
class Holder:
    id: str
    who: str  # user@host
    pid: int
    since: float  # epoch seconds
    expires: float
    purpose: str

    def record(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "who": self.who,
                "pid": self.pid,
                "since": self.since,
                "expires": self.expires,
                "purpose": self.purpose,
            }
        )

    @staticmethod
    def parse(text: str | None) -> Holder | None:
        try:
            data = json.loads(text or "")
            return Holder(
                str(data["id"]),
                str(data["who"]),
                int(data["pid"]),
                float(data["since"]),
                float(data["expires"]),
                str(data.get("purpose", "")),
            )
        except (ValueError, TypeError, KeyError):
            return None


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S UTC")


def describe(workspace: str, holder: Holder | None, folder_id: str) -> str:
    """The one-line refusal, naming the holder and how to take over from a dead one."""
    if holder is None:
        return (
            f"workspace {workspace!r} is locked: another apply is taking the lock right now "
            f"(lock {folder_id}, no holder recorded yet); nothing was changed. "
            f"If it stays locked, use --force-unlock {folder_id}"
        )
    return (
        f"workspace {workspace!r} is locked by {holder.who} since {_clock(holder.since)} "
        f"(pid {holder.pid}, {holder.purpose}); the lease expires {_clock(holder.expires)}; "
        f"nothing was changed. Use --force-unlock {holder.id} if that apply is dead"
    )


class WorkspaceLock:
    """Take, renew and release one workspace's lock on one session."""

    def __init__(self, session: Session, workspace: str, purpose: str):
        self.session = session
        self.workspace = workspace
        self.purpose = purpose
        self.folder: Any = None
        self.holder: Holder | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._field_key: int | None = None

    # --- vCenter calls ---------------------------------------------------------------------

    @property
    def _content(self) -> Any:
        return self.session.content

    def _locks_folder(self) -> Any:
        root = self._content.rootFolder
        found = self._content.searchIndex.FindChild(root, LOCKS_FOLDER)
        if found is not None:
            return found
        try:
            return root.CreateFolder(LOCKS_FOLDER)
        except vim.fault.DuplicateName:  # created by another writer meanwhile
            return self._content.searchIndex.FindChild(root, LOCKS_FOLDER)

    def _key(self) -> int:
        if self._field_key is None:
            manager = self._content.customFieldsManager
            for f in manager.field or []:
                if f.name == LOCK_FIELD and f.managedObjectType in (None, vim.Folder):
                    self._field_key = f.key
                    return f.key
            try:
                self._field_key = manager.AddCustomFieldDef(name=LOCK_FIELD, moType=vim.Folder).key
            except vim.fault.DuplicateName:
                return self._key()
        return self._field_key

    def _read(self, folder: Any) -> Holder | None:
        key = self._key()
        for value in folder.customValue or []:
            if value.key == key:
                return Holder.parse(value.value)
        return None

    def _write(self, holder: Holder) -> None:
        self._content.customFieldsManager.SetField(
            entity=self.folder, key=self._key(), value=holder.record()
        )

    # --- the lock --------------------------------------------------------------------------

    def acquire(self, force_unlock: str | None = None) -> None:
        """Take the lock or raise Locked naming its holder. A dead holder's lock (expired, or
        named by `force_unlock`) is taken over."""
        parent = self._locks_folder()
        for _ in range(3):
            try:
                self.folder = parent.CreateFolder(self.workspace)
            except vim.fault.DuplicateName:
                existing = self._content.searchIndex.FindChild(parent, self.workspace)
                if existing is None:
                    continue  # released meanwhile: try again
                holder = self._read(existing)
                lock_id = holder.id if holder else existing._moId
                expired = holder is not None and holder.expires < time.time()
                if not expired and force_unlock != lock_id:
                    raise Locked(describe(self.workspace, holder, existing._moId)) from None
                _destroy(existing)  # by moref: a lock taken meanwhile is a new folder
                continue
            now = time.time()
            who = f"{getpass.getuser()}@{socket.gethostname()}"
            self.holder = Holder(
                secrets.token_hex(4), who, os.getpid(), now, now + LEASE_S, self.purpose
            )
            self._write(self.holder)
            self._renewer = threading.Thread(target=self._renew, daemon=True, name="lock-renew")
            self._renewer.start()
            return
        raise Locked(f"workspace {self.workspace!r} is locked and could not be taken over")

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_S):
            if self.holder is None:
                return
            renewed = Holder(**{**_fields(self.holder), "expires": time.time() + LEASE_S})
            with contextlib.suppress(Exception):  # a missed renewal is retried; the lease is long
                self._write(renewed)
                self.holder = renewed

    def release(self) -> None:
        """Stop renewing and remove the folder; never raises (it runs on every exit path)."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        if self.folder is not None:
            with contextlib.suppress(Exception):
                _destroy(self.folder)
            self.folder = None


def _fields(holder: Holder) -> dict[str, Any]:
    return {name: getattr(holder, name) for name in Holder.__slots__}


def _destroy(folder: Any) -> None:
    with contextlib.suppress(vmodl.fault.ManagedObjectNotFound):
        WaitForTask(folder.Destroy_Task())


@contextlib.contextmanager
def workspace_lock(
    session: Session, workspace: str, purpose: str, force_unlock: str | None
) -> Iterator[None]:
    lock = WorkspaceLock(session, workspace, purpose)
    try:
        lock.acquire(force_unlock)
    except vmodl.MethodFault as exc:
        lock.release()
        raise error(
            f"cannot take the lock of workspace {workspace!r} in vCenter: {fault_message(exc)}; "
            "nothing was changed",
            hint=f"the user needs the Folder.Create and Folder.Delete privileges on the root "
            f"folder (for {LOCKS_FOLDER}/{workspace})",
        ) from None
    try:
        yield
    finally:
        lock.release()
