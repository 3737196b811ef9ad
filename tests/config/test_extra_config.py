# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""extra_config in the configuration: a map of VM advanced settings, `vcplan.*` reserved."""

from __future__ import annotations

from tests.config.helpers import errors, vms
from tests.config.test_errors import vm_block


def test_extra_config_is_a_map_of_strings_on_the_vm(tmp_path):
    got = vms(
        tmp_path,
        """
        vm "app" {
          extra_config = { "guestinfo.userdata" = "abc", "disk.EnableUUID" = true }
        }
        """,
    )
    assert got["app"].extra_config == {"guestinfo.userdata": "abc", "disk.EnableUUID": "true"}


def test_extra_config_left_out_is_not_managed(tmp_path):
    assert vms(tmp_path, 'vm "app" {\n}\n')["app"].extra_config is None


def test_a_vcplan_key_in_extra_config_is_an_error_at_its_value(tmp_path):
    got = errors(tmp_path, vm_block('extra_config = { "vcplan.workspace" = "x" }'))
    assert got == [
        'main.hcl:7:22: error: extra_config: "vcplan.workspace" is reserved for vcplan\'s own markers'
    ]


def test_an_empty_extra_config_value_is_an_error_saying_vsphere_would_remove_the_key(tmp_path):
    got = errors(tmp_path, vm_block('extra_config = { "guestinfo.a" = "" }'))
    assert got == [
        'main.hcl:7:22: error: extra_config["guestinfo.a"] is empty; vSphere removes a key set '
        "to an empty value; remove the key from extra_config to stop managing it"
    ]


def test_a_list_value_in_extra_config_is_an_error(tmp_path):
    got = errors(tmp_path, vm_block('extra_config = { "guestinfo.a" = ["x"] }'))
    assert got[0].startswith('main.hcl:7:22: error: extra_config["guestinfo.a"] must be a string')
