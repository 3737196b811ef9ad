"""`plan` reads vCenter while its configuration is still being evaluated
(docs/performance.md#overlap).

The read starts in a thread as soon as the configuration's vcenter block is known and nothing
has failed yet; the VMs are evaluated meanwhile, in the gaps the read leaves waiting on the
socket. When the endpoint cannot be resolved without asking (a password prompt) or is wrong,
nothing starts early: the configuration is read first and the connection made after it, with its
prompt and its errors, as always. A configuration error still wins: the read is finished,
its session closed and its result dropped.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from planner.cli.connect import open_provider, warn_if_insecure
from planner.config.endpoint import Endpoint, resolve_endpoint
from planner.model import DesiredConfig, Inventory, VCenterSettings
from planner.model.diagnostics import DiagnosticError

if TYPE_CHECKING:
    from providers.vsphere.provider import VSphereProvider


class _ReadAhead:
    def __init__(
        self, url: str | None, ca_file: Path | None, insecure: bool, timeout: float | None
    ):
        self.flags = (url, str(ca_file) if ca_file else None, insecure)
        self.timeout = timeout
        self.thread: threading.Thread | None = None
        self.provider: VSphereProvider | None = None
        self.inventory: Inventory | None = None
        self.error: BaseException | None = None

    def start(self, vcenter: VCenterSettings) -> None:
        """The loader's on_vcenter: log in and read in a thread, if no prompt is needed."""
        url, ca_file, insecure = self.flags
        try:
            endpoint = resolve_endpoint(
                url, ca_file, insecure, vcenter, os.environ, None, self.timeout
            )
        except DiagnosticError:
            return  # a prompt or a fix is needed: done in order, after the configuration
        warn_if_insecure(endpoint)
        self.thread = threading.Thread(target=self._read, args=(endpoint,), daemon=True)
        self.thread.start()

    def _read(self, endpoint: Endpoint) -> None:
        from providers.vsphere.provider import VSphereProvider  # the only door to pyVmomi

        try:
            self.provider = VSphereProvider(endpoint)
            self.inventory = self.provider.read_inventory()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by result()
            self.error = exc

    def result(self) -> tuple[VSphereProvider, Inventory]:
        """The open provider and its inventory, or the read's error (the session closed)."""
        assert self.thread is not None
        self.thread.join()
        if self.error is not None or self.provider is None or self.inventory is None:
            self.close()
            raise self.error or RuntimeError("the inventory read ended without a result")
        return self.provider, self.inventory

    def close(self) -> None:
        if self.thread is not None:
            self.thread.join()
        if self.provider is not None:
            self.provider.close()
            self.provider = None

    def discard(self) -> None:
        """After a configuration error: end the read quietly, so that error is the one shown."""
        with contextlib.suppress(Exception):
            self.close()


@contextmanager
def config_and_inventory(
    directory: Path,
    var: Sequence[str],
    var_file: Sequence[Path],
    url: str | None,
    ca_file: Path | None,
    insecure: bool,
    timeout: float | None,
) -> Iterator[tuple[DesiredConfig, VSphereProvider, Inventory]]:
    """The checked configuration, an open provider and its inventory; the provider is closed
    at exit. Configuration errors come first, connection errors after, as when done in order."""
    from planner.config import load_config

    ahead = _ReadAhead(url, ca_file, insecure, timeout)
    try:
        config = load_config(directory, var, var_file, on_vcenter=ahead.start)
    except BaseException:
        ahead.discard()
        raise
    if ahead.thread is not None:
        provider, inventory = ahead.result()
    if ahead.thread is None:
        with open_provider(url, ca_file, insecure, config.vcenter, timeout) as provider:
            yield config, provider, provider.read_inventory(tags=config.uses_tags)
        return
    try:
        if config.uses_tags:  # known only now: the tags are read after the pages
            inventory = provider.add_tags(inventory)
        yield config, provider, inventory
    finally:
        provider.close()
