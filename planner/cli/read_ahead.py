"""`plan` reads vCenter while its configuration is still being evaluated
(docs/performance.md#overlap).

The read starts as soon as the configuration's vcenter block is known and nothing has failed
yet. On Linux it runs in a child process forked for it, which logs in, reads the inventory and
hands it back pickled through a pipe: the configuration's evaluation and the parsing of
vCenter's pages then use two cores instead of taking turns under one interpreter lock. Where
forking is not safe (another OS, or a process that already runs other threads, such as a test
runner) or `VCPLAN_READ_AHEAD=thread`, the read runs in a thread instead, in the gaps the
evaluation leaves. When the endpoint cannot be resolved without asking (a password prompt) or
is wrong, nothing starts early: the configuration is read first and the connection made after
it, with its prompt and its errors, as always. A configuration error still wins, at once: the
read is abandoned, not waited for (a child is told to stop; a thread's result is dropped), and
its session is logged out when its read ends (with a slow vCenter that can be up to --timeout
later). Ctrl-C while waiting for the read abandons it the same way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.cli.connect import keep_for_the_run, open_provider, warn_if_insecure
from planner.config.endpoint import Endpoint, resolve_endpoint
from planner.gc_pause import collector_paused
from planner.model import DesiredConfig, Inventory, VCenterSettings
from planner.model.diagnostics import DiagnosticError

if TYPE_CHECKING:
    from providers.vsphere.provider import VSphereProvider


def _may_fork() -> bool:
    """A child process only where fork is safe: on Linux, from a process with no other thread
    (a thread holding a lock at the fork would hold it forever in the child)."""
    return (
        sys.platform == "linux"
        and threading.active_count() == 1
        and os.environ.get("VCPLAN_READ_AHEAD") != "thread"
    )


class _ReadAhead:
    def __init__(
        self, url: str | None, ca_file: Path | None, insecure: bool, timeout: float | None
    ):
        self.flags = (url, str(ca_file) if ca_file else None, insecure)
        self.timeout = timeout
        self.endpoint: Endpoint | None = None
        self.thread: threading.Thread | None = None
        self.child: _Child | None = None
        self.provider: VSphereProvider | None = None
        self.inventory: Inventory | None = None
        self.error: BaseException | None = None
        self.abandoned = False
        self.lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self.thread is not None or self.child is not None

    def start(self, vcenter: VCenterSettings) -> None:
        """The loader's on_vcenter: log in and read in a child or a thread, if no prompt is
        needed."""
        url, ca_file, insecure = self.flags
        try:
            endpoint = resolve_endpoint(
                url, ca_file, insecure, vcenter, os.environ, None, self.timeout
            )
        except DiagnosticError:
            return  # a prompt or a fix is needed: done in order, after the configuration
        warn_if_insecure(endpoint)
        self.endpoint = endpoint
        if _may_fork():
            self.child = _Child(endpoint)
            return
        self.thread = threading.Thread(target=self._read, args=(endpoint,), daemon=True)
        self.thread.start()

    def _read(self, endpoint: Endpoint) -> None:
        from providers.vsphere.provider import VSphereProvider  # the only door to pyVmomi

        provider: VSphereProvider | None = None
        inventory: Inventory | None = None
        error: BaseException | None = None
        try:
            provider = VSphereProvider(endpoint)
            inventory = provider.read_inventory()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by result()
            error = exc
        with self.lock:
            if not self.abandoned:
                self.provider, self.inventory, self.error = provider, inventory, error
                return
        _close_quietly(provider)  # nobody waits for it any more: log out here

    def result(self) -> Inventory:
        """The inventory, or the read's error (its session closed)."""
        try:
            if self.child is not None:
                return self.child.result()
            assert self.thread is not None
            self.thread.join()
        except BaseException:  # Ctrl-C while waiting: the read is abandoned
            self.abandon()
            raise
        if self.error is not None or self.provider is None or self.inventory is None:
            self.abandon()
            raise self.error or RuntimeError("the inventory read ended without a result")
        return self.inventory

    def session(self) -> VSphereProvider:
        """A session for what comes after the read (the tags): the thread's own, or a new one
        where a child read (it logged out of its own)."""
        if self.provider is not None:
            return self.provider
        from providers.vsphere.provider import VSphereProvider

        assert self.endpoint is not None
        self.provider = VSphereProvider(self.endpoint)
        return self.provider

    def abandon(self) -> None:
        """Drop the read without waiting for it: a child is told to stop, a session already
        opened is closed now, one still being opened or read is closed by its thread when the
        read ends."""
        if self.child is not None:
            self.child.stop()
        with self.lock:
            self.abandoned = True
            provider, self.provider = self.provider, None
        _close_quietly(provider)

    def close(self) -> None:
        provider, self.provider = self.provider, None
        _close_quietly(provider)
        if self.child is not None:
            self.child.reap()


def _close_quietly(provider: VSphereProvider | None) -> None:
    """Log out of a session whose result nobody will use; its errors would hide the real one."""
    if provider is not None:
        with contextlib.suppress(Exception):
            provider.close()


class _Child:
    """The read in a forked child: what it sends back through the pipe is one pickled pair,
    ("inventory", Inventory), ("diagnostics", [Diagnostic]) or ("failed", exception)."""

    def __init__(self, endpoint: Endpoint):
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: it never returns into the parent's code
            try:
                os.close(read_end)
                _read_in_child(endpoint, write_end)
            finally:
                os._exit(0)
        os.close(write_end)
        self.pipe: int | None = read_end

    def result(self) -> Inventory:
        assert self.pipe is not None
        with os.fdopen(self.pipe, "rb") as pipe:
            self.pipe = None
            data = pipe.read()
        self.reap()
        sent: tuple[str, Any] = pickle.loads(data) if data else ("failed", None)
        kind, value = sent
        if kind == "inventory":
            inventory: Inventory = value
            return inventory
        if kind == "diagnostics":
            raise DiagnosticError(value)
        raise value or RuntimeError("the inventory read ended without a result")

    def stop(self) -> None:
        """The parent gave up on the read: the child logs out and ends."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None
        self.reap()

    def reap(self) -> None:
        """Collect the child if it has ended (it logs out after sending); else it is the
        init process's to collect once this process exits."""
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, os.WNOHANG)


class _Stopped(BaseException):
    """SIGTERM from the parent: unwind the read, log out, end."""


_stopping = False  # in the child: once set, a SIGTERM no longer interrupts what it does


def _stop(_signum: int, _frame: Any) -> None:
    global _stopping
    if not _stopping:
        _stopping = True
        raise _Stopped


def _read_in_child(endpoint: Endpoint, write_end: int) -> None:
    """Log in, read, send the result, log out. The caller then ends the child without running
    anything the parent registered (atexit handlers, buffered output: they are the parent's).
    Stopped by the parent (SIGTERM), it logs out all the same."""
    provider: VSphereProvider | None = None
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        signal.signal(signal.SIGTERM, _stop)
        from providers.vsphere.provider import VSphereProvider  # the only door to pyVmomi

        try:
            provider = VSphereProvider(endpoint)
            result: tuple[str, Any] = ("inventory", provider.read_inventory())
        except DiagnosticError as exc:
            result = ("diagnostics", exc.diagnostics)
        except Exception as exc:  # a bug or an unexpected fault: the parent raises it
            result = ("failed", _picklable(exc))
        with contextlib.suppress(OSError), os.fdopen(write_end, "wb") as pipe:
            pipe.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        global _stopping
        _stopping = True  # the logout is not interrupted
        _close_quietly(provider)


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


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
    received, and what was built is then frozen for the run (keep_for_the_run): a collection
    between the two would rescan the whole configuration (0.3-0.4 s at 10,000 VMs)."""
    from planner.config import load_config

    ahead = _ReadAhead(url, ca_file, insecure, timeout)
    with collector_paused():
        try:
            config = load_config(directory, var, var_file, on_vcenter=ahead.start)
        except BaseException:
            ahead.abandon()  # the configuration's error is shown now, not after the read
            raise
        if not ahead.started:
            with open_provider(url, ca_file, insecure, config.vcenter, timeout) as provider:
                inventory = provider.read_inventory(tags=config.uses_tags)
                display_url = provider.display_url
        else:
            try:
                inventory = ahead.result()
                if config.uses_tags:  # known only now: the tags are read after the pages
                    inventory = ahead.session().add_tags(inventory)
                assert ahead.endpoint is not None
                display_url = ahead.endpoint.display_url
            finally:
                ahead.close()
        keep_for_the_run()
    return config, inventory, display_url
