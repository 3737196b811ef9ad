# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""Nothing a configuration computes can hang or explode (docs/language.md#limits): regular
expressions run on RE2 (linear time, Terraform's syntax), and every string a function or a
template builds is bounded, checked before it is built."""

from __future__ import annotations

import pytest

from planner.config.context import Context, EvalError
from planner.config.evaluate import evaluate
from planner.config.limits import MAX_STRING
from planner.config.syntax import parse_expression
from tests.config.helpers import HEADER, errors

CATASTROPHIC = 'regex("^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")'


def value(text: str) -> object:
    return evaluate(parse_expression(text, "e.hcl"), Context())


def error(text: str) -> str:
    with pytest.raises(EvalError) as caught:
        value(text)
    return caught.value.diagnostic.headline()


def locals_errors(tmp_path, expression: str) -> list[str]:
    return errors(tmp_path, HEADER + f"locals {{\n  v = {expression}\n}}\n")


# --- regular expressions ---


def test_a_catastrophic_pattern_does_not_hang_validate(tmp_path):
    # Python's backtracking engine would run this for longer than the universe has existed.
    assert locals_errors(tmp_path, CATASTROPHIC) == [
        "main.hcl:5:7: error: regex(): the pattern did not match; use can(regex(...)) to test a match"
    ]


def test_a_catastrophic_pattern_is_answered_by_can_and_regexall():
    assert value(f"can({CATASTROPHIC})") is False
    assert value('regexall("(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")') == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('regex("[a-z]+", "12web34")', "web"),
        ('regex("([a-z]+)-(\\\\d+)", "web-12")', ["web", "12"]),
        ('regex("(?P<role>[a-z]+)-(?P<n>\\\\d+)", "web-12")', {"role": "web", "n": "12"}),
        ('regexall("[0-9]+", "a1b22")', ["1", "22"]),
        ('regexall("([a-z])([0-9])", "a1b2")', [["a", "1"], ["b", "2"]]),
        ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
        ('replace("web-12", "/([a-z]+)-(\\\\d+)/", "$2-$1")', "12-web"),
        ('replace("web-12", "/(?P<role>[a-z]+)-\\\\d+/", "$${role}!")', "web!"),
    ],
)
def test_regex_functions_give_terraforms_results(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a)\\\\1", "invalid escape sequence: \\1"),
        ("a(?=b)", "invalid perl operator: (?="),
        ("(?<!b)a", "invalid perl operator: (?<!"),
    ],
)
def test_a_python_only_pattern_says_re2_syntax_is_expected(pattern, reason):
    shown = pattern.replace("\\\\", "\\\\")
    assert error(f'regex("{pattern}", "ab")') == (
        f'e.hcl:1:5: error: regex(): invalid regular expression "{shown}": {reason}; '
        "patterns are RE2 syntax, as in Terraform: no backreferences (\\1) or lookaround ((?=...), (?<=...)); see docs/language.md#regular-expressions"
    )


def test_a_malformed_pattern_is_an_error_at_the_call_in_replace_too(tmp_path):
    assert locals_errors(tmp_path, 'replace("x", "/(/", "y")') == [
        'main.hcl:5:7: error: replace(): invalid regular expression "(": missing ): ('
    ]


# --- string results ---


def test_a_huge_format_width_is_refused_before_anything_is_built(tmp_path):
    assert locals_errors(tmp_path, 'format("%999999999d", 1)') == [
        "main.hcl:5:7: error: format(): the width in '%999999999d' is larger than 1024; give a width of at most 1024"
    ]


def test_a_huge_format_precision_is_refused(tmp_path):
    assert locals_errors(tmp_path, 'formatlist("%.99999f", [1])') == [
        "main.hcl:5:7: error: formatlist(): the precision in '%.99999f' is larger than 1024; give a precision of at most 1024"
    ]


def test_a_format_width_within_the_bound_still_pads():
    assert value('format("%1024d", 7)') == " " * 1023 + "7"


KIB_4 = 'join("", [for j in range(4) : format("%1024s", "a")])'  # 4 KiB
KIB_10 = 'join("", [for j in range(10) : format("%1024s", "x")])'  # 10 KiB


@pytest.mark.parametrize(
    "expression",
    [
        f'join(",", [for i in range(1024) : {KIB_10}])',
        f'replace({KIB_4}, "", {KIB_4})',
        f'replace({KIB_4}, "/x?/", {KIB_4})',
        f"jsonencode([for i in range(1024) : {KIB_10}])",
        f'format("%s%s", {KIB_4}, [for i in range(1024) : {KIB_10}])',
    ],
    ids=["join", "replace", "replace-regex", "jsonencode", "format"],
)
def test_a_function_result_past_the_string_limit_is_refused(tmp_path, expression):
    (diag,) = locals_errors(tmp_path, expression)
    assert diag.startswith("main.hcl:5:7: error: ")
    assert f"more than the limit of {MAX_STRING:,}" in diag
    assert diag.endswith("vcplan builds strings of at most 8 MiB; no VM setting holds more")


def test_a_template_past_the_string_limit_is_refused(tmp_path):
    loop = f'"%{{ for i in range(1024) }}${{{KIB_10}}}%{{ endfor }}"'
    (diag,) = locals_errors(tmp_path, loop)
    assert diag.startswith(
        "main.hcl:5:7: error: this string: the result would be 10,485,760 characters"
    )


# --- totals: many strings, each within the limit ---

MIB = 'join("", [for i in range(1024) : format("%1024s", "x")])'


def big_local_errors(tmp_path, expression: str) -> list[str]:
    """`local.big` is 7 MiB: under the per-string limit, 200 of it far over the total."""
    return errors(
        tmp_path,
        HEADER + f'locals {{\n  mib = {MIB}\n  big = join("", [for i in range(7) : local.mib])\n'
        f"  v = {expression}\n}}\n",
    )


def test_formatlist_building_more_than_the_total_budget_is_refused_at_the_call(tmp_path):
    assert big_local_errors(tmp_path, 'formatlist("${local.big}%d", range(200))') == [
        "main.hcl:7:7: error: formatlist(): this expression builds more than 67,108,864 characters of strings in total; vcplan builds at most 64 MiB of strings per expression; build fewer or shorter ones"
    ]


def test_a_for_expression_of_templates_building_more_than_the_total_budget_is_refused(tmp_path):
    assert big_local_errors(tmp_path, '[for i in range(200) : "${local.big}${i}"]') == [
        "main.hcl:7:30: error: this string: this expression builds more than 67,108,864 characters of strings in total; vcplan builds at most 64 MiB of strings per expression; build fewer or shorter ones"
    ]


def test_a_template_loop_over_more_items_than_the_bound_is_refused(tmp_path):
    loop = '"%{ for i in flatten([for j in range(1000) : range(101)]) }x%{ endfor }"'
    assert locals_errors(tmp_path, loop) == [
        "main.hcl:5:20: error: a for expression or %{for} loop over more than 100000 items (got 101000)"
    ]


def test_a_for_expression_over_more_items_than_the_bound_is_refused(tmp_path):
    loop = "[for i in flatten([for j in range(1000) : range(101)]) : i]"
    assert locals_errors(tmp_path, loop) == [
        "main.hcl:5:17: error: a for expression or %{for} loop over more than 100000 items (got 101000)"
    ]
