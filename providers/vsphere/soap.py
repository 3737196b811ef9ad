"""vCenter calls whose answers vcplan reads itself
(docs/performance.md#lean-calls-2026-12-06-second-round).

The request is serialized by pyVmomi and sent on its connection with its session cookie; only
a successful answer is read here, with a regular expression or the C XML parser, instead of
pyVmomi's deserializer (about 0.3 ms of the interpreter lock a call, and an apply's hops come
in bursts: 50 VMs back within 30 ms, each one's next call waiting for the lock). A fault is
read by pyVmomi's deserializer and raised, another HTTP error raises http.client.HTTPException,
as a pyVmomi call would. An answer of a shape this module does not expect is handled per call:
`invoke` hands it to pyVmomi's deserializer, so it is returned as a pyVmomi call would return
it; `retrieve_leaves` returns the objects with a structured value apart, for its caller to
read through pyVmomi, and raises ET.ParseError on malformed XML (where pyVmomi raises expat's
ExpatError).
"""

from __future__ import annotations

import http.client
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any, NoReturn

from pyVmomi import SoapAdapter, VmomiSupport

VIM = "{urn:vim25}"
_RETURNVAL = re.compile(rb'<returnval type="([\w.]+)">([^<&]*)</returnval>')
_TOKEN = f".//{VIM}returnval/{VIM}token"


def soap_headers(stub: Any) -> dict[str, str]:
    """What pyVmomi itself sends with a request on this session."""
    return {
        "Cookie": stub.cookie,
        "SOAPAction": stub.versionId,
        "Content-Type": "text/xml; charset=UTF-8",
    }


@contextmanager
def pooled_connection(stub: Any, conn: Any = None) -> Iterator[Any]:
    """A connection of pyVmomi's pool (`conn`, if the caller took it already), given back when
    the block ends; on any error (an abandoned read too) it is closed and the pool dropped, as
    pyVmomi does: the server may be sick, or the connection left in the middle of an answer."""
    if conn is None:
        conn = stub.GetConnection()
    try:
        yield conn
    except BaseException:
        conn.close()
        stub.DropConnections()
        raise
    stub.ReturnConnection(conn)


def retrieve_request(stub: Any, collector: Any, spec: Any, options: Any) -> bytes:
    """RetrievePropertiesEx([spec], options) as pyVmomi serializes it."""
    method = type(collector)._GetMethodInfo("RetrievePropertiesEx")
    return _bytes(stub.SerializeRequest(collector, method, [[spec], options]))


def continue_request(stub: Any, collector: Any, token: str) -> bytes:
    """ContinueRetrievePropertiesEx(token), the next page's request, as pyVmomi serializes it."""
    method = type(collector)._GetMethodInfo("ContinueRetrievePropertiesEx")
    return _bytes(stub.SerializeRequest(collector, method, [token]))


def _bytes(body: bytes | str) -> bytes:
    return body if isinstance(body, bytes) else body.encode()


def send(conn: Any, stub: Any, body: bytes | str) -> http.client.HTTPResponse:
    """`body` POSTed on `conn` as pyVmomi posts it, up to the answer's head (its body is the
    caller's to read). A cookie vCenter sets on any answer is kept, as pyVmomi's InvokeMethod
    keeps it: every request vcplan sends itself goes through here, so none misses one."""
    conn.request("POST", stub.path, body, soap_headers(stub))
    resp: http.client.HTTPResponse = conn.getresponse()
    if cookie := resp.getheader("Set-Cookie"):
        _keep_cookie(stub, cookie)
    return resp


def post(stub: Any, body: bytes | str) -> tuple[int, str, bytes]:
    """One request on a connection of pyVmomi's pool: (HTTP status, reason, the whole body)
    of an answer (200) or a fault (500). Any other status raises http.client.HTTPException,
    as pyVmomi does, and the connection is closed rather than pooled: what answered may not
    be vCenter (a proxy), and the connection is not known to be fit for another request."""
    with pooled_connection(stub) as conn:
        resp = send(conn, stub, body)
        if resp.status not in (200, 500):
            raise http.client.HTTPException(f"{resp.status} {resp.reason}")
        data = resp.read()
    return resp.status, resp.reason, data


def _keep_cookie(stub: Any, cookie: str) -> None:
    """What pyVmomi does with a cookie vCenter sets on any answer: later calls send it."""
    stub.cookie = cookie
    if session := SimpleCookie(cookie).get(SoapAdapter.COOKIE_NAME):
        super(SoapAdapter.SoapStubAdapter, stub).SetSessionId(session.value)


def deserialized(stub: Any, data: bytes, result_type: Any) -> Any:
    """pyVmomi's own reading of an answer."""
    return SoapAdapter.SoapResponseDeserializer(stub).Deserialize(data, result_type)


def refused(stub: Any, status: int, reason: str, data: bytes, result_type: Any) -> NoReturn:
    """Raise what pyVmomi raises for this answer: the fault vCenter sent, or an HTTP error."""
    if status == 500:
        fault = deserialized(stub, data, result_type)
        if isinstance(fault, BaseException):
            raise fault
    raise http.client.HTTPException(f"{status} {reason}")


def invoke(mo: Any, method: str) -> Any:
    """`mo.<method>()` for a method without arguments that returns a managed object (a task)
    or nothing, such as ResetVM_Task or RebootGuest."""
    info = getattr(type(mo), method).info
    stub = mo._stub
    status, reason, data = post(stub, stub.SerializeRequest(mo, info, []))
    if status != 200:
        refused(stub, status, reason, data, info.result)
    if info.result is type(None):
        return None
    match = _RETURNVAL.search(data)
    kind = _wsdl_type(match.group(1).decode()) if match else None
    if match is None or kind is None:
        return deserialized(stub, data, info.result)
    return kind(match.group(2).decode(), stub)


def retrieve_leaves(
    collector: Any, spec: Any, options: Any = None
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """RetrievePropertiesEx (and ContinueRetrievePropertiesEx while vCenter pages), for
    properties whose values are leaves: strings and enums as text, references as pyVmomi
    managed objects (as pyVmomi reads them).

    Returns the values by object, and apart the objects this did not read whole (a structured
    value, such as a failed task's error): the caller reads those through pyVmomi."""
    stub = collector._stub
    if options is None:
        options = VmomiSupport.GetVmodlType("vmodl.query.PropertyCollector.RetrieveOptions")()
    body: bytes | None = retrieve_request(stub, collector, spec, options)
    result = type(collector)._GetMethodInfo("ContinueRetrievePropertiesEx").result
    values: dict[str, dict[str, Any]] = {}
    structured: list[str] = []
    while body is not None:
        status, reason, data = post(stub, body)
        if status != 200:
            refused(stub, status, reason, data, result)  # RetrieveResult, as the first
        root = ET.fromstring(data)
        for objects in root.iter(f"{VIM}objects"):
            moid = objects.findtext(f"{VIM}obj") or ""
            props = _leaves(objects, stub)
            if props is None:
                structured.append(moid)
            else:
                values[moid] = props
        token = root.findtext(_TOKEN)
        body = continue_request(stub, collector, token) if token else None
    return values, structured


def _leaves(objects: ET.Element, stub: Any) -> dict[str, Any] | None:
    props: dict[str, Any] = {}
    for prop in objects.iter(f"{VIM}propSet"):
        name = prop.findtext(f"{VIM}name") or ""
        val = prop.find(f"{VIM}val")
        if val is None:
            continue
        if len(val):
            return None
        if (kind := val.get("type")) is None:
            props[name] = val.text or ""
        elif (cls := _wsdl_type(kind)) is not None:
            props[name] = cls(val.text or "", stub)
        else:
            return None
    return props


def _wsdl_type(name: str) -> Any:
    try:
        return VmomiSupport.GetWsdlType("urn:vim25", name)
    except KeyError:
        return None
