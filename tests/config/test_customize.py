# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""The customize block in the configuration: guest identity for a clone, checked by validate."""

from __future__ import annotations

from planner.model import Customization, StaticIPv4, WindowsIdentity
from tests.config.helpers import errors, vms
from tests.config.test_errors import vm_block

NIC = 'network_interface {\n  network = "VM Network"\n}'


def _customized(body: str, extra: str = "") -> str:
    """vm "a" with a template, one NIC, `extra` lines, and customize { body } from line 11."""
    return vm_block(f'template = "t"\n{NIC}\n{extra}customize {{\n{body}\n}}')


def test_customize_is_read_with_the_vm_name_as_default_hostname(tmp_path):
    got = vms(
        tmp_path,
        """
        vm "app-1" {
          template = "ubuntu"
          customize {
            domain       = "example.com"
            dns_servers  = ["10.0.0.2"]
            dns_suffixes = ["example.com"]
            time_zone    = "Europe/Berlin"
            network_interface {
              ipv4_address = "10.0.1.10"
              ipv4_prefix  = 24
              ipv4_gateway = "10.0.1.1"
            }
            network_interface {
            }
          }
        }
        """,
    )
    assert got["app-1"].customize == Customization(
        hostname="app-1",
        domain="example.com",
        dns_servers=("10.0.0.2",),
        dns_suffixes=("example.com",),
        time_zone="Europe/Berlin",
        interfaces=(StaticIPv4("10.0.1.10", 24, "10.0.1.1"), None),
    )


def test_a_windows_block_defaults_the_computer_name_to_the_hostname(tmp_path):
    got = vms(
        tmp_path,
        """
        vm "win" {
          template = "w2022"
          customize {
            hostname  = "win-app-1"
            time_zone = "85"
            windows {
              join_domain         = "corp.example.com"
              domain_admin        = "joiner"
              domain_password_env = "JOIN_PASSWORD"
            }
          }
        }
        """,
    )
    assert got["win"].customize.windows == WindowsIdentity(  # type: ignore[union-attr]
        "win-app-1", None, "corp.example.com", "joiner", "JOIN_PASSWORD"
    )


def test_customize_left_out_is_none(tmp_path):
    assert vms(tmp_path, 'vm "app" {\n}\n')["app"].customize is None


def test_customize_without_a_template_is_an_error_at_the_block(tmp_path):
    got = errors(tmp_path, vm_block('customize {\n  hostname = "a"\n}'))
    assert got == [
        'main.hcl:7:7: error: customize needs template: vCenter customizes a VM only while cloning it; add template = "..." to the vm block, or remove customize'
    ]


def test_more_interface_blocks_than_nics_is_an_error_at_the_first_extra_one(tmp_path):
    body = 'network_interface {\n  ipv4_address = "10.0.1.10"\n  ipv4_prefix = 24\n}\nnetwork_interface {\n}'
    got = errors(tmp_path, _customized(body))
    assert got == [
        "main.hcl:16:7: error: customize has 2 network_interface blocks but the VM has 1 NIC; one block per NIC, in order; remove it or add a NIC to the vm block"
    ]


def test_a_bad_address_is_an_error_at_its_value(tmp_path):
    body = 'network_interface {\n  ipv4_address = "10.0.1.300"\n  ipv4_prefix = 24\n}'
    got = errors(tmp_path, _customized(body))
    assert got == [
        'main.hcl:13:24: error: ipv4_address "10.0.1.300" is no IPv4 address; e.g. "10.0.1.10"'
    ]


def test_a_prefix_over_32_is_an_error_at_its_value(tmp_path):
    body = 'network_interface {\n  ipv4_address = "10.0.1.10"\n  ipv4_prefix = 33\n}'
    got = errors(tmp_path, _customized(body))
    assert got == ["main.hcl:14:23: error: ipv4_prefix must be at most 32 (got 33)"]


def test_a_gateway_outside_the_subnet_is_an_error_at_the_gateway(tmp_path):
    body = 'network_interface {\n  ipv4_address = "10.0.1.10"\n  ipv4_prefix = 24\n  ipv4_gateway = "10.0.2.1"\n}'
    got = errors(tmp_path, _customized(body))
    assert got == [
        "main.hcl:15:24: error: ipv4_gateway 10.0.2.1 is outside 10.0.1.0/24; a gateway must be another address of 10.0.1.0/24"
    ]


def test_the_network_address_is_no_host_address(tmp_path):
    body = 'network_interface {\n  ipv4_address = "10.0.1.0"\n  ipv4_prefix = 24\n}'
    got = errors(tmp_path, _customized(body))
    assert got == [
        "main.hcl:13:24: error: 10.0.1.0 is the network address of 10.0.1.0/24, not a host address; use one of 10.0.1.1..10.0.1.254"
    ]


def test_an_address_without_a_prefix_is_an_error(tmp_path):
    got = errors(tmp_path, _customized('network_interface {\n  ipv4_address = "10.0.1.10"\n}'))
    assert got == [
        "main.hcl:13:24: error: a static ipv4_address needs ipv4_prefix; e.g. ipv4_prefix = 24"
    ]


def test_a_domain_join_without_its_account_is_an_error(tmp_path):
    got = errors(tmp_path, _customized('windows {\n  join_domain = "corp"\n}'))
    assert got == [
        "main.hcl:13:23: error: join_domain needs domain_admin and domain_password_env; the password is read from the environment variable domain_password_env names, at apply time"
    ]


def test_a_windows_block_needs_a_workgroup_or_a_domain(tmp_path):
    got = errors(tmp_path, _customized('windows {\n  computer_name = "w"\n}'))
    assert got == [
        'main.hcl:12:7: error: a windows block needs either workgroup or join_domain; e.g. workgroup = "WORKGROUP"'
    ]


def test_a_vm_name_that_is_no_hostname_needs_an_explicit_hostname(tmp_path):
    got = errors(
        tmp_path,
        vm_block('name = "app_1"\ntemplate = "t"\ncustomize {\n  domain = "example.com"\n}'),
    )
    assert got == [
        'main.hcl:9:7: error: the VM\'s name "app_1" is no valid host name, and customize names none; set hostname = "..." (letters, digits, hyphens)'
    ]


def test_an_unknown_attribute_in_customize_is_named_with_a_did_you_mean(tmp_path):
    got = errors(tmp_path, _customized('host_name = "a"'))
    assert got == [
        'main.hcl:12:7: error: unknown attribute "host_name" in a customize block; did you mean "hostname"?'
    ]
