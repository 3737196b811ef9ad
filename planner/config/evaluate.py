"""Expressions -> values: literals, templates, var/local/count/each, operators, for, functions.

An error stops the one expression it is in and becomes a Diagnostic at the sub-expression that
caused it (an EvalError); the caller collects them so every error of a run is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeGuard

from planner.config.context import Context, EvalError, did_you_mean
from planner.config.functions import FUNCTIONS, call_function
from planner.config.functions_guest import (
    FILE_FUNCTIONS,
    read_config_file,
    template_vars,
)
from planner.config.limits import MAX_ITEMS, EvaluationBudget, charge
from planner.config.syntax import (
    Binary,
    Call,
    Conditional,
    Expr,
    ForExpr,
    GetAttr,
    Index,
    Literal,
    Name,
    ObjectExpr,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TemplatePart,
    TupleExpr,
    Unary,
    parse_template,
)
from planner.config.values import (
    ConversionError,
    describe,
    equal,
    normalize_number,
    show,
    sorted_set,
    to_bool,
    to_list,
    to_number,
    to_string,
    type_name,
)
from planner.model import Pos
from planner.model.diagnostics import DiagnosticError


def evaluate(expr: Expr, ctx: Context) -> Any:
    """The value of `expr`, with one budget for the strings it builds (limits.py). A literal
    builds none and a text-only template ("on") one, which check_size bounds below any budget
    of its own: most values of a configuration need not open one."""
    if type(expr) is Literal:
        return expr.value
    if type(expr) is Template and _text_only(expr.parts):
        return _joined(expr.parts, expr.pos)
    try:
        with EvaluationBudget():
            return _eval(expr, ctx)
    except RecursionError:
        raise EvalError("expression nested too deeply", expr.pos) from None


def _text_only(parts: tuple[TemplatePart, ...]) -> TypeGuard[tuple[str, ...]]:
    return all(type(part) is str for part in parts)


def _eval(expr: Expr, ctx: Context) -> Any:
    match expr:
        case Literal(value=value):
            return value
        case Template(parts=parts):
            return _template(parts, ctx, expr.pos)
        case Name():
            return _name(expr, ctx)
        case GetAttr(obj=Name(name=root), name=attr) if root not in ctx.names and root in _ROOTS:
            return _reference(root, attr, expr.pos, ctx)
        case GetAttr(obj=obj, name=attr):
            return _get_attr(_eval(obj, ctx), attr, expr.pos)
        case Index(obj=obj, key=key):
            return _index(_eval(obj, ctx), _eval(key, ctx), key.pos)
        case Splat(obj=obj, steps=steps):
            return _splat(_eval(obj, ctx), steps, ctx, expr.pos)
        case TupleExpr(items=items):
            return [_eval(i, ctx) for i in items]
        case ObjectExpr(items=items):
            out: dict[str, Any] = {}
            for key_expr, value_expr in items:
                key = _eval(key_expr, ctx)
                out[_as(to_string, key, key_expr.pos, "an object key")] = _eval(value_expr, ctx)
            return out
        case ForExpr():
            return _for(expr, ctx)
        case Binary():
            return _binary(expr, ctx)
        case Unary(op=op, operand=operand):
            value = _eval(operand, ctx)
            if op == "!":
                return not _as(to_bool, value, operand.pos, "the operand of !")
            return normalize_number(-_as(to_number, value, operand.pos, "the operand of -"))
        case Conditional(cond=cond, then=then, otherwise=otherwise):
            chosen = _as(to_bool, _eval(cond, ctx), cond.pos, "the condition")
            return _eval(then if chosen else otherwise, ctx)
        case Call():
            return _call(expr, ctx)
    raise EvalError("unsupported expression", expr.pos)


_ROOTS = ("var", "local", "count", "each")


def _as(convert: Callable[[Any], Any], value: Any, pos: Pos, what: str) -> Any:
    try:
        return convert(value)
    except ConversionError as exc:
        raise EvalError(f"{what}: {exc}", pos) from None


def _name(expr: Name, ctx: Context) -> Any:
    if expr.name in ctx.names:
        return ctx.names[expr.name]
    if expr.name in _ROOTS:
        example = {"var": "var.name", "local": "local.name", "count": "count.index"}.get(
            expr.name, "each.key or each.value"
        )
        raise EvalError(f"{expr.name} must be followed by an attribute, like {example}", expr.pos)
    hint = did_you_mean(expr.name, [*ctx.names, "var", "local", "count", "each"])
    if hint is None and expr.name in ("string", "number", "bool", "any"):
        hint = "type names are only allowed in a variable's type"
    elif hint is None:
        hint = 'to write a string, quote it: "' + expr.name + '"'
    raise EvalError(f"unknown name {expr.name!r}".replace("'", '"'), expr.pos, hint)


def _reference(root: str, attr: str, pos: Pos, ctx: Context) -> Any:
    if root == "var":
        if attr not in ctx.variables:
            hint = did_you_mean(attr, ctx.variables)
            hint = hint.replace('"', '"var.', 1) if hint else "declare it in a variable block"
            raise EvalError(f"unknown variable var.{attr}", pos, hint)
        return ctx.variables[attr]
    if root == "local":
        if ctx.local_value is None:
            raise EvalError(f"local.{attr} cannot be used here", pos)
        return ctx.local_value(attr, pos)
    if root == "count":
        if attr != "index":
            raise EvalError(f"count has only one attribute, count.index (got count.{attr})", pos)
        if ctx.count_index is None:
            where = f" {ctx.where}" if ctx.where else ""
            raise EvalError(
                f"count.index is not available{where}: it is only set in a vm block with count",
                pos,
            )
        return ctx.count_index
    if attr not in ("key", "value"):
        raise EvalError(f"each has only each.key and each.value (got each.{attr})", pos)
    if ctx.each is None:
        where = f" {ctx.where}" if ctx.where else ""
        raise EvalError(
            f"each.{attr} is not available{where}: it is only set in a vm block with for_each",
            pos,
        )
    return ctx.each[0] if attr == "key" else ctx.each[1]


def _get_attr(value: Any, attr: str, pos: Pos) -> Any:
    if isinstance(value, dict):
        if attr not in value:
            raise EvalError(
                f"no attribute {attr!r} in this map".replace("'", '"'),
                pos,
                did_you_mean(attr, value),
            )
        return value[attr]
    raise EvalError(f"cannot read .{attr} of {describe(value)}", pos)


def _index(value: Any, key: Any, pos: Pos) -> Any:
    if isinstance(value, dict):
        name = _as(to_string, key, pos, "a map key")
        if name not in value:
            raise EvalError(f"no key {show(name)} in this map", pos, did_you_mean(name, value))
        return value[name]
    if isinstance(value, list):
        number = _as(to_number, key, pos, "a list index")
        if not isinstance(number, int):
            raise EvalError(f"a list index must be a whole number (got {show(key)})", pos)
        if not 0 <= number < len(value):
            raise EvalError(f"index {number} is out of range for a list of {len(value)}", pos)
        return value[number]
    raise EvalError(f"cannot index {describe(value)}", pos)


def _splat(value: Any, steps: tuple[tuple[str, Any], ...], ctx: Context, pos: Pos) -> Any:
    if value is None:
        return []
    items = to_list(value) if isinstance(value, list | frozenset) else [value]
    out = []
    for item in items:
        for kind, arg in steps:
            if kind == "attr":
                item = _get_attr(item, arg, pos)
            else:
                item = _index(item, _eval(arg, ctx), arg.pos)
        out.append(item)
    return out


def _template(parts: tuple[TemplatePart, ...], ctx: Context, pos: Pos) -> Any:
    if len(parts) == 1 and isinstance(parts[0], Expr):  # "${x}" keeps x's type, as in Terraform
        return _eval(parts[0], ctx)
    return _joined(_render(parts, ctx, pos), pos)


def _joined(pieces: Sequence[str], pos: Pos) -> str:
    """The pieces of a template as one string, charged to the evaluation's budget."""
    try:
        charge(sum(map(len, pieces)))
    except ConversionError as exc:
        raise EvalError(f"this string: {exc}", pos, exc.hint) from None
    return "".join(pieces)


def _render(parts: tuple[TemplatePart, ...], ctx: Context, pos: Pos) -> list[str]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, TemplateIf):
            cond = _as(to_bool, _eval(part.cond, ctx), part.cond.pos, "the %{if} condition")
            out.extend(_render(part.then if cond else part.otherwise, ctx, pos))
        elif isinstance(part, TemplateFor):
            for key, value in _iterate(_eval(part.collection, ctx), part.collection.pos):
                names = {part.value_var: value}
                if part.key_var:
                    names[part.key_var] = key
                out.extend(_render(part.body, ctx.with_names(**names), pos))
        else:
            value = _eval(part, ctx)
            if value is None:
                raise EvalError("cannot put null in a string", part.pos)
            if isinstance(value, list | dict | frozenset):
                raise EvalError(
                    f"cannot put a {type_name(value)} in a string",
                    part.pos,
                    "use join() or jsonencode() to turn it into a string",
                )
            out.append(to_string(value))
    return out


def _iterate(value: Any, pos: Pos) -> list[tuple[Any, Any]]:
    """The items a for expression or a %{for} loop runs over: at most MAX_ITEMS."""
    if not isinstance(value, dict | list | frozenset):
        raise EvalError(f"a for expression needs a list, map or set, got {describe(value)}", pos)
    if len(value) > MAX_ITEMS:
        loop = f"a for expression or %{{for}} loop over more than {MAX_ITEMS} items"
        raise EvalError(f"{loop} (got {len(value)})", pos)
    if isinstance(value, dict):
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, list):
        return list(enumerate(value))
    return [(v, v) for v in sorted_set(value)]


def _for(expr: ForExpr, ctx: Context) -> Any:
    pairs = _iterate(_eval(expr.collection, ctx), expr.collection.pos)
    results_list: list[Any] = []
    results_map: dict[str, Any] = {}
    for key, value in pairs:
        names = {expr.value_var: value}
        if expr.key_var:
            names[expr.key_var] = key
        inner = ctx.with_names(**names)
        if expr.cond is not None:
            keep = _as(to_bool, _eval(expr.cond, inner), expr.cond.pos, "the if condition")
            if not keep:
                continue
        if expr.key is None:
            results_list.append(_eval(expr.value, inner))
            continue
        out_key = _as(to_string, _eval(expr.key, inner), expr.key.pos, "a map key")
        out_value = _eval(expr.value, inner)
        if expr.group:
            results_map.setdefault(out_key, []).append(out_value)
        elif out_key in results_map:
            raise EvalError(
                f"two items have the key {show(out_key)}",
                expr.key.pos,
                "add ... after the value to group items by key",
            )
        else:
            results_map[out_key] = out_value
    return results_list if expr.key is None else results_map


_ORDER = {"<", ">", "<=", ">="}


def _binary(expr: Binary, ctx: Context) -> Any:
    op = expr.op
    left = _eval(expr.left, ctx)
    if op in ("&&", "||"):
        lhs = _as(to_bool, left, expr.left.pos, f"the left side of {op}")
        if (op == "&&" and not lhs) or (op == "||" and lhs):
            return lhs
        return _as(to_bool, _eval(expr.right, ctx), expr.right.pos, f"the right side of {op}")
    right = _eval(expr.right, ctx)
    if op == "==":
        return equal(left, right)
    if op == "!=":
        return not equal(left, right)
    hint = None
    if op == "+" and (isinstance(left, str) or isinstance(right, str)):
        hint = 'to join strings write "${a}${b}"'
    try:
        a, b = to_number(left), to_number(right)
    except ConversionError:
        bad, where = (left, expr.left) if not _numeric(left) else (right, expr.right)
        raise EvalError(
            f"operator {op} needs numbers, got {describe(bad)}", where.pos, hint
        ) from None
    if op in _ORDER:
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if op in ("/", "%") and b == 0:
        raise EvalError("division by zero", expr.right.pos)
    try:
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = a / b
        else:  # the remainder takes the dividend's sign, as in Go and Terraform: -3 % 2 == -1
            result = (
                math.fmod(a, b)
                if isinstance(a, float) or isinstance(b, float)
                else (abs(a) % abs(b) * (-1 if a < 0 else 1))
            )
        return normalize_number(result)
    except (ConversionError, OverflowError):
        raise EvalError("the result is not a finite number", expr.pos) from None


def _numeric(value: Any) -> bool:
    try:
        to_number(value)
    except ConversionError:
        return False
    return True


def _call(expr: Call, ctx: Context) -> Any:
    if expr.name in ("try", "can"):
        return _try(expr, ctx)
    if expr.name in FILE_FUNCTIONS:
        return _file_call(expr, ctx)
    if expr.name not in FUNCTIONS:
        hint = did_you_mean(expr.name, [*FUNCTIONS, *FILE_FUNCTIONS, "try", "can"])
        raise EvalError(f"unknown function {expr.name}()", expr.pos, hint or "see docs/language.md")
    args = [_eval(a, ctx) for a in expr.args]
    if expr.expand_last:
        if not args:
            raise EvalError("... needs an argument to expand", expr.pos)
        args = args[:-1] + _as(to_list, args[-1], expr.args[-1].pos, "the expanded argument")
    try:
        return call_function(expr.name, args)
    except ConversionError as exc:
        raise EvalError(f"{expr.name}(): {exc}", expr.pos, exc.hint) from None
    except (RecursionError, OverflowError, ValueError, TypeError) as exc:
        raise EvalError(f"{expr.name}(): {exc}", expr.pos) from None


def _file_call(expr: Call, ctx: Context) -> Any:
    """file(path) and templatefile(path, vars). A template sees only `vars` (as in Terraform),
    and an error inside it points at the template file's line and column."""
    want = 1 if expr.name == "file" else 2
    if len(expr.args) != want or expr.expand_last:
        raise EvalError(
            f"{expr.name}(): wrong number of arguments ({len(expr.args)}); "
            f"usage: {FILE_FUNCTIONS[expr.name]}",
            expr.pos,
        )
    args = [_eval(a, ctx) for a in expr.args]
    try:
        text, shown = read_config_file(ctx.directory, args[0])
        if expr.name == "file":
            return text
        names = template_vars(args[1])
    except ConversionError as exc:
        raise EvalError(f"{expr.name}(): {exc}", expr.pos) from None
    try:
        template = parse_template(text, shown)
    except DiagnosticError as exc:
        first = exc.diagnostics[0]
        raise EvalError(first.message, first.pos or expr.pos, first.hint) from None
    inner = Context(names=names, directory=ctx.directory, where="in a template file")
    return _eval(template, inner)


def _try(expr: Call, ctx: Context) -> Any:
    if expr.name == "can":
        if len(expr.args) != 1:
            raise EvalError("can() takes one argument", expr.pos)
        try:
            _eval(expr.args[0], ctx)
        except EvalError:
            return False
        return True
    last: EvalError | None = None
    for arg in expr.args:
        try:
            return _eval(arg, ctx)
        except EvalError as exc:
            last = exc
    if last is not None:
        raise last
    raise EvalError("try() needs at least one argument", expr.pos)
