"""Fetching the inventory pages over HTTP (docs/performance.md#pipelined-pages), against a
local HTTP server standing in for vCenter's front end: what reaches the user when vCenter
answers with something other than a page, a read stopped early, a session cookie vCenter
sets on a page (kept by pyVmomi's own stub), and a call's connection after an HTTP error."""

from __future__ import annotations

import http.client
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from pyVmomi import SoapAdapter

from planner.model.diagnostics import DiagnosticError
from providers.vsphere.page_fetch import pipelined_pages, roomy, serial_pages
from providers.vsphere.soap import post
from tests.unit.test_page_reader import response

PAGES = {b"first": response(3, "page-2"), b"page-2": response(2)}
TOKEN_FIRST = {b"first": response(3, "page-2", token_first=True), b"page-2": response(2)}


class Handler(BaseHTTPRequestHandler):
    status = 200
    hang_on: bytes | None = None
    release = threading.Event()
    pages = PAGES
    # hold back the rest of the first page until the next one is asked for (or 5 s pass)
    hold_first = False
    hold_seconds = 5.0
    asked: list[bytes] = []
    next_asked = threading.Event()
    cookies: list[str] = []  # the Cookie header of each request
    set_cookie: str | None = None  # a Set-Cookie header on each answer

    def do_POST(self) -> None:  # noqa: N802  (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.asked.append(body)
        self.cookies.append(self.headers["Cookie"])
        if body != b"first":
            self.next_asked.set()
        if body == self.hang_on:
            self.release.wait(timeout=30)
            return
        if self.status != 200:
            text = b"<html><body>503 Service Unavailable</body>"  # a proxy, not a SOAP fault
            self.send_response(self.status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
            return
        data = self.pages[body]
        self.send_response(200)
        if self.set_cookie:
            self.send_header("Set-Cookie", self.set_cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body == b"first" and self.hold_first:
            half = len(data) // 2
            self.wfile.write(data[:half])
            self.wfile.flush()
            Handler.next_early = self.next_asked.wait(timeout=self.hold_seconds)
            data = data[half:]
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class Stub(SimpleNamespace):
    """What the fetcher uses of pyVmomi's stub: a path, the session's headers, connections."""

    def GetConnection(self) -> http.client.HTTPConnection:  # noqa: N802
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def ReturnConnection(self, conn: Any) -> None:  # noqa: N802
        conn.close()

    def DropConnections(self) -> None:  # noqa: N802
        pass


@pytest.fixture
def stub() -> Iterator[Stub]:
    Handler.status, Handler.hang_on, Handler.pages, Handler.hold_first = 200, None, PAGES, False
    Handler.protocol_version = "HTTP/1.0"
    Handler.hold_seconds = 5.0
    Handler.asked, Handler.cookies, Handler.set_cookie = [], [], None
    Handler.release.clear()
    Handler.next_asked.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Stub(port=server.server_address[1], path="/sdk", cookie="c", versionId="v")
    Handler.release.set()
    server.shutdown()


def next_body(token: str) -> bytes:
    return token.encode()


class PoolOfOne(Stub):
    """pyVmomi's pool: a returned connection is handed out again for the next request."""

    conn: http.client.HTTPConnection | None = None

    def GetConnection(self) -> http.client.HTTPConnection:  # noqa: N802
        self.conn = self.conn or super().GetConnection()
        return self.conn

    def ReturnConnection(self, conn: Any) -> None:  # noqa: N802
        pass


def test_a_page_without_objects_leaves_its_connection_fit_for_the_next_request(
    stub: Stub,
) -> None:
    Handler.protocol_version = "HTTP/1.1"  # keep-alive: the connection is used again
    Handler.pages = {b"none": response(0), b"one": response(1)}
    pool = PoolOfOne(**vars(stub))
    assert b"".join(i for i in serial_pages(pool, b"none", next_body) if isinstance(i, bytes))
    assert b"".join(i for i in serial_pages(pool, b"one", next_body) if isinstance(i, bytes))
    assert Handler.asked == [b"none", b"one"]


@pytest.mark.parametrize("pages", [pipelined_pages, serial_pages])
def test_both_modes_yield_each_pages_bytes_then_its_token(stub: Stub, pages: Any) -> None:
    items = list(pages(stub, b"first", next_body))
    tokens = [i for i in items if not isinstance(i, bytes)]
    assert tokens == ["page-2", None]
    assert b"".join(i for i in items if isinstance(i, bytes)) == PAGES[b"first"] + PAGES[b"page-2"]


@pytest.mark.parametrize("pages", [pipelined_pages, serial_pages])
def test_a_refusal_that_is_not_a_soap_fault_is_named_by_its_status(stub: Stub, pages: Any) -> None:
    Handler.status = 503
    with pytest.raises(DiagnosticError, match="vCenter refused the inventory read: HTTP 503"):
        list(pages(stub, b"first", next_body))


def test_a_read_stopped_while_the_next_page_is_awaited_ends_without_waiting_for_it(
    stub: Stub,
) -> None:
    Handler.hang_on = b"page-2"  # vCenter still building the next page
    pages = pipelined_pages(stub, b"first", next_body)
    assert next(i for i in pages if not isinstance(i, bytes)) == "page-2"
    pages.close()  # the caller stops (Ctrl-C): the fetching thread is unblocked, not waited out
    assert not [t for t in threading.enumerate() if t.name == "vcplan-pages" and t.is_alive()]


def test_the_next_page_is_asked_for_while_this_one_still_arrives(stub: Stub) -> None:
    """vCenter sends the token before the objects: it builds page 2 while page 1 is read."""
    Handler.pages, Handler.hold_first = TOKEN_FIRST, True
    items = list(pipelined_pages(stub, b"first", next_body))
    assert Handler.next_early
    assert b"".join(i for i in items if isinstance(i, bytes)) == b"".join(TOKEN_FIRST.values())
    assert [i for i in items if not isinstance(i, bytes)] == ["page-2", None]


def test_a_token_after_the_objects_asks_for_the_next_page_once_this_one_is_read(
    stub: Stub,
) -> None:
    Handler.hold_first, Handler.hold_seconds = True, 0.5  # PAGES: the token after the objects
    items = list(pipelined_pages(stub, b"first", next_body))
    assert not Handler.next_early
    assert Handler.asked == [b"first", b"page-2"]
    assert [i for i in items if not isinstance(i, bytes)] == ["page-2", None]


def test_no_more_than_one_page_is_asked_for_ahead_of_the_one_being_read(stub: Stub) -> None:
    chain = {
        b"first": response(2, "p2", token_first=True),
        b"p2": response(2, "p3", token_first=True),
        b"p3": response(2, "p4", token_first=True),
        b"p4": response(2),
    }
    Handler.pages = chain
    pages = pipelined_pages(stub, b"first", next_body)
    next(pages)  # the first bytes of the first page: the second page is asked for
    assert Handler.next_asked.wait(timeout=5)
    threading.Event().wait(0.2)  # time for a third request, were one made
    assert Handler.asked == [b"first", b"p2"]
    list(pages)
    assert Handler.asked == [b"first", b"p2", b"p3", b"p4"]


class Sock:
    """A connected socket's options as the kernel reports them: its segment size and receive
    buffer (which Linux reports doubled)."""

    def __init__(self, segment: int, buffer: int):
        self.options = {socket.TCP_MAXSEG: segment, socket.SO_RCVBUF: buffer}
        self.set: list[int] = []

    def getsockopt(self, level: int, name: int) -> int:
        return self.options[name]

    def setsockopt(self, level: int, name: int, value: int) -> None:
        self.set.append(value)


def test_a_loopback_connection_gets_a_receive_buffer_of_eight_segments() -> None:
    sock = Sock(segment=65483, buffer=131072)  # loopback (MTU 65536), the kernel's first buffer
    roomy(SimpleNamespace(sock=sock))
    doubled = sys.platform == "linux"  # Linux doubles what it is given
    assert [size * (2 if doubled else 1) for size in sock.set] == [8 * 65483]


def test_a_network_connection_keeps_its_buffer_and_the_kernels_autotuning() -> None:
    for segment in (1448, 8948):  # Ethernet, jumbo frames
        sock = Sock(segment=segment, buffer=131072)
        roomy(SimpleNamespace(sock=sock))
        assert sock.set == []


def pyvmomi_stub(stub: Stub) -> Any:
    """pyVmomi's own stub (its pool, its cookie) on the local server, as a session has it."""
    real = SoapAdapter.SoapStubAdapter(url=f"http://127.0.0.1:{stub.port}{stub.path}")
    real.cookie = 'vmware_soap_session="before"'
    return real


@pytest.mark.parametrize("pages", [pipelined_pages, serial_pages])
def test_a_session_cookie_set_on_a_page_is_sent_with_the_next_request(
    stub: Stub, pages: Any
) -> None:
    """As pyVmomi keeps a cookie vCenter sets on any answer (its InvokeMethod)."""
    Handler.set_cookie = 'vmware_soap_session="renewed"; Path=/; HttpOnly'
    real = pyvmomi_stub(stub)
    list(pages(real, b"first", next_body))
    assert Handler.cookies == ['vmware_soap_session="before"', Handler.set_cookie]
    assert real.sessionId == "renewed"


def test_an_http_error_is_raised_as_pyvmomi_raises_it_and_its_connection_is_not_pooled(
    stub: Stub,
) -> None:
    real = pyvmomi_stub(stub)
    post(real, b"first")
    assert len(real.pool) == 1  # an answer gives its connection back
    Handler.status = 503  # a proxy in front of vCenter
    with pytest.raises(http.client.HTTPException, match="^503 Service Unavailable$"):
        post(real, b"first")
    assert real.pool == []
