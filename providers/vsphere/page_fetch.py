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

import queue
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

from planner.model.diagnostics import error

READ_CHUNK = 1 << 16
QUEUE_CHUNKS = 256  # 16 MB of a response ahead of the parser at most: the socket waits then
_TOKEN = re.compile(rb"<(?:[\w.-]+:)?token>([^<]*)</(?:[\w.-]+:)?token>")
_OBJECTS_OPEN = re.compile(rb"<(?:[\w.-]+:)?objects[\s>/]")
_OBJECTS_CLOSE = re.compile(rb"</(?:[\w.-]+:)?objects\s*>")
_END = object()  # a page's end, on the queue


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
        if self.token is None and (match := _TOKEN.search(data)):
            self.token = match.group(1).decode()


def _fetch_pages(
    stub: Any, first: bytes | str, next_body: Callable[[str], bytes | str], out: queue.Queue[Any]
) -> Callable[[], None]:
    """Start the fetching thread; return what stops it."""
    stop = threading.Event()
    headers = {
        "Cookie": stub.cookie,
        "SOAPAction": stub.versionId,
        "Content-Type": "text/xml; charset=UTF-8",
    }

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
        conn = stub.GetConnection()
        try:
            while body is not None:
                conn.request("POST", stub.path, body, headers)
                resp = conn.getresponse()
                if resp.status != 200:
                    text = resp.read().decode("utf-8", "replace")
                    fault = ET.fromstring(text).findtext(".//faultstring") if text else None
                    raise error(f"vCenter refused the inventory read: {fault or resp.status}")
                scan = TokenScan()
                while chunk := resp.read(READ_CHUNK):
                    scan.feed(chunk)
                    if not put(chunk):
                        raise _Stopped
                token = scan.close()
                body = next_body(token) if token else None
                if not put((_END, token)):
                    raise _Stopped
        except _Stopped:
            conn.close()
            stub.DropConnections()
        except BaseException as exc:  # handed to the parsing side, which raises it
            conn.close()
            stub.DropConnections()
            put(exc)
        else:
            stub.ReturnConnection(conn)

    thread = threading.Thread(target=run, name="vcplan-pages", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join()

    return halt


class _Stopped(Exception):
    """The parsing side went away: the fetch ends with it."""


def pipelined_pages(
    stub: Any, first: bytes | str, next_body: Callable[[str], bytes | str]
) -> Iterator[bytes | str | None]:
    """Each page's bytes as they arrive, then its token (None after the last page); the
    next page is requested by the thread as soon as this one's bytes are all read."""
    out: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
    halt = _fetch_pages(stub, first, next_body, out)
    try:
        while True:
            item = out.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, tuple):  # a page's end: its token
                yield item[1]
                if item[1] is None:
                    return
            else:
                yield item
    finally:
        halt()
