"""`vcplan inventory --format json`: a JSON array of the documented records, one VM a line."""

from __future__ import annotations

import json

from planner.report.inventory import inventory_json, inventory_record
from tests.builders import live_vm


def test_the_json_holds_each_vms_record_in_order() -> None:
    vms = [live_vm(name="web-1"), live_vm(name="db-1", tags={"env": ("prod",)})]
    assert json.loads(inventory_json(vms)) == [inventory_record(vm) for vm in vms]


def test_each_vm_is_one_line_between_the_brackets() -> None:
    text = inventory_json([live_vm(name="web-1"), live_vm(name="web-2")])
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert [json.loads(line.rstrip(","))["name"] for line in lines[1:-1]] == ["web-1", "web-2"]


def test_no_vms_is_an_empty_array() -> None:
    assert json.loads(inventory_json([])) == []
