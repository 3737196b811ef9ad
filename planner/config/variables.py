"""Input variables: `variable` blocks, their type constraints, and values from every source.

Sources, later ones winning (as in Terraform): the default, `VCPLAN_VAR_<name>`, each
`--var-file` in order, each `--var name=value` in order. Every value is converted to the declared
type; a variable left without a value is an error at its block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.config.context import Context, EvalError, did_you_mean
from planner.config.evaluate import evaluate
from planner.config.files import read_config_file
from planner.config.syntax import (
    Attribute,
    Block,
    Call,
    Expr,
    Literal,
    Name,
    ObjectExpr,
    Template,
    TupleExpr,
    parse_body,
    parse_expression,
)
from planner.config.values import (
    ConversionError,
    describe,
    to_bool,
    to_list,
    to_map,
    to_number,
    to_set,
    to_string,
)
from planner.model import Pos
from planner.model.diagnostics import Diagnostic, DiagnosticError

ENV_PREFIX = "VCPLAN_VAR_"


@dataclass(frozen=True, slots=True)
class TypeSpec:
    kind: str  # any, string, number, bool, list, set, map, object, tuple
    elem: TypeSpec | None = None
    fields: Mapping[str, TypeSpec] = field(default_factory=dict)
    items: tuple[TypeSpec, ...] = ()

    def __str__(self) -> str:
        if self.kind in ("list", "set", "map"):
            return f"{self.kind}({self.elem})"
        if self.kind == "object":
            return "object({" + ", ".join(f"{k} = {v}" for k, v in self.fields.items()) + "})"
        if self.kind == "tuple":
            return "tuple([" + ", ".join(str(i) for i in self.items) + "])"
        return self.kind


ANY = TypeSpec("any")
_PRIMITIVES = ("any", "string", "number", "bool")
_COLLECTIONS = ("list", "set", "map")


def parse_type(expr: Expr) -> TypeSpec:
    """`string`, `list(number)`, `map(string)`, `object({a = string})`, `tuple([...])`, `any`."""
    if isinstance(expr, Name) and expr.name in _PRIMITIVES:
        return TypeSpec(expr.name)
    if isinstance(expr, Name) and expr.name in _COLLECTIONS:
        return TypeSpec(expr.name, ANY)
    if isinstance(expr, Call) and expr.name in _COLLECTIONS and len(expr.args) == 1:
        return TypeSpec(expr.name, parse_type(expr.args[0]))
    if isinstance(expr, Call) and expr.name == "object" and len(expr.args) == 1:
        arg = expr.args[0]
        if isinstance(arg, ObjectExpr):
            fields = {}
            for key, value in arg.items:
                if not isinstance(key, Literal) or not isinstance(key.value, str):
                    raise EvalError("object attribute names must be plain names", key.pos)
                fields[key.value] = parse_type(value)
            return TypeSpec("object", fields=fields)
    if isinstance(expr, Call) and expr.name == "tuple" and len(expr.args) == 1:
        arg = expr.args[0]
        if isinstance(arg, TupleExpr):
            return TypeSpec("tuple", items=tuple(parse_type(i) for i in arg.items))
    raise EvalError(
        "invalid type",
        expr.pos,
        "use string, number, bool, list(T), set(T), map(T), object({...}), tuple([...]) or any",
    )


def convert(value: Any, spec: TypeSpec) -> Any:
    """Terraform's conversions: "3" -> 3 for a number, a list -> a set, and so on."""
    if value is None or spec.kind == "any":
        return value
    if spec.kind == "string":
        if isinstance(value, list | dict | frozenset):
            raise ConversionError(f"expected a string, got {describe(value)}")
        return to_string(value)
    if spec.kind == "number":
        return to_number(value)
    if spec.kind == "bool":
        return to_bool(value)
    if spec.kind in ("list", "set"):
        assert spec.elem is not None
        items = [_at(i, convert, item, spec.elem) for i, item in enumerate(to_list(value))]
        return to_set(items) if spec.kind == "set" else items
    if spec.kind == "map":
        assert spec.elem is not None
        return {k: _at(k, convert, v, spec.elem) for k, v in to_map(value).items()}
    if spec.kind == "object":
        mapping = to_map(value)
        missing = [k for k in spec.fields if k not in mapping]
        if missing:
            raise ConversionError(f"attribute {missing[0]!r} is required".replace("'", '"'))
        return {k: _at(k, convert, mapping[k], t) for k, t in spec.fields.items()}
    items = to_list(value)
    if len(items) != len(spec.items):
        raise ConversionError(f"expected a tuple of {len(spec.items)} items, got {len(items)}")
    return [_at(i, convert, v, t) for i, (v, t) in enumerate(zip(items, spec.items, strict=True))]


def _at(where: Any, fn: Any, value: Any, spec: TypeSpec) -> Any:
    try:
        return fn(value, spec)
    except ConversionError as exc:
        label = f"[{where}]" if isinstance(where, int) else f"[{where!r}]".replace("'", '"')
        raise ConversionError(f"{label}: {exc}") from None


@dataclass(frozen=True, slots=True)
class VariableDecl:
    name: str
    pos: Pos
    type: TypeSpec
    default: Expr | None
    description: str | None


VARIABLE_ATTRIBUTES = ("type", "default", "description", "sensitive", "nullable")


def declare_variables(blocks: Sequence[Block], diags: list[Diagnostic]) -> dict[str, VariableDecl]:
    decls: dict[str, VariableDecl] = {}
    for block in blocks:
        if len(block.labels) != 1 or not _plain_label(block.labels[0]):
            diags.append(
                Diagnostic('a variable block needs one name: variable "name" { ... }', block.pos)
            )
            continue
        name = _plain_label(block.labels[0]) or ""
        if name in decls:
            diags.append(
                Diagnostic(
                    f"variable {name!r} is declared twice".replace("'", '"'),
                    block.label_pos,
                    f"first declared at {decls[name].pos}",
                )
            )
            continue
        spec, default, description = ANY, None, None
        for item in block.body.items:
            if isinstance(item, Block):
                diags.append(
                    Diagnostic(
                        f"unexpected block {item.type!r} in a variable block".replace("'", '"'),
                        item.pos,
                    )
                )
                continue
            if item.name == "type":
                try:
                    spec = parse_type(item.expr)
                except EvalError as exc:
                    diags.append(exc.diagnostic)
            elif item.name == "default":
                default = item.expr
            elif item.name == "description":
                try:
                    description = to_string(evaluate(item.expr, Context()))
                except (EvalError, ConversionError):
                    diags.append(Diagnostic("description must be a string", item.expr.pos))
            elif item.name not in VARIABLE_ATTRIBUTES:
                diags.append(_unknown(item, "variable", VARIABLE_ATTRIBUTES))
        decls[name] = VariableDecl(name, block.label_pos, spec, default, description)
    return decls


def _plain_label(expr: Expr) -> str | None:
    if isinstance(expr, Literal) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, Template) and all(isinstance(p, str) for p in expr.parts):
        return "".join(str(p) for p in expr.parts)
    return None


def _unknown(item: Attribute, block: str, allowed: Sequence[str]) -> Diagnostic:
    hint = did_you_mean(item.name, allowed)
    return Diagnostic(
        f"unknown attribute {item.name!r} in a {block} block".replace("'", '"'),
        item.name_pos,
        hint or f"allowed: {', '.join(allowed)}",
    )


def resolve_variables(
    decls: Mapping[str, VariableDecl],
    var_args: Sequence[str],
    var_files: Sequence[Path],
    env: Mapping[str, str],
    diags: list[Diagnostic],
) -> dict[str, Any]:
    """The final, typed value of every declared variable (those in error are left out)."""
    raw: dict[str, tuple[str, Any, Pos | None, str]] = {}  # name -> (kind, value, pos, source)
    for key, text in env.items():
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :] in decls:
            raw[key[len(ENV_PREFIX) :]] = ("text", text, None, f"${key}")
    for path in var_files:
        _read_var_file(path, decls, raw, diags)
    for arg in var_args:
        name, sep, text = arg.partition("=")
        name = name.strip()
        if not sep or not name:
            diags.append(Diagnostic(f"--var {arg!r}: expected name=value".replace("'", '"')))
            continue
        if name not in decls:
            hint = did_you_mean(name, decls) or "declare it with a variable block"
            diags.append(
                Diagnostic(
                    f"--var {name}: no variable named {name!r} is declared".replace("'", '"'),
                    None,
                    hint,
                )
            )
            continue
        raw[name] = ("text", text, None, f"--var {name}")

    values: dict[str, Any] = {}
    for name, decl in decls.items():
        try:
            if name in raw:
                kind, value, pos, source = raw[name]
                if kind == "text":
                    value = _from_text(value, decl.type, source)
                values[name] = _typed(value, decl, pos, source)
            elif decl.default is not None:
                value = evaluate(decl.default, Context())
                values[name] = _typed(value, decl, decl.default.pos, "the default")
            else:
                diags.append(
                    Diagnostic(
                        f"variable {name!r} has no value".replace("'", '"'),
                        decl.pos,
                        f"give it a default, or set it with --var {name}=..., a --var-file, "
                        f"or {ENV_PREFIX}{name}",
                    )
                )
        except EvalError as exc:
            diags.append(exc.diagnostic)
        except DiagnosticError as exc:
            diags.extend(exc.diagnostics)
    return values


def _typed(value: Any, decl: VariableDecl, pos: Pos | None, source: str) -> Any:
    try:
        return convert(value, decl.type)
    except ConversionError as exc:
        message = f"variable {decl.name!r} ({decl.type}): {exc}".replace("'", '"')
        if pos is None:
            raise DiagnosticError([Diagnostic(f"{source}: {message}")]) from None
        raise EvalError(message, pos) from None


def _from_text(text: str, spec: TypeSpec, source: str) -> Any:
    """A value typed on a command line or in the environment: HCL unless the type is string."""
    if spec.kind == "string":
        return text
    try:
        expr = parse_expression(text, source)
        return evaluate(expr, Context())
    except (DiagnosticError, EvalError):
        if spec.kind in _PRIMITIVES:
            return text  # let the conversion say what is wrong with it
        raise DiagnosticError(
            [
                Diagnostic(
                    f"{source}: cannot read {text!r} as {spec}".replace("'", '"'),
                    None,
                    'write it in HCL, e.g. \'["a", "b"]\' or \'{ key = "value" }\'',
                )
            ]
        ) from None


def _read_var_file(
    path: Path,
    decls: Mapping[str, VariableDecl],
    raw: dict[str, tuple[str, Any, Pos | None, str]],
    diags: list[Diagnostic],
) -> None:
    text = read_config_file(path, "--var-file ")
    if isinstance(text, Diagnostic):
        diags.append(text)
        return
    try:
        body = parse_body(text, str(path))
    except DiagnosticError as exc:
        diags.extend(exc.diagnostics)
        return
    for item in body.items:
        if isinstance(item, Block):
            diags.append(Diagnostic("a variables file holds only name = value lines", item.pos))
            continue
        if item.name not in decls:
            hint = did_you_mean(item.name, decls) or "declare it with a variable block"
            diags.append(
                Diagnostic(
                    f"no variable named {item.name!r} is declared".replace("'", '"'),
                    item.name_pos,
                    hint,
                )
            )
            continue
        try:
            raw[item.name] = ("value", evaluate(item.expr, Context()), item.expr.pos, str(path))
        except EvalError as exc:
            diags.append(exc.diagnostic)
