"""The positioned syntax tree of a configuration file: expression nodes and Body / Block /
Attribute. Plain frozen dataclasses, so every later stage can point at `file:line:col`."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from planner.model import Pos

_Node = TypeVar("_Node", bound=type)


def _pickled_by_fields(cls: _Node) -> _Node:
    """Pickle a node as its class and field values, rebuilt by its constructor: the parse cache
    (planner/config/parse_cache.py) loads a fleet's trees 2.5x faster than through the
    per-field __setstate__ dataclasses give slotted classes."""
    names = [f.name for f in fields(cls) if f.init]
    values: Callable[[Any], Any] = operator.attrgetter(*names)
    one = len(names) == 1

    def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
        return (type(self), (values(self),) if one else values(self))

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls


# ---------------------------------------------------------------------------------------------
# Expression nodes
# ---------------------------------------------------------------------------------------------


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Expr:
    pos: Pos


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Literal(Expr):
    value: Any  # str, int, float, bool or None


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Template(Expr):
    """A quoted string or heredoc with `${}` interpolations and `%{if}`/`%{for}` directives."""

    parts: tuple[TemplatePart, ...]


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class TemplateIf:
    cond: Expr
    then: tuple[TemplatePart, ...]
    otherwise: tuple[TemplatePart, ...]


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class TemplateFor:
    key_var: str | None
    value_var: str
    collection: Expr
    body: tuple[TemplatePart, ...]


TemplatePart = str | Expr | TemplateIf | TemplateFor


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Name(Expr):
    """A bare identifier: `var`, `local`, `count`, `each`, or a `for` iteration variable."""

    name: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class GetAttr(Expr):
    obj: Expr
    name: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Index(Expr):
    obj: Expr
    key: Expr


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Splat(Expr):
    """`xs[*].a` / `xs.*.a`: apply `steps` (GetAttr/Index with a Name("") hole) to each item."""

    obj: Expr
    steps: tuple[tuple[str, Any], ...]  # ("attr", name) or ("index", Expr)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    expand_last: bool  # f(xs...)


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class TupleExpr(Expr):
    items: tuple[Expr, ...]


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class ObjectExpr(Expr):
    items: tuple[tuple[Expr, Expr], ...]  # a bare-identifier key is a Literal string


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class ForExpr(Expr):
    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None  # None: a tuple-producing `[for ...]`
    value: Expr
    cond: Expr | None
    group: bool  # `=> v...`


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str
    operand: Expr


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr


# ---------------------------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------------------------


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    name_pos: Pos
    expr: Expr


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[Expr, ...]
    body: Body
    pos: Pos  # of the block type word

    @property
    def label_pos(self) -> Pos:
        return self.labels[0].pos if self.labels else self.pos


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Body:
    items: tuple[Attribute | Block, ...]
    attributes: tuple[Attribute, ...] = field(init=False, repr=False, compare=False)
    blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Split once, not on every read: checking one vm block reads them a dozen times."""
        attributes, blocks = [], []
        for item in self.items:  # a loop, not two generators: every Body of a fleet is split
            if isinstance(item, Attribute):
                attributes.append(item)
            elif isinstance(item, Block):
                blocks.append(item)
        object.__setattr__(self, "attributes", tuple(attributes))
        object.__setattr__(self, "blocks", tuple(blocks))


def written_text(expr: Expr) -> str:
    """A label's or a map key's text as written, `${...}` standing for what is computed; "?" for
    any other expression."""
    if isinstance(expr, Literal):
        return str(expr.value)
    if isinstance(expr, Template):
        return "".join(p if isinstance(p, str) else "${...}" for p in expr.parts)
    return "?"
