# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Functions for guest data: file and templatefile (under the configuration's directory),
base64encode, base64decode, yamlencode; errors at the call's file:line:col."""

from __future__ import annotations

import base64

from tests.config.helpers import HEADER, errors, load


def _annotation(tmp_path, expr: str, top: str = "") -> str:
    text = (
        HEADER
        + top
        + f'datacenter "DC0" {{\n  cluster "C0" {{\n    vm "a" {{\n      annotation = {expr}\n    }}\n  }}\n}}\n'
    )
    (vm,) = load(tmp_path, text).vms
    return vm.annotation or ""


def _errors(tmp_path, expr: str) -> list[str]:
    text = (
        HEADER
        + f'datacenter "DC0" {{\n  cluster "C0" {{\n    vm "a" {{\n      annotation = {expr}\n    }}\n  }}\n}}\n'
    )
    return errors(tmp_path, text)


def test_base64encode_encodes_the_strings_utf8_bytes(tmp_path):
    assert (
        _annotation(tmp_path, 'base64encode("héllo")')
        == base64.b64encode("héllo".encode()).decode()
    )


def test_base64decode_reverses_base64encode(tmp_path):
    assert _annotation(tmp_path, 'base64decode(base64encode("a\\nb"))') == "a\nb"


def test_base64decode_of_invalid_base64_is_an_error_at_the_call(tmp_path):
    assert _errors(tmp_path, 'base64decode("%%%")') == [
        "main.hcl:7:20: error: base64decode(): the argument is not valid base64"
    ]


def test_yamlencode_writes_block_style_with_sorted_keys(tmp_path):
    got = _annotation(tmp_path, 'yamlencode({ users = ["a", "b"], hostname = "x: y" })')
    assert got == "hostname: 'x: y'\nusers:\n- a\n- b\n"


def test_file_reads_a_file_relative_to_the_configuration(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "motd.txt").write_text("hello\n")
    assert _annotation(tmp_path, 'file("data/motd.txt")') == "hello\n"


def test_a_missing_file_is_an_error_at_the_call(tmp_path):
    (got,) = _errors(tmp_path, 'file("nope.txt")')
    assert got.startswith("main.hcl:7:20: error: file(): no file 'nope.txt'")


def test_a_relative_path_escaping_the_directory_is_an_error_at_the_call(tmp_path):
    config = tmp_path / "cfg"
    config.mkdir()
    (tmp_path / "secret.txt").write_text("x")
    (got,) = _errors(config, 'file("../secret.txt")')
    assert got.startswith(
        "main.hcl:7:20: error: file(): '../secret.txt' is outside the configuration's directory"
    )


def test_an_absolute_path_is_read_as_written(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("abs")
    config = tmp_path / "cfg"
    config.mkdir()
    assert _annotation(config, f'file("{elsewhere}")') == "abs"


def test_templatefile_sees_only_its_variables(tmp_path):
    (tmp_path / "t.tpl").write_text("name: ${name}\n%{ for k in keys ~}\n- ${k}\n%{ endfor ~}\n")
    got = _annotation(tmp_path, 'templatefile("t.tpl", { name = "app", keys = ["a", "b"] })')
    assert got == "name: app\n- a\n- b\n"


def test_an_error_inside_a_template_points_into_the_template_file(tmp_path):
    (tmp_path / "t.tpl").write_text("line one\nname: ${nmae}\n")
    (got,) = _errors(tmp_path, 'templatefile("t.tpl", { name = "app" })')
    assert got.startswith("t.tpl:2:9: error: "), got


def test_templatefile_needs_a_map_of_variables(tmp_path):
    (tmp_path / "t.tpl").write_text("x")
    (got,) = _errors(tmp_path, 'templatefile("t.tpl", "name")')
    assert got.startswith("main.hcl:7:20: error: templatefile(): the second argument must be a map")


def test_a_strip_marker_drops_the_whitespace_beside_a_directive_in_a_heredoc(tmp_path):
    names = 'locals {\n  names = ["a", "b"]\n}\n'
    expr = "<<EOT\n%{ for n in local.names ~}\n${n},\n%{ endfor ~}\nEOT"
    assert _annotation(tmp_path, expr, names) == "a,\nb,\n"
