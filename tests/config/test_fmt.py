"""`vcplan fmt`: canonical layout, comments kept, idempotent; --check lists and exits 1."""

from __future__ import annotations

import textwrap

import pytest

from planner.config.fmt import format_source
from planner.model.diagnostics import DiagnosticError


def fmt(text: str) -> str:
    return format_source(textwrap.dedent(text).lstrip("\n"))


def test_indents_two_spaces_per_block_level():
    assert fmt('datacenter "D" {\ncluster "C" {\n        vm "a" {\n}\n}\n}\n') == (
        'datacenter "D" {\n  cluster "C" {\n    vm "a" {\n    }\n  }\n}\n'
    )


def test_aligns_equals_within_a_run_of_attributes():
    assert fmt('vm "a" {\ncpus=1\nmemory_mb   =  4\n\nname = "x"\n}\n') == (
        'vm "a" {\n  cpus      = 1\n  memory_mb = 4\n\n  name = "x"\n}\n'
    )


def test_a_multiline_value_ends_the_alignment_run():
    assert fmt("locals {\n  a = 1\n  long = {\n  x = 1\n  }\n}\n") == (
        "locals {\n  a = 1\n  long = {\n    x = 1\n  }\n}\n"
    )


def test_spaces_operators_commas_and_braces():
    assert fmt(
        'x = {\na=[1,2]\nb={k="v"}\nc=f(1,-2)*3\nd=a.b[0]\ne=[for v in l:v if v>0]\n}\n'
    ) == (
        'x = {\n  a = [1, 2]\n  b = { k = "v" }\n  c = f(1, -2) * 3\n  d = a.b[0]\n'
        "  e = [for v in l : v if v > 0]\n}\n"
    )


def test_keeps_comments_and_strings_verbatim():
    text = '# top\nvcplan { # why\n  workspace = "a  b" // note\n  /* keep */\n}\n'
    assert fmt(text) == text


def test_leaves_heredocs_untouched():
    text = "locals {\n  a = <<EOT\n   x   y\nEOT\n  b = 1\n}\n"
    assert fmt(text) == text


def test_is_idempotent_on_messy_input():
    once = fmt("\n\nlocals {\na=1 # c\n  bb    = [\n1,\n2\n]\n}\n\n\n")
    assert format_source(once) == once


def test_a_syntax_error_is_a_diagnostic():
    with pytest.raises(DiagnosticError) as caught:
        format_source("a = {\n", "f.hcl")
    assert str(caught.value.diagnostics[0].pos) == "f.hcl:1:6"
