"""`plan` reads vCenter while its configuration is still being read
(docs/performance.md#overlap).

The read starts in a thread before the configuration is parsed when the flags and the
environment alone name the endpoint (VCPLAN_URL, VCPLAN_PASSWORD...), else as soon as the
configuration's vcenter block is known and nothing has failed yet; if that block changes the
endpoint, the early read is dropped for one of the right endpoint. The configuration is read
meanwhile, in the gaps the read leaves waiting on the socket. When the endpoint cannot be
resolved without asking (a password prompt) or is wrong, nothing starts early: the
configuration is read first and the connection made after it, with its prompt and its errors,
as always. A configuration error still wins, at once: the read is abandoned, not waited for;
its session is logged out, which ends the read at vCenter's next answer, and the result is
dropped. Ctrl-C while waiting for the read abandons it the same way.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from planner.cli.connect import open_provider, warn_if_insecure
from planner.config.endpoint import Endpoint, resolve_endpoint
from planner.gc_pause import kept_for_the_run
from planner.model import DesiredConfig, Inventory, VCenterSettings
from planner.model.diagnostics import DiagnosticError

if TYPE_CHECKING:
    from providers.vsphere.provider import VSphereProvider


class _Read:
    """One read of one endpoint's inventory, in a thread of its own."""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        self.provider: VSphereProvider | None = None
        self.inventory: Inventory | None = None
        self.error: BaseException | None = None
        self.abandoned = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        from providers.vsphere.provider import VSphereProvider  # the only door to pyVmomi

        try:
            provider = VSphereProvider(self.endpoint)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by result()
            self.error = exc
            return
        with self.lock:  # published before the read, so that abandon() can end it
            abandoned = self.abandoned
            if not abandoned:
                self.provider = provider
        if abandoned:
            _close_quietly(provider)
            return
        try:
            self.inventory = provider.read_inventory()
        except BaseException as exc:  # noqa: BLE001 - abandoned (its session closed), or
            self.error = exc  # handed to the main thread by result()

    def result(self) -> tuple[VSphereProvider, Inventory]:
        """The open provider and its inventory, or the read's error (the session closed)."""
        try:
            self.thread.join()
        except BaseException:  # Ctrl-C while waiting: the read is abandoned
            self.abandon()
            raise
        if self.error is not None or self.provider is None or self.inventory is None:
            self.abandon()
            raise self.error or RuntimeError("the inventory read ended without a result")
        return self.provider, self.inventory

    def abandon(self) -> None:
        """Drop the read without waiting for it: its session is logged out now, which ends a
        read in flight at vCenter's next answer (it would otherwise read the whole fleet
        beside the read that replaces it); a session still being opened is closed by its
        thread once open."""
        with self.lock:
            self.abandoned = True
            provider, self.provider = self.provider, None
        _close_quietly(provider)


class _ReadAhead:
    """The read that goes with a configuration: begun before it is parsed when the flags and
    the environment alone name the endpoint, and kept if the configuration's vcenter block
    changes nothing (the flags and the environment win over it); else begun, or begun again,
    once that block is known."""

    def __init__(
        self, url: str | None, ca_file: Path | None, insecure: bool, timeout: float | None
    ):
        self.flags = (url, str(ca_file) if ca_file else None, insecure)
        self.timeout = timeout
        self.read: _Read | None = None

    def _endpoint(self, vcenter: VCenterSettings | None) -> Endpoint | None:
        """The endpoint, if it needs no prompt and nothing is wrong with it; else None."""
        url, ca_file, insecure = self.flags
        try:
            return resolve_endpoint(url, ca_file, insecure, vcenter, os.environ, None, self.timeout)
        except DiagnosticError:
            return None  # a prompt or a fix is needed: done in order, after the configuration

    def start(self, vcenter: VCenterSettings | None) -> None:
        """The read of the endpoint the flags and the environment name, with the
        configuration's vcenter settings once they are known (the loader's on_vcenter)."""
        endpoint = self._endpoint(vcenter)
        if self.read is not None and self.read.endpoint == endpoint:
            return  # the read begun early is the right one
        self.abandon()
        if endpoint is not None:
            warn_if_insecure(endpoint)
            self.read = _Read(endpoint)

    def abandon(self) -> None:
        read, self.read = self.read, None
        if read is not None:
            read.abandon()


def _close_quietly(provider: VSphereProvider | None) -> None:
    """Log out of a session whose result nobody will use; its errors would hide the real one."""
    if provider is not None:
        with contextlib.suppress(Exception):
            provider.close()


def config_and_inventory(
    directory: Path,
    var: Sequence[str],
    var_file: Sequence[Path],
    url: str | None,
    ca_file: Path | None,
    insecure: bool,
    timeout: float | None,
) -> tuple[DesiredConfig, Inventory, str]:
    """The checked configuration, its inventory and vCenter's URL as plans show it; every
    session used is closed. Configuration errors come first, connection errors after, as when
    done in order. The garbage collector stays paused from the first file read to the last VM
    received, and what was built is then frozen for the run (kept_for_the_run): a collection
    between the two would rescan the whole configuration (0.3-0.4 s at 10,000 VMs)."""
    from planner.config import load_config

    ahead = _ReadAhead(url, ca_file, insecure, timeout)
    with kept_for_the_run():
        try:
            ahead.start(None)  # before the configuration: the flags and environment alone
            config = load_config(directory, var, var_file, on_vcenter=ahead.start)
        except BaseException:
            ahead.abandon()  # the configuration's error is shown now, not after the read
            raise
        if ahead.read is None:
            with open_provider(url, ca_file, insecure, config.vcenter, timeout) as provider:
                inventory = provider.read_inventory(tags=config.uses_tags)
                display_url = provider.display_url
        else:
            provider, inventory = ahead.read.result()
            try:
                if config.uses_tags:  # known only now: the tags are read after the pages
                    inventory = provider.add_tags(inventory)
                display_url = provider.display_url
            finally:
                provider.close()
    return config, inventory, display_url
