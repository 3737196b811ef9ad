# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Values vCenter cannot hold are refused by validate at file:line:col, before anything reaches
vCenter (docs/language.md#vsphere-limits): VM names, folder and resource pool paths, workspace
names, annotations, and string escapes HCL does not define."""

from __future__ import annotations

import pytest

from tests.config.helpers import HEADER, errors, vms
from tests.support.cli import run_vcplan


def vm_errors(tmp_path, body: str, label: str = "a") -> list[str]:
    text = (
        HEADER
        + f'datacenter "DC0" {{\n  cluster "C0" {{\n    vm "{label}" {{\n      {body}\n    }}\n  }}\n}}\n'
    )
    return errors(tmp_path, text)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        (
            "web/1",
            "a VM name cannot contain a slash ('/'): vCenter stores it escaped and would not find the VM by this name again; use another character, e.g. '-'",
        ),
        (
            "web\\\\1",
            "a VM name cannot contain a backslash ('\\\\'): vCenter stores it escaped and would not find the VM by this name again; use another character, e.g. '-'",
        ),
        (
            "web%1",
            "a VM name cannot contain a percent sign ('%'): vCenter stores it escaped and would not find the VM by this name again; use another character, e.g. '-'",
        ),
        (
            "web\\n1",
            "a VM name cannot contain a control character ('\\n'); write the name on one line, without it",
        ),
        (
            "web\\u00071",
            "a VM name cannot contain a control character ('\\x07'); write the name on one line, without it",
        ),
        ("x" * 81, "a VM name is at most 80 characters in vCenter (this one has 81)"),
        (" web", "a VM name cannot start or end with a space: vCenter trims it; remove the space"),
        ("web ", "a VM name cannot start or end with a space: vCenter trims it; remove the space"),
    ],
    ids=[
        "slash",
        "backslash",
        "percent",
        "newline",
        "control",
        "81 characters",
        "leading space",
        "trailing space",
    ],
)
def test_a_vm_name_vcenter_cannot_hold_is_refused_at_its_position(tmp_path, name, why):
    assert vm_errors(tmp_path, f'name = "{name}"') == [f"main.hcl:7:14: error: {why}"]


def test_a_vm_label_used_as_the_name_is_checked_too(tmp_path):
    assert vm_errors(tmp_path, "cpus = 1", label="db/1") == [
        "main.hcl:6:8: error: a VM name cannot contain a slash ('/'): vCenter stores it escaped and would not find the VM by this name again; use another character, e.g. '-'"
    ]


def test_a_label_is_free_when_name_is_set(tmp_path):
    assert list(vms(tmp_path, 'vm "web/all" {\n  name = "web-1"\n}\n')) == ["web-1"]


def test_an_80_character_name_is_accepted(tmp_path):
    assert list(vms(tmp_path, f'vm "{"x" * 80}" {{\n}}\n')) == ["x" * 80]


@pytest.mark.parametrize(
    ("folder", "why"),
    [
        (
            "../../x",
            "folder '../../x' has an empty, '.' or '..' segment; name each folder on the way, e.g. 'prod/web'",
        ),
        (
            "prod//web",
            "folder 'prod//web' has an empty, '.' or '..' segment; name each folder on the way, e.g. 'prod/web'",
        ),
        (
            "prod/./web",
            "folder 'prod/./web' has an empty, '.' or '..' segment; name each folder on the way, e.g. 'prod/web'",
        ),
        (
            "prod/we\\tb",
            "folder 'prod/we\\tb' contains a control character ('\\t'), which vCenter stores escaped; use another character, e.g. '-'",
        ),
        (
            "prod/50%",
            "folder 'prod/50%' contains a percent sign, which vCenter stores escaped; use another character, e.g. '-'",
        ),
        ("prod/web ", "folder name 'web ' starts or ends with a space, which vCenter trims"),
    ],
    ids=["dot-dot", "empty segment", "dot", "control", "percent", "space"],
)
def test_a_folder_path_vcenter_cannot_hold_is_refused(tmp_path, folder, why):
    assert vm_errors(tmp_path, f'folder = "{folder}"') == [f"main.hcl:7:16: error: {why}"]


def test_a_folder_with_leading_and_trailing_slashes_is_the_same_path(tmp_path):
    assert vms(tmp_path, 'vm "a" {\n  folder = "/prod/web/"\n}\n')["a"].folder == "prod/web"


def test_an_empty_resource_pool_is_refused(tmp_path):
    assert vm_errors(tmp_path, 'resource_pool = ""') == [
        "main.hcl:7:23: error: resource_pool cannot be empty; leave it out for the root pool"
    ]


def test_a_resource_pool_path_with_dot_dot_is_refused(tmp_path):
    assert vm_errors(tmp_path, 'resource_pool = "prod/../x"') == [
        "main.hcl:7:23: error: resource pool 'prod/../x' has an empty, '.' or '..' segment; name each resource pool on the way, e.g. 'prod/web'"
    ]


@pytest.mark.parametrize(
    ("workspace", "why"),
    [
        (
            "prod\\u0000web",
            "a workspace name cannot contain a control character ('\\x00'); e.g. workspace = \"prod-web\"",
        ),
        (
            "prod\\nweb",
            "a workspace name cannot contain a control character ('\\n'); e.g. workspace = \"prod-web\"",
        ),
        ("w" * 70_000, "a workspace name is at most 80 characters (this one has 70000)"),
        ("prod ", "a workspace name cannot start or end with a space; remove the space"),
        (
            "prod/web",
            "a workspace name cannot contain a slash ('/'): it names a vCenter folder; use another character, e.g. '-'",
        ),
    ],
    ids=["NUL", "newline", "70000 characters", "trailing space", "slash"],
)
def test_a_workspace_vcenter_cannot_hold_is_refused(tmp_path, workspace, why):
    assert errors(tmp_path, f'vcplan {{\n  workspace = "{workspace}"\n}}\n') == [
        f"main.hcl:2:15: error: {why}"
    ]


def test_an_annotation_longer_than_vsphere_holds_is_refused(tmp_path):
    assert vm_errors(tmp_path, 'annotation = format("%1000s%1001s", "a", "b")') == [
        "main.hcl:7:20: error: an annotation is at most 2000 characters in vSphere (this one counts 2001; a line break counts as 3); shorten it, or keep long text in extra_config"
    ]


def test_an_annotation_counts_line_breaks_as_vsphere_stores_them(tmp_path):
    text = 'join("\\n", [for i in range(500) : "abc"])'  # 1999 characters, 499 line breaks
    assert vm_errors(tmp_path, f"annotation = {text}") == [
        "main.hcl:7:20: error: an annotation is at most 2000 characters in vSphere (this one counts 2997; a line break counts as 3); shorten it, or keep long text in extra_config"
    ]


def test_an_annotation_of_2000_characters_is_accepted(tmp_path):
    body = 'vm "a" {\n  annotation = format("%1000s%1000s", "a", "b")\n}\n'
    assert len(vms(tmp_path, body)["a"].annotation) == 2000


# --- string escapes ---


@pytest.mark.parametrize(
    ("literal", "col", "shown"),
    [
        ('"a\\qb"', 9, "\\q"),
        ('"C:\\dir"', 10, "\\d"),
        ('"a\\$b"', 9, "\\$"),
        ('"x\\u12"', 9, "\\u12"),
        ('"\\UFFFFFFFF"', 8, "\\UFFFFFFFF"),
        ('"ok ${"in\\z"}"', 16, "\\z"),
    ],
    ids=["q", "windows path", "dollar", "short u", "out of range U", "in an interpolation"],
)
def test_an_invalid_escape_is_refused_at_its_column(tmp_path, literal, col, shown):
    assert errors(tmp_path, HEADER + f"locals {{\n  v = {literal}\n}}\n") == [
        f'main.hcl:5:{col}: error: invalid escape sequence "{shown}" in a string; the escapes are \\n \\t \\r \\" \\\\ \\uNNNN \\UNNNNNNNN; write \\\\ for a backslash'
    ]


@pytest.mark.parametrize(
    ("literal", "shown"), [('"a\\uD800b"', "\\uD800"), ('"\\U0000DC00"', "\\U0000DC00")]
)
def test_a_lone_surrogate_escape_is_refused_as_an_invalid_escape(tmp_path, literal, shown):
    col = 7 + literal.index("\\")
    assert errors(tmp_path, HEADER + f"locals {{\n  v = {literal}\n}}\n") == [
        f'main.hcl:5:{col}: error: invalid escape sequence "{shown}" in a string; the escapes are \\n \\t \\r \\" \\\\ \\uNNNN \\UNNNNNNNN; write \\\\ for a backslash'
    ]


def test_the_valid_escapes_keep_working(tmp_path):
    body = 'vm "a" {\n  annotation = "t\\tn\\nq\\"b\\\\r\\r\\u00e9\\U0001F600"\n}\n'
    assert vms(tmp_path, body)["a"].annotation == 't\tn\nq"b\\r\r\u00e9\U0001f600'


def test_a_value_vcenter_cannot_hold_fails_validate_with_exit_1(tmp_path):
    (tmp_path / "main.hcl").write_text(
        HEADER
        + 'datacenter "DC0" {\n  cluster "C0" {\n    vm "a" {\n      folder = "../x"\n    }\n  }\n}\n'
    )
    result = run_vcplan("validate", str(tmp_path))
    assert result.code == 1
    assert result.stderr.startswith(f"{tmp_path}/main.hcl:7:16: error: folder '../x'")
    assert "Traceback" not in result.output
