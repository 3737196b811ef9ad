"""depends_on is checked without recursion: a long chain validates, a cycle is still named at
file:line:col (docs/language.md)."""

from __future__ import annotations

from tests.config.helpers import errors, vms

CHAIN = """
vm "chain" {
  count      = 10000
  name       = "vm-${count.index}"
  depends_on = count.index == 0 ? [] : ["vm-${count.index - 1}"]
}
"""


def test_a_ten_thousand_vm_depends_on_chain_validates(tmp_path):
    loaded = vms(tmp_path, CHAIN)
    assert len(loaded) == 10000
    assert loaded["vm-9999"].depends_on == ("vm-9998",)


def test_a_cycle_at_the_end_of_a_long_chain_is_named_at_its_position(tmp_path):
    text = CHAIN.replace("count.index == 0 ? [] :", 'count.index == 0 ? ["vm-9999"] :')
    body = 'datacenter "DC0" {\n  cluster "C0" {\n' + text + "  }\n}\n"
    found = errors(tmp_path, 'vcplan {\n  workspace = "test"\n}\n' + body)
    assert found == [
        "main.hcl:10:16: error: depends_on forms a cycle: DC0/vm-0 -> DC0/vm-9999 -> DC0/vm-9998"
        " -> DC0/vm-9997 -> DC0/vm-9996 -> ... (9991 more) -> DC0/vm-4 -> DC0/vm-3 -> DC0/vm-2"
        " -> DC0/vm-1 -> DC0/vm-0; remove one of these dependencies"
    ]
