"""The floor every reader is measured against: the raw wire fetch of the inventory read's own
RetrievePropertiesEx pages, POSTed with the session cookie and read as bytes, nothing parsed."""

from __future__ import annotations

import re
import time
from typing import Any

from pyVmomi import vim

from providers.vsphere.inventory import VM_PROPERTIES, retrieve_options, view_filter_spec

TOKEN = re.compile(rb"<token>([^<]+)</token>")


def raw_fetch(si: Any) -> tuple[float, int]:
    """(seconds, bytes) of every page, following ContinueRetrievePropertiesEx tokens."""
    content = si.RetrieveContent()
    stub = si._stub
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    collector = content.propertyCollector
    spec = view_filter_spec(view, {vim.VirtualMachine: VM_PROPERTIES})
    info = type(collector)._GetMethodInfo("RetrievePropertiesEx")
    cont = type(collector)._GetMethodInfo("ContinueRetrievePropertiesEx")
    headers = {
        "Cookie": stub.cookie,
        "SOAPAction": stub.versionId,
        "Content-Type": "text/xml; charset=UTF-8",
    }
    total = 0
    start = time.perf_counter()
    body = stub.SerializeRequest(collector, info, [[spec], retrieve_options()])
    while True:
        conn = stub.GetConnection()
        conn.request("POST", stub.path, body, headers)
        data = conn.getresponse().read()
        stub.ReturnConnection(conn)
        total += len(data)
        token = TOKEN.search(data[-4096:])
        if not token:
            break
        body = stub.SerializeRequest(collector, cont, [token.group(1).decode()])
    elapsed = time.perf_counter() - start
    view.DestroyView()
    return elapsed, total
