"""The VM pages fetched in a thread while the caller parses them
(docs/performance.md#pipelined-pages).

vCenter pages a RetrievePropertiesEx by maxObjects and builds each page before its first byte.
Asked one after the other, page N+1 is requested only once page N is parsed, and the parse and
vCenter's building of the next page add up. Here a thread POSTs each request and puts the
response's bytes on a queue as they arrive; it finds the page's token itself (a light scan of
the bytes outside the `objects` elements) and asks for the next page as soon as this one is
read, while the caller is still parsing it. The socket reads release the GIL. The parser's own
token must agree with the scan's, or the read stops with an error.
"""

from __future__ import annotations

import contextlib
import queue
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

from planner.model.diagnostics import error
from providers.vsphere.pages import TOKEN_TEXT

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


def soap_headers(stub: Any) -> dict[str, str]:
    """What pyVmomi itself sends with a request on this session."""
    return {
        "Cookie": stub.cookie,
        "SOAPAction": stub.versionId,
        "Content-Type": "text/xml; charset=UTF-8",
    }


def _page(conn: Any, stub: Any, body: bytes | str) -> Iterator[bytes | str | None]:
    """One request on `conn`: the response's bytes as they arrive, then its token."""
    conn.request("POST", stub.path, body, soap_headers(stub))
    resp = conn.getresponse()
    if resp.status != 200:
        raise error(f"vCenter refused the inventory read: {_refusal(resp)}")
    scan = TokenScan()
    while chunk := resp.read(READ_CHUNK):
        scan.feed(chunk)
        yield chunk
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
    conn = stub.GetConnection()
    body: bytes | str | None = first
    try:
        while body is not None:
            for item in _page(conn, stub, body):
                yield item
                if not isinstance(item, bytes):
                    body = next_body(item) if item else None
    except BaseException:
        conn.close()
        stub.DropConnections()
        raise
    stub.ReturnConnection(conn)


STOP_WAIT = 2.0  # seconds a stopped read waits for its thread; the thread is a daemon


def pipelined_pages(
    stub: Any, first: bytes | str, next_body: Callable[[str], bytes | str]
) -> Iterator[bytes | str | None]:
    """Each page's bytes as they arrive, then its token (None after the last page); a thread
    requests the next page as soon as this one's bytes are all read."""
    out: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    conn = stub.GetConnection()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        body: bytes | str | None = first
        try:
            while body is not None and not stop.is_set():
                for item in _page(conn, stub, body):
                    if not put(item):
                        raise _Stopped
                    if not isinstance(item, bytes):
                        body = next_body(item) if item else None
        except BaseException as exc:  # handed to the parsing side, which raises it
            conn.close()
            stub.DropConnections()
            if not isinstance(exc, _Stopped):
                put(exc)
        else:
            stub.ReturnConnection(conn)

    thread = threading.Thread(target=run, name="vcplan-pages", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if item is None:
                return
    finally:
        stop.set()
        deadline = time.monotonic() + STOP_WAIT
        while thread.is_alive() and time.monotonic() < deadline:
            # stopped early (Ctrl-C, an error): unblock a read waiting for the next page, also
            # one whose connection the thread was opening as this one was shut
            with contextlib.suppress(OSError, AttributeError):
                conn.sock.shutdown(socket.SHUT_RDWR)
            thread.join(timeout=0.05)


class _Stopped(Exception):
    """The parsing side went away: the fetch ends with it."""
