"""The floor every reader is measured against: the raw wire fetch of the inventory read's own
RetrievePropertiesEx pages, POSTed with the session cookie and read as bytes, nothing parsed."""

from __future__ import annotations

import time
from typing import Any

from pyVmomi import vim

from providers.vsphere.inventory import VM_PROPERTIES, retrieve_options, view_filter_spec
from providers.vsphere.page_fetch import TokenScan
from providers.vsphere.soap import continue_request, post, retrieve_request


def raw_fetch(si: Any) -> tuple[float, int]:
    """(seconds, bytes) of every page, following ContinueRetrievePropertiesEx tokens: the
    next page is asked for as soon as this one's bytes are in, as vcplan's fetcher asks."""
    content = si.RetrieveContent()
    stub = si._stub
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    collector = content.propertyCollector
    spec = view_filter_spec(view, {vim.VirtualMachine: VM_PROPERTIES})
    total = 0
    start = time.perf_counter()
    body = retrieve_request(stub, collector, spec, retrieve_options())
    while True:
        _, _, data = post(stub, body)
        total += len(data)
        scan = TokenScan()  # before the objects (the WSDL's order) or after them
        scan.feed(data)
        token = scan.close()
        if not token:
            break
        body = continue_request(stub, collector, token)
    elapsed = time.perf_counter() - start
    view.DestroyView()
    return elapsed, total
