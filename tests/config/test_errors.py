# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Every error class names file:line:col and says what was expected (docs/language.md)."""

from __future__ import annotations

import pytest

from tests.config.helpers import HEADER, errors, write


def vm_block(body: str) -> str:
    """HEADER (3 lines) + datacenter/cluster (2) + vm "a" { on line 6; body starts on line 7."""
    lines = "".join(f"      {line}\n" for line in body.splitlines())
    return (
        HEADER + f'datacenter "DC0" {{\n  cluster "C0" {{\n    vm "a" {{\n{lines}    }}\n  }}\n}}\n'
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "memory_mb = 1023",
            "main.hcl:7:19: error: memory_mb must be a multiple of 4 (got 1023); try 1020 or 1024",
        ),
        ("memory_mb = 2", "main.hcl:7:19: error: memory_mb must be at least 4 (got 2)"),
        ("cpus = 0", "main.hcl:7:14: error: cpus must be at least 1 (got 0)"),
        ('cpus = "two"', 'main.hcl:7:14: error: cpus must be a whole number (got "two")'),
        ("cpus = 1.5", "main.hcl:7:14: error: cpus must be a whole number (got 1.5)"),
        (
            'power = "of"',
            'main.hcl:7:15: error: power must be one of "on", "off", "suspended" (got "of"); did you mean "off"?',
        ),
        (
            'network_interface {\n  network = ""\n}',
            "main.hcl:8:19: error: network must not be empty",
        ),
        ("disk {\n  size_gb = 0\n}", "main.hcl:8:19: error: size_gb must be at least 1 (got 0)"),
        (
            "disk {\n}",
            "main.hcl:7:7: error: a disk block needs size_gb; e.g. disk { size_gb = ... }",
        ),
        (
            "memory = 4",
            'main.hcl:7:7: error: unknown attribute "memory" in a vm block; did you mean "memory_mb"?',
        ),
        (
            "disks {\n}",
            'main.hcl:7:7: error: unknown block type "disks" in a vm block; did you mean "disk"?',
        ),
        ("disk = 4", "main.hcl:7:7: error: disk is a block, not an attribute; write disk { ... }"),
        (
            'lifecycle {\n  ignore_changes = ["anotation"]\n}',
            'main.hcl:8:27: error: ignore_changes names an unknown attribute "anotation"; did you mean "annotation"?',
        ),
        (
            "cpus = 4\ncores_per_socket = 3",
            "main.hcl:8:26: error: cores_per_socket (3) must divide cpus (4); choose a divisor of cpus, e.g. 1, 2, 4",
        ),
        ("count = -1", "main.hcl:7:15: error: count must be between 0 and 10000 (got -1)"),
        (
            'for_each = ["a"]',
            "main.hcl:7:18: error: for_each needs a map or a set of strings (got a list); wrap a list in toset(...)",
        ),
        (
            "count = 1\nfor_each = {}",
            "main.hcl:8:7: error: a vm block cannot have both count and for_each; keep one of them",
        ),
        (
            "cpus = count.index",
            'main.hcl:7:14: error: count.index is not available in vm "a": it is only set in a vm block with count',
        ),
        (
            "cpus = each.value",
            'main.hcl:7:14: error: each.value is not available in vm "a": it is only set in a vm block with for_each',
        ),
        (
            'depends_on = ["b"]',
            'main.hcl:7:21: error: depends_on names "b", which is not a VM of datacenter DC0; depends_on takes the names of VMs declared in the same datacenter',
        ),
        (
            "cpus = var.cpu",
            "main.hcl:7:14: error: unknown variable var.cpu; declare it in a variable block",
        ),
        (
            "cpus = local.x",
            "main.hcl:7:14: error: unknown local value local.x; define it in a locals block",
        ),
        (
            "cpus = lenght([1])",
            'main.hcl:7:14: error: unknown function lenght(); did you mean "length"?',
        ),
        (
            'cpus = 1 + "a"',
            'main.hcl:7:18: error: operator + needs numbers, got "a"; to join strings write "${a}${b}"',
        ),
        ("cpus = [1][3]", "main.hcl:7:18: error: index 3 is out of range for a list of 1"),
        ("cpus = 1 / 0", "main.hcl:7:18: error: division by zero"),
        (
            'annotation = "x${[1]}"',
            "main.hcl:7:24: error: cannot put a list in a string; use join() or jsonencode() to turn it into a string",
        ),
        (
            'attributes = { "vcplan.workspace" = "x" }',
            'main.hcl:7:20: error: attributes: "vcplan.workspace" is reserved for vcplan\'s own markers',
        ),
        ('host = "H1"\nhost = "H2"', "main.hcl:8:7: error: host is set twice; first set at"),
    ],
    ids=lambda v: v.split("\n")[0][:40] if isinstance(v, str) and "error" not in v else "",
)
def test_vm_attribute_error_names_position_and_expectation(tmp_path, body, expected):
    got = errors(tmp_path, vm_block(body))
    assert any(line.startswith(expected) for line in got), got


def test_syntax_error_is_a_diagnostic_at_the_offending_token(tmp_path):
    got = errors(
        tmp_path, HEADER + 'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n      cpus 2\n'
    )
    assert len(got) == 1
    assert got[0].startswith("main.hcl:7:12: error: syntax error: unexpected '2'; expected \"=\"")


def test_unclosed_block_says_a_brace_is_missing(tmp_path):
    assert errors(tmp_path, HEADER + 'datacenter "DC0" {\n') == [
        'main.hcl:4:19: error: syntax error: unexpected end of file; a block or object is not closed: expected "}"'
    ]


def test_missing_vcplan_block(tmp_path):
    assert errors(tmp_path, 'datacenter "DC0" {\n}\n') == [
        'error: the configuration has no vcplan block; add vcplan { workspace = "NAME" }: '
        "the workspace names the VMs this configuration owns"
    ]


def test_missing_workspace(tmp_path):
    assert errors(tmp_path, "vcplan {\n}\n") == [
        'main.hcl:1:1: error: the vcplan block needs a workspace; e.g. vcplan { workspace = "prod-web" }'
    ]


def test_password_in_vcenter_block_is_refused(tmp_path):
    assert errors(tmp_path, HEADER + 'vcenter {\n  password = "s3cret"\n}\n') == [
        "main.hcl:5:3: error: a password does not belong in a configuration file; "
        "remove it and set VCPLAN_PASSWORD (or type it at the prompt)"
    ]


def test_password_in_vcenter_url_is_refused(tmp_path):
    got = errors(tmp_path, HEADER + 'vcenter {\n  url = "vpx://u:pw@vc"\n}\n')
    assert got[0].startswith("main.hcl:5:9: error: a password does not belong in the URL")
    assert "pw@" not in got[0]


def test_vm_directly_in_a_datacenter_is_an_error(tmp_path):
    got = errors(tmp_path, HEADER + 'datacenter "DC0" {\n  vm "a" {\n  }\n}\n')
    assert got[0].startswith(
        "main.hcl:5:3: error: a vm block must be inside a cluster or host block, not directly in a datacenter"
    )


def test_unknown_top_level_block_suggests_a_name(tmp_path):
    assert errors(tmp_path, HEADER + 'datacentre "DC0" {\n}\n') == [
        'main.hcl:4:1: error: unknown block type "datacentre"; did you mean "datacenter"?'
    ]


def test_unknown_block_in_a_datacenter(tmp_path):
    assert errors(tmp_path, HEADER + 'datacenter "DC0" {\n  clustr "C" {\n  }\n}\n') == [
        'main.hcl:5:3: error: unknown block type "clustr" in a datacenter block; did you mean "cluster"?'
    ]


def test_pinning_host_on_a_standalone_host_is_an_error(tmp_path):
    got = errors(
        tmp_path,
        HEADER
        + 'datacenter "DC0" {\n  host "H0" {\n    vm "a" {\n      host = "H1"\n    }\n  }\n}\n',
    )
    assert got[0].startswith('main.hcl:7:7: error: this vm is on standalone host "H0" already')


def test_duplicate_vm_names_in_a_datacenter(tmp_path):
    text = (
        HEADER
        + 'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n    }\n  }\n  host "H0" {\n    vm "a" {\n    }\n  }\n}\n'
    )
    assert errors(tmp_path, text) == [
        'main.hcl:10:8: error: two VMs are named "a" in datacenter DC0; first declared at '
        "main.hcl:6:8; a VM's name must be unique in its datacenter"
    ]


def test_same_name_in_two_datacenters_is_fine(tmp_path):
    from tests.config.helpers import load

    text = HEADER + 'datacenter "DC0" {\n  cluster "C" {\n    vm "a" {\n    }\n  }\n}\n'
    text += 'datacenter "DC1" {\n  cluster "C" {\n    vm "a" {\n    }\n  }\n}\n'
    assert len(load(tmp_path, text).vms) == 2


def test_depends_on_cycle_names_the_cycle(tmp_path):
    text = vm_block('depends_on = ["b"]').replace(
        "    }\n  }\n}\n", '    }\n    vm "b" {\n      depends_on = ["a"]\n    }\n  }\n}\n'
    )
    assert errors(tmp_path, text) == [
        "main.hcl:7:21: error: depends_on forms a cycle: DC0/a -> DC0/b -> DC0/a; remove one of these dependencies"
    ]


def test_depends_on_unknown_vm_suggests_a_near_name(tmp_path):
    text = vm_block('depends_on = ["db-2"]').replace(
        "    }\n  }\n}\n", '    }\n    vm "db-1" {\n    }\n  }\n}\n'
    )
    assert errors(tmp_path, text) == [
        'main.hcl:7:21: error: depends_on names "db-2", which is not a VM of datacenter DC0; did you mean "db-1"?'
    ]


def test_locals_cycle_names_the_cycle(tmp_path):
    text = HEADER + "locals {\n  a = local.b\n  b = local.a\n}\n"
    assert errors(tmp_path, text) == [
        "main.hcl:5:3: error: locals refer to each other in a cycle: local.a -> local.b -> local.a"
    ]


def test_all_errors_of_a_run_are_reported_together(tmp_path):
    write(tmp_path, 'vcenter {\n  password = "x"\n}\n', name="a.hcl")
    got = errors(tmp_path, HEADER + vm_block("cpus = 0\nmemory_mb = 3\npower = 1")[len(HEADER) :])
    assert [line.split(": error")[0] for line in got] == [
        "a.hcl:2:3",
        "main.hcl:7:14",
        "main.hcl:8:19",
        "main.hcl:9:15",
    ]


def test_an_error_in_one_count_instance_is_reported_once(tmp_path):
    got = errors(tmp_path, vm_block('count = 3\nname = "x-${count.index}"\ncpus = 0'))
    assert got == ["main.hcl:9:14: error: cpus must be at least 1 (got 0)"]


def test_an_error_in_a_local_is_reported_once_not_at_every_use(tmp_path):
    text = (
        HEADER
        + 'locals {\n  bad = 1 + "x"\n}\n'
        + vm_block("cpus = local.bad\nmemory_mb = local.bad")[len(HEADER) :]
    )
    assert errors(tmp_path, text) == [
        'main.hcl:5:13: error: operator + needs numbers, got "x"; to join strings write "${a}${b}"'
    ]


def test_empty_directory_is_an_error(tmp_path):
    from planner.config import load_config
    from planner.model.diagnostics import DiagnosticError

    with pytest.raises(DiagnosticError, match=r"no configuration files \(\*\.hcl\)"):
        load_config(tmp_path, env={})
