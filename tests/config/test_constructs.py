# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Each construct of the language (docs/language.md) evaluates to the expected desired model."""

from __future__ import annotations

from planner.model import Container, Disk, Nic, Pos, Power
from tests.config.helpers import HEADER, load, vms, write


def test_literals_fill_the_vm_and_absent_attributes_stay_unmanaged(tmp_path):
    vm = vms(tmp_path, '    vm "a" {\n      cpus = 2\n      power = "off"\n    }\n')["a"]
    assert (vm.cpus, vm.power, vm.datacenter, vm.cluster, vm.host) == (
        2,
        Power.OFF,
        "DC0",
        "C0",
        None,
    )
    assert vm.memory_mb is None and vm.folder is None and vm.disks is None and vm.nics is None


def test_name_defaults_to_the_block_label(tmp_path):
    assert list(vms(tmp_path, '    vm "web-1" {\n    }\n')) == ["web-1"]


def test_template_in_name_and_label(tmp_path):
    config = load(
        tmp_path,
        HEADER
        + """
        locals {
          env = "prod"
        }
        datacenter "DC0" {
          cluster "C0" {
            vm "${local.env}-db" {
            }
            vm "web" {
              name = "${local.env}-web-${1 + 1}"
            }
          }
        }
        """,
    )
    assert sorted(vm.name for vm in config.vms) == ["prod-db", "prod-web-2"]


def test_count_expands_with_count_index(tmp_path):
    got = vms(tmp_path, '    vm "w" {\n      count = 3\n      name = "w-${count.index}"\n    }\n')
    assert sorted(got) == ["w-0", "w-1", "w-2"]


def test_count_zero_declares_nothing(tmp_path):
    assert vms(tmp_path, '    vm "w" {\n      count = 0\n    }\n') == {}


def test_for_each_over_a_map_sets_each_key_and_value(tmp_path):
    got = vms(
        tmp_path,
        """\
        vm "db" {
          for_each = { a = 2, b = 4 }
          name     = "db-${each.key}"
          cpus     = each.value
        }
        """,
    )
    assert {name: vm.cpus for name, vm in got.items()} == {"db-a": 2, "db-b": 4}


def test_for_each_over_a_set_makes_key_and_value_the_element(tmp_path):
    got = vms(
        tmp_path,
        '    vm "x" {\n      for_each = toset(["p", "q"])\n      name = "${each.key}${each.value}"\n    }\n',
    )
    assert sorted(got) == ["pp", "qq"]


def test_arithmetic_comparison_logic_and_conditional(tmp_path):
    got = vms(
        tmp_path,
        """\
        vm "a" {
          cpus      = (1 + 2) * 2 - 4 / 2 % 3
          memory_mb = 3 > 2 && !(1 == 2) || false ? 1024 : 4
        }
        """,
    )
    assert (got["a"].cpus, got["a"].memory_mb) == (4, 1024)


def test_for_expressions_over_lists_and_maps(tmp_path):
    got = vms(
        tmp_path,
        """\
        vm "a" {
          depends_on = [for n in ["b", "c", ""] : upper(n) if n != ""]
          attributes = { for k, v in { x = 1, y = 2 } : k => tostring(v * 10) }
        }
        vm "B" {
        }
        vm "C" {
        }
        """,
    )
    assert got["a"].depends_on == ("B", "C")
    assert got["a"].attributes == {"x": "10", "y": "20"}


def test_locals_refer_to_each_other_in_any_order_and_to_variables(tmp_path):
    config = load(
        tmp_path,
        HEADER
        + """
        variable "base" {
          default = 1024
        }
        locals {
          memory = local.double
          double = var.base * 2
        }
        datacenter "DC0" {
          cluster "C0" {
            vm "a" {
              memory_mb = local.memory
            }
          }
        }
        """,
    )
    assert config.vms[0].memory_mb == 2048


def test_functions_from_the_contract(tmp_path):
    config = load(
        tmp_path,
        HEADER
        + """
        locals {
          checks = [
            format("%s-%03d", "web", 7) == "web-007",
            lower("AB") == "ab" && upper("ab") == "AB",
            join(",", split("-", "a-b")) == "a,b",
            replace("a.b", ".", "_") == "a_b",
            length([1, 2]) == 2 && length("abc") == 3 && length({ a = 1 }) == 1,
            concat([1], [2]) == [1, 2],
            merge({ a = 1 }, { b = 2 }) == { a = 1, b = 2 },
            keys({ b = 1, a = 2 }) == ["a", "b"] && values({ b = 1, a = 2 }) == [2, 1],
            lookup({ a = 1 }, "b", 5) == 5,
            contains(["x"], "x"),
            range(3) == [0, 1, 2] && range(1, 7, 3) == [1, 4],
            min(3, 1) == 1 && max(3, 1) == 3,
            coalesce("", "z") == "z",
            tostring(5) == "5" && tonumber("5") == 5,
            length(toset(["a", "a", "b"])) == 2,
            flatten([[1], [2, [3]]]) == [1, 2, 3],
          ]
          all_true = length([for c in local.checks : c if !c]) == 0
        }
        datacenter "DC0" {
          cluster "C0" {
            vm "a" {
              cpus = local.all_true ? 1 : 2
            }
          }
        }
        """,
    )
    assert config.vms[0].cpus == 1


def test_heredoc_with_interpolation(tmp_path):
    got = vms(
        tmp_path,
        """\
        vm "a" {
          annotation = <<-EOT
            web ${1 + 1}
            %{ if true }on%{ endif }
          EOT
        }
        """,
    )
    assert got["a"].annotation == "web 2\non\n"


def test_disks_nics_and_lifecycle(tmp_path):
    vm = vms(
        tmp_path,
        """\
        vm "a" {
          disk {
            size_gb = 40
          }
          disk {
            size_gb = 100
          }
          network_interface {
            network = "VM Network"
          }
          lifecycle {
            prevent_destroy = true
            ignore_changes  = ["annotation", "disk"]
          }
        }
        """,
    )["a"]
    assert vm.disks == (Disk(40), Disk(100))
    assert vm.nics == (Nic("VM Network"),)
    assert vm.prevent_destroy and vm.ignore_changes == {"annotation", "disk"}


def test_host_pins_a_vm_of_a_cluster_and_a_host_block_sets_host(tmp_path):
    config = load(
        tmp_path,
        HEADER
        + """
        datacenter "DC0" {
          cluster "C0" {
            vm "pinned" {
              host = "H1"
            }
          }
          host "H9" {
            vm "standalone" {
            }
          }
        }
        """,
    )
    by_name = {vm.name: vm for vm in config.vms}
    assert (by_name["pinned"].cluster, by_name["pinned"].host) == ("C0", "H1")
    assert (by_name["standalone"].cluster, by_name["standalone"].host) == (None, "H9")


def test_containers_list_every_declared_datacenter_cluster_and_host(tmp_path):
    path = write(
        tmp_path,
        HEADER + 'datacenter "DC0" {\n  cluster "C0" {\n  }\n  host "H0" {\n  }\n}\n',
    )
    from planner.config import load_config

    config = load_config(tmp_path, env={})
    assert config.containers == (
        Container("DC0", None, None, Pos(str(path), 4, 1)),
        Container("DC0", "C0", None, Pos(str(path), 5, 3)),
        Container("DC0", None, "H0", Pos(str(path), 7, 3)),
    )


def test_every_value_keeps_its_position(tmp_path):
    vm = vms(
        tmp_path,
        """\
        vm "a" {
          cpus = 2
          depends_on = ["b"]
          network_interface {
            network = "VM Network"
          }
        }
        vm "b" {
        }
        """,
    )["a"]
    file = str(tmp_path / "main.hcl")
    assert vm.pos == Pos(file, 6, 5)
    assert vm.attr_pos["cpus"] == Pos(file, 7, 14)
    assert vm.attr_pos["depends_on[0]"] == Pos(file, 8, 21)
    assert vm.attr_pos["network_interface[0].network"] == Pos(file, 10, 19)


def test_vcenter_settings_are_read_and_ca_file_is_relative_to_the_config(tmp_path):
    config = load(
        tmp_path,
        HEADER
        + 'vcenter {\n  url = "vpx://vc"\n  user = "u"\n  ca_file = "ca.pem"\n  insecure = false\n}\n',
    )
    assert config.vcenter.url == "vpx://vc" and config.vcenter.user == "u"
    assert config.vcenter.ca_file == str(tmp_path / "ca.pem") and config.vcenter.insecure is False


def test_vars_files_are_not_part_of_the_configuration(tmp_path):
    write(tmp_path, "this is not HCL {", name="x.vars.hcl")
    config = load(tmp_path, HEADER)
    assert config.vms == ()


def test_config_hash_changes_with_variable_values(tmp_path):
    text = HEADER + 'variable "n" {\n  default = 1\n}\n'
    first = load(tmp_path, text).config_hash
    assert load(tmp_path, text).config_hash == first
    assert load(tmp_path, text, var_args=["n=2"]).config_hash != first


def test_splat_and_index(tmp_path):
    got = vms(
        tmp_path,
        """\
        vm "a" {
          depends_on = [{ n = "b" }, { n = "c" }][*].n
          cpus       = [1, 2, 3][1]
          memory_mb  = { a = { b = 64 } }.a["b"]
        }
        vm "b" {
        }
        vm "c" {
        }
        """,
    )
    assert (got["a"].depends_on, got["a"].cpus, got["a"].memory_mb) == (("b", "c"), 2, 64)
