"""Random and mutated configurations yield a model or diagnostics, never another exception;
fmt on anything that parses is idempotent and keeps it parseable."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.config import load_config
from planner.config.fmt import format_source
from planner.model import DesiredConfig
from planner.model.diagnostics import DiagnosticError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SOURCES = [
    p.read_text() for p in sorted(EXAMPLES.glob("*/*.hcl")) if not p.name.endswith(".vars.hcl")
]
SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HCL_BITS = list('{}[]()"=.,:?!<>+-*/%$#\n ') + [
    "${",
    "}",
    "count.index",
    "each.key",
    "var.x",
    "local.y",
    "for",
    "in",
    "if",
    "=>",
    "...",
    "<<EOT\n",
    "\nEOT\n",
    "null",
    "true",
    "0",
    "-1",
    "1e400",
    "9" * 30,
    "cpus",
    "vm",
    "\\",
    "%{",
]


def outcome(text: str) -> DesiredConfig | DiagnosticError:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "main.hcl").write_text(text)
        try:
            return load_config(Path(tmp), env={})
        except DiagnosticError as exc:
            assert exc.diagnostics, "a DiagnosticError must carry diagnostics"
            return exc


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate", "replace"]))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif kind == "insert":
            text = text[:at] + draw(st.sampled_from(HCL_BITS)) + text[at:]
        elif kind == "duplicate":
            end = min(len(text), at + draw(st.integers(1, 80)))
            text = text[:end] + text[at:end] + text[end:]
        else:
            text = text[:at] + draw(st.sampled_from(HCL_BITS)) + text[at + 1 :]
    return text


VALUES = st.recursive(
    st.one_of(
        st.integers(-5, 5000).map(str),
        st.sampled_from(
            [
                '"on"',
                '"off"',
                '"x"',
                '""',
                "true",
                "null",
                "1.5",
                "count.index",
                "each.key",
                "var.v",
                "local.l",
                '"${count.index}"',
                "[]",
                "{}",
            ]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.tuples(inner, st.sampled_from(["+", "*", "/", "==", "&&", "%"]), inner).map(" ".join),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        st.tuples(
            st.sampled_from(
                [
                    "length",
                    "tostring",
                    "upper",
                    "toset",
                    "flatten",
                    "max",
                    "format",
                    "lookup",
                    "range",
                ]
            ),
            inner,
        ).map(lambda t: f"{t[0]}({t[1]})"),
        inner.map(lambda x: f"[for i in {x} : i]"),
    ),
    max_leaves=6,
)
ATTRS = st.sampled_from(
    [
        "cpus",
        "memory_mb",
        "power",
        "name",
        "count",
        "for_each",
        "host",
        "folder",
        "depends_on",
        "cores_per_socket",
        "attributes",
        "annotation",
        "memroy",
        "shutdown_timeout",
    ]
)


@st.composite
def generated(draw: st.DrawFn) -> str:
    lines = [
        'vcplan {\n  workspace = "w"\n}',
        'variable "v" {\n  default = 2\n}',
        f"locals {{\n  l = {draw(VALUES)}\n}}",
        'datacenter "DC0" {',
        '  cluster "C0" {',
    ]
    for i in range(draw(st.integers(0, 3))):
        lines.append(f'    vm "vm{i}" {{')
        for name, value in draw(st.lists(st.tuples(ATTRS, VALUES), max_size=5)):
            lines.append(f"      {name} = {value}")
        for block in draw(
            st.lists(st.sampled_from(["disk", "network_interface", "lifecycle"]), max_size=2)
        ):
            key = {
                "disk": "size_gb",
                "network_interface": "network",
                "lifecycle": "ignore_changes",
            }[block]
            lines.append(f"      {block} {{\n        {key} = {draw(VALUES)}\n      }}")
        lines.append("    }")
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(mutated())
def test_a_mutated_example_yields_a_model_or_diagnostics(text):
    assert isinstance(outcome(text), DesiredConfig | DiagnosticError)


@SETTINGS
@given(generated())
def test_a_generated_configuration_yields_a_model_or_diagnostics(text):
    result = outcome(text)
    assert isinstance(result, DesiredConfig | DiagnosticError)
    if isinstance(result, DiagnosticError):
        assert all(d.pos is not None for d in result.diagnostics)


@SETTINGS
@given(st.one_of(mutated(), generated()))
def test_fmt_of_anything_that_parses_is_idempotent(text):
    try:
        once = format_source(text)
    except DiagnosticError:
        return
    assert format_source(once) == once
