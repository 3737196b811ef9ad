# ruff: noqa: E501  (expected diagnostics are clearer on one line)
"""The evaluator on single expressions: each construct and function gives Terraform's value."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from planner.config.context import Context, EvalError
from planner.config.evaluate import evaluate
from planner.config.syntax import parse_expression


def value(text: str, **variables: object) -> object:
    return evaluate(parse_expression(text, "e.hcl"), Context(variables=variables))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 / 2", 3.5),
        ("8 / 2", 4),
        ("-3 % 2", -1),
        ("7 % 3", 1),
        ('"${2}"', 2),
        ('"n-${1 + 1}"', "n-2"),
        ('"$${literal}"', "${literal}"),
        ('"a\\tb\\u00e9"', "a\tb\u00e9"),
        ('"%{ if true }y%{ else }n%{ endif }"', "y"),
        ('"%{ for n in ["a", "b"] }${n}.%{ endfor }"', "a.b."),
        ("1 == 1.0", True),
        ('true == "true"', False),
        ("[1, [2]] == [1, [2]]", True),
        ("false || !false && 2 >= 2", True),
        ("null == null ? 1 : 2", 1),
        ("[for i, v in ['a', 'b'] : i]".replace("'", '"'), [0, 1]),
        ("{ for k, v in { b = 1, a = 2 } : v => k }", {"1": "b", "2": "a"}),
        ('{ for v in ["x", "y", "x"] : v => v... }', {"x": ["x", "x"], "y": ["y"]}),
        ("[{ a = 1 }, { a = 2 }][*].a", [1, 2]),
        ("{ a = [10, 20] }.a.1", 20),
        ("max([3, 9, 2]...)", 9),
        ('format("%05d|%-3s|%.1f|%q|%%", 42, "ab", 2.25, "q")', '00042|ab |2.2|"q"|%'),
        ('formatlist("n-%s", ["a", "b"])', ["n-a", "n-b"]),
        ('replace("a1b22", "/[0-9]+/", "#")', "a#b#"),
        ('split(",", "a,b")', ["a", "b"]),
        ('substr("hello", 1, 3)', "ell"),
        ('title("web server")', "Web Server"),
        ("element([1, 2], 3)", 2),
        ('distinct(["a", "a", "b"])', ["a", "b"]),
        ('sort(["b", "a"])', ["a", "b"]),
        ('zipmap(["a"], [1])', {"a": 1}),
        ('toset(["b", "a", "b"]) == toset(["a", "b"])', True),
        ("sum([1, 2.5])", 3.5),
        ('try(1 / 0, "fallback")', "fallback"),
        ("can([][0])", False),
        ("jsonencode({ b = [1, true], a = null })", '{"a":null,"b":[1,true]}'),
        ('jsondecode("{\\"a\\": 1}")', {"a": 1}),
        ('coalesce(null, "", "x")', "x"),
        ("var.n + 1", 3),
        ('lookup({ a = 1 }, "a")', 1),
    ],
)
def test_expression_value(text, expected):
    assert value(text, n=2) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", 'e.hcl:1:5: error: unknown name "x"; to write a string, quote it: "x"'),
        ("var", "e.hcl:1:5: error: var must be followed by an attribute, like var.name"),
        (
            "count.index",
            "e.hcl:1:5: error: count.index is not available: it is only set in a vm block with count",
        ),
        ("each.name", "e.hcl:1:5: error: each has only each.key and each.value (got each.name)"),
        ("{ a = 1 }.b", 'e.hcl:1:5: error: no attribute "b" in this map'),
        ('{ a = 1 }["c"]', 'e.hcl:1:15: error: no key "c" in this map'),
        ("true ? 1", None),
        ('!"x"', 'e.hcl:1:6: error: the operand of !: expected true or false, got "x"'),
        ('1 < "a"', 'e.hcl:1:9: error: operator < needs numbers, got "a"'),
        ('"a" ? 1 : 2', 'e.hcl:1:5: error: the condition: expected true or false, got "a"'),
        ("[for x in 5 : x]", "e.hcl:1:15: error: a for expression needs a list, map or set, got 5"),
        (
            '{ for x in ["a", "a"] : x => 1 }',
            'e.hcl:1:29: error: two items have the key "a"; add ... after the value to group items by key',
        ),
        ('"${null}"', None),
        (
            "length(1)",
            "e.hcl:1:5: error: length(): length() needs a string, list, map or set, got a number",
        ),
        (
            "upper()",
            "e.hcl:1:5: error: upper(): wrong number of arguments (0); usage: upper(string)",
        ),
        (
            "toset([[1]])",
            "e.hcl:1:5: error: toset(): a set can hold only strings, numbers and bools",
        ),
    ],
)
def test_expression_error(text, message):
    from planner.model.diagnostics import DiagnosticError

    try:
        value(text)
    except EvalError as exc:
        if message:
            assert exc.diagnostic.headline() == message
        return
    except DiagnosticError:
        assert message is None  # a syntax error: reported by the parser
        return
    if message is not None:
        raise AssertionError(f"{text} evaluated without error")


def test_with_where_changes_where_and_keeps_every_other_field():
    ctx = Context(**{f.name: object() for f in fields(Context)})
    assert ctx.with_where('in vm "a"') == replace(ctx, where='in vm "a"')
