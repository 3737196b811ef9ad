# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Variables: declared types, defaults, and values from --var, --var-file and VCPLAN_VAR_<name>."""

from __future__ import annotations

from tests.config.helpers import HEADER, errors, load, write

DECLS = (
    HEADER
    + """
variable "n" {
  type    = number
  default = 1
}
variable "names" {
  type    = list(string)
  default = []
}
variable "env" {
  type    = string
  default = "dev"
}
"""
)


def ws(config):
    return config.workspace


def with_workspace(text: str) -> str:
    return text.replace(
        'workspace = "test"', 'workspace = "${var.env}-${var.n}-${join(",", var.names)}"'
    )


def test_defaults_apply_when_nothing_is_set(tmp_path):
    assert ws(load(tmp_path, with_workspace(DECLS))) == "dev-1-"


def test_var_option_is_converted_to_the_declared_type(tmp_path):
    config = load(tmp_path, with_workspace(DECLS), var_args=["n=3", 'names=["a", "b"]', "env=prod"])
    assert ws(config) == "prod-3-a,b"


def test_string_variables_take_the_raw_text(tmp_path):
    assert ws(load(tmp_path, with_workspace(DECLS), var_args=['env=["not a list"]'])).startswith(
        '["not a list"]-'
    )


def test_environment_values_are_read(tmp_path):
    config = load(
        tmp_path, with_workspace(DECLS), env={"VCPLAN_VAR_env": "ci", "VCPLAN_VAR_n": "7"}
    )
    assert ws(config) == "ci-7-"


def test_var_file_values_win_over_environment_and_var_wins_over_var_file(tmp_path):
    varfile = write(tmp_path, 'env = "file"\nn = 5\n', name="x.vars.hcl")
    config = load(
        tmp_path,
        with_workspace(DECLS),
        var_args=["n=9"],
        var_files=[varfile],
        env={"VCPLAN_VAR_env": "e"},
    )
    assert ws(config) == "file-9-"


def test_a_variable_without_default_or_value_is_an_error_at_its_block(tmp_path):
    assert errors(tmp_path, HEADER + 'variable "size" {\n  type = number\n}\n') == [
        'main.hcl:4:10: error: variable "size" has no value; give it a default, or set it with '
        "--var size=..., a --var-file, or VCPLAN_VAR_size"
    ]


def test_a_wrong_typed_var_option_names_the_option(tmp_path):
    assert errors(tmp_path, DECLS, var_args=["n=many"]) == [
        'error: --var n: variable "n" (number): expected a number, got "many"'
    ]


def test_a_wrong_typed_default_points_at_the_default(tmp_path):
    text = HEADER + 'variable "n" {\n  type    = number\n  default = "x"\n}\n'
    assert errors(tmp_path, text) == [
        'main.hcl:6:13: error: variable "n" (number): expected a number, got "x"'
    ]


def test_unknown_var_option_suggests_a_declared_name(tmp_path):
    assert errors(tmp_path, DECLS, var_args=["nmaes=[]"]) == [
        'error: --var nmaes: no variable named "nmaes" is declared; did you mean "names"?'
    ]


def test_unknown_name_in_a_var_file_points_into_that_file(tmp_path):
    varfile = write(tmp_path, "# values\nenvv = 1\n", name="x.vars.hcl")
    assert errors(tmp_path, DECLS, var_files=[varfile]) == [
        'x.vars.hcl:2:1: error: no variable named "envv" is declared; did you mean "env"?'
    ]


def test_object_and_map_types_convert_nested_values(tmp_path):
    text = HEADER + (
        'variable "dbs" {\n  type    = map(object({ cpus = number }))\n'
        '  default = { a = { cpus = "2" } }\n}\n'
        'datacenter "D" {\n  cluster "C" {\n    vm "x" {\n      cpus = var.dbs.a.cpus\n    }\n  }\n}\n'
    )
    assert load(tmp_path, text).vms[0].cpus == 2


def test_a_nested_type_error_says_where_inside_the_value(tmp_path):
    text = HEADER + 'variable "l" {\n  type    = list(number)\n  default = [1, "x"]\n}\n'
    assert errors(tmp_path, text) == [
        'main.hcl:6:13: error: variable "l" (list(number)): [1]: expected a number, got "x"'
    ]


def test_an_invalid_type_is_an_error(tmp_path):
    text = HEADER + 'variable "l" {\n  type    = lists(string)\n  default = []\n}\n'
    assert errors(tmp_path, text)[0].startswith("main.hcl:5:13: error: invalid type; use string,")
