"""The VM pages fetched in threads while the caller parses them
(docs/performance.md#pipelined-pages).

vCenter pages a RetrievePropertiesEx by maxObjects and builds each page before its first byte.
Asked one after the other, page N+1 is requested only once page N is parsed, and the parse and
vCenter's building of the next page add up. Here each page's request runs in a thread that
puts the response's bytes on a queue as they arrive and finds the page's token itself (a light
scan of the bytes outside the `objects` elements). The token comes before the objects, so the
next page is asked for on a second connection while this one still arrives: vCenter builds it
while the caller parses. The socket reads release the GIL. The parser's own token must agree
with the scan's, or the read stops with an error.
"""

from __future__ import annotations

import contextlib
import queue
import re
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

from planner.model.diagnostics import error
from providers.vsphere.pages import TOKEN_TEXT
from providers.vsphere.soap import pooled_connection, send

READ_CHUNK = 1 << 16
QUEUE_CHUNKS = 256  # 16 MB of a response ahead of the parser at most: the socket waits then
_OBJECTS_OPEN = re.compile(rb"<(?:[\w.-]+:)?objects[\s>/]")
_OBJECTS_CLOSE = re.compile(rb"</(?:[\w.-]+:)?objects\s*>")


class TokenScan:
    """A page's token, from its bytes as they go by: before the first `objects` (where the
    WSDL's order puts it, and vCenter and vcsim send it) or after the last one."""

    def __init__(self) -> None:
        self._head: bytes | None = b""  # until the first objects element opens
        self._tail = b""  # the last two chunks
        self.token: str | None = None

    @property
    def in_head(self) -> bool:
        """Whether the bytes before the first `objects` are still going by."""
        return self._head is not None

    def feed(self, chunk: bytes) -> None:
        if self._head is not None:
            self._head += chunk
            first = _OBJECTS_OPEN.search(self._head)
            if first is None:
                return
            head = self._head
            self._find(head[: first.start()])
            self._head, chunk = None, head[first.start() :]
        self._tail = self._tail[-READ_CHUNK:] + chunk

    def close(self) -> str | None:
        if self._head is not None:  # no objects: the whole response is outside them
            self._find(self._head)
        elif self.token is None:
            ends = list(_OBJECTS_CLOSE.finditer(self._tail))
            self._find(self._tail[ends[-1].end() :] if ends else b"")
        return self.token

    def _find(self, data: bytes) -> None:
        if self.token is None and (match := TOKEN_TEXT.search(data)):
            self.token = match.group(1).decode()


def roomy(conn: Any) -> None:
    """Give `conn` a receive buffer of eight segments at least (connecting it first).

    Linux starts a connection's receive buffer at 128 KB and the loopback's segments are 64 KB
    (MTU 65536): once half the buffer holds data, the window it may advertise is under one
    segment, so it advertises none until the sender's persist timer (200 ms) probes. Against a
    simulator on the same host, a wave's read of 20-50 VMs (190-440 KB) stalled 200 ms in one
    rolling-restart benchmark run in six. Over a network (segments of 1.4 or 9 KB) the buffer
    already holds many segments and is left to the kernel's autotuning, which setting it would
    switch off."""
    if conn.sock is None:
        conn.connect()
    with contextlib.suppress(OSError, AttributeError):
        sock = conn.sock
        segment = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < 8 * segment:
            halved = sys.platform == "linux"  # Linux doubles what it is given, and reports that
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * segment // (2 if halved else 1)
            )


def _page(
    conn: Any, stub: Any, body: bytes | str, scan: TokenScan | None = None
) -> Iterator[bytes | str | None]:
    """One request on `conn`: the response's bytes as they arrive, then its token (found by
    `scan`, which the caller may watch as the bytes go by)."""
    roomy(conn)
    resp = send(conn, stub, body)
    if resp.status != 200:
        raise error(f"vCenter refused the inventory read: {_refusal(resp)}")
    scan = scan or TokenScan()
    # until the objects begin, whatever has arrived (read1), so that the token is seen as soon
    # as it is sent; then whole chunks, fewer hand-overs to the parsing thread
    while chunk := (resp.read1 if scan.in_head else resp.read)(READ_CHUNK):
        scan.feed(chunk)
        yield chunk
    # read1 at the end of a body (a page with no objects is read by read1 alone) does not mark
    # the response done, and the connection would refuse its next request (ResponseNotReady)
    resp.close()
    yield scan.close()


def _refusal(resp: Any) -> str:
    """The SOAP fault's text; a proxy in front of vCenter answers with plain text or HTML."""
    text = resp.read().decode("utf-8", "replace")
    try:
        fault = ET.fromstring(text).findtext(".//faultstring") if text else None
    except ET.ParseError:
        fault = None
    return fault or f"HTTP {resp.status} {resp.reason}".strip()


def serial_pages(
    stub: Any, first: bytes | str, next_body: Callable[[str], bytes | str]
) -> Iterator[bytes | str | None]:
    """As `pipelined_pages`, in the caller's thread: each page requested once the last one is
    read (a read of one page, and the benchmark's A/B)."""
    body: bytes | str | None = first
    with pooled_connection(stub) as conn:
        while body is not None:
            for item in _page(conn, stub, body):
                yield item
                if not isinstance(item, bytes):
                    body = next_body(item) if item else None


STOP_WAIT = 2.0  # seconds a stopped read waits for its threads; they are daemons


class _Fetch:
    """One page's request, in a thread and on a connection of its own: the response's bytes
    as they arrive, then its token (or the exception that ended it), on a bounded queue.
    `early` is the page's token as soon as the bytes before its first `objects` hold it.
    The connection is taken here, not in the thread, so that `ended` can always shut it."""

    def __init__(self, stub: Any, body: bytes | str):
        self.out: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.early: str | None = None
        self._stop = threading.Event()
        self._stub = stub
        self._conn = stub.GetConnection()
        self._thread = threading.Thread(
            target=self._run, args=(body,), name="vcplan-pages", daemon=True
        )
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self.out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, body: bytes | str) -> None:
        scan = TokenScan()
        try:
            with pooled_connection(self._stub, self._conn) as conn:
                for item in _page(conn, self._stub, body, scan):
                    if self.early is None and scan.token is not None:
                        self.early = scan.token  # set before the chunk that showed it is queued
                    if not self._put(item):
                        raise _Stopped
        except BaseException as exc:  # handed to the parsing side, which raises it
            if not isinstance(exc, _Stopped):
                self._put(exc)

    def stop(self) -> None:
        self._stop.set()

    def ended(self, deadline: float) -> bool:
        """Unblock a read waiting for vCenter (also one whose connection was being opened as
        this one was shut) and wait for the thread until `deadline`."""
        while self._thread.is_alive() and time.monotonic() < deadline:
            with contextlib.suppress(OSError, AttributeError):
                self._conn.sock.shutdown(socket.SHUT_RDWR)
            self._thread.join(timeout=0.05)
        return not self._thread.is_alive()


def pipelined_pages(
    stub: Any, first: bytes | str, next_body: Callable[[str], bytes | str]
) -> Iterator[bytes | str | None]:
    """Each page's bytes as they arrive, then its token (None after the last page).

    The next page is asked for, on a second connection, as soon as this page's token has gone
    by: vCenter sends it before the objects (the WSDL's order), so vCenter builds page N+1
    while page N is still arriving and being parsed. At most one page is asked for ahead of
    the one being read. A token only after the objects starts the next page when the page is
    read, as before."""
    current = _Fetch(stub, first)
    ahead: _Fetch | None = None
    try:
        while True:
            item = current.out.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, bytes):
                if ahead is None and current.early is not None:
                    ahead = _Fetch(stub, next_body(current.early))
                yield item
                continue
            if ahead is not None and item != current.early:  # the scan cannot disagree
                raise error("vCenter's inventory page could not be read: its token changed")
            yield item
            if item is None:
                return
            current, ahead = ahead or _Fetch(stub, next_body(item)), None
    finally:
        fetches = [f for f in (current, ahead) if f is not None]
        for fetch in fetches:
            fetch.stop()
        deadline = time.monotonic() + STOP_WAIT
        for fetch in fetches:
            fetch.ended(deadline)


class _Stopped(Exception):
    """The parsing side went away: the fetch ends with it."""
