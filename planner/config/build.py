"""python-hcl2's lark parse tree -> the positioned syntax tree of planner/config/nodes.py.

Tokens carry line and column, so every node keeps the `file:line:col` it came from.
"""

from __future__ import annotations

import contextlib
import math
import re
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from planner.config.heredoc import heredoc_body, lex_heredoc
from planner.config.nodes import (
    Attribute,
    Binary,
    Block,
    Body,
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
)
from planner.model import Pos
from planner.model.diagnostics import Diagnostic, DiagnosticError

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.?)", re.DOTALL)
_VALID_ESCAPES = r"\n \t \r \" \\ \uNNNN \UNNNNNNNN"


def unescape(raw: str, pos: Pos | None = None) -> str:
    """A quoted string's escapes, as HCL defines them (docs/language.md#expressions). Any other
    escape is an error at its own column, as in Terraform, rather than kept as written."""

    def sub(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[:1] in ("u", "U") and len(code) > 1:
            value = int(code[1:], 16)
            if not 0xD800 <= value <= 0xDFFF:  # a lone surrogate is no character: refused
                with contextlib.suppress(ValueError, OverflowError):
                    return chr(value)
        elif code in _ESCAPES:
            return _ESCAPES[code]
        if pos is None:
            return m.group(0)
        before = raw[: m.start()]
        line = pos.line + before.count("\n")
        col = (pos.col + len(before)) if "\n" not in before else len(before) - before.rfind("\n")
        shown = raw[m.start() : m.start() + {"u": 6, "U": 10}.get(code[:1], 2)]
        raise DiagnosticError(
            [
                Diagnostic(
                    f'invalid escape sequence "{shown}" in a string',
                    Pos(pos.file, line, col),
                    f"the escapes are {_VALID_ESCAPES}; write \\\\ for a backslash",
                )
            ]
        )

    return _ESCAPE_RE.sub(sub, raw)


def _is_nl(child: Any) -> bool:
    return isinstance(child, Tree) and child.data == "new_line_or_comment"


def _trees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and not _is_nl(c)]


class Builder:
    def __init__(self, file: str, fixed_pos: Pos | None = None):
        self.file = file
        self.fixed_pos = fixed_pos  # for text parsed apart from its file (heredoc parts)

    def pos(self, node: Tree | Token) -> Pos:
        if self.fixed_pos is not None:
            return self.fixed_pos
        if isinstance(node, Token):
            line, col = node.line, node.column
            value = str(node)
            if "\n" in value and value.strip():  # an operator with the newline before it merged in
                stripped = value.lstrip()
                before = value[: len(value) - len(stripped)]
                line = (line or 1) + before.count("\n")
                col = len(before) - before.rfind("\n")
            return Pos(self.file, line or 1, col or 1)
        meta = node.meta
        if getattr(meta, "empty", True):
            for child in node.children:
                if isinstance(child, Tree | Token):
                    return self.pos(child)
            return Pos(self.file, 1, 1)
        return Pos(self.file, meta.line, meta.column)

    # --- structure ---

    def body(self, node: Tree) -> Body:
        items: list[Attribute | Block] = []
        for child in _trees(node):
            if child.data == "attribute":
                items.append(self.attribute(child))
            elif child.data == "block":
                items.append(self.block(child))
        return Body(tuple(items))

    def word(self, node: Tree) -> str:
        token = node.children[0]
        return str(token)

    def attribute(self, node: Tree) -> Attribute:
        name_node = node.children[0]
        expr_node = node.children[2]
        return Attribute(self.word(name_node), self.pos(name_node), self.expr(expr_node))

    def block(self, node: Tree) -> Block:
        kids = [c for c in node.children if not _is_nl(c)]
        type_node = kids[0]
        labels: list[Expr] = []
        body: Body = Body(())
        for child in kids[1:]:
            if isinstance(child, Token):
                continue
            if child.data == "body":
                body = self.body(child)
            elif child.data == "string":
                labels.append(self.x_string(child))
            else:
                labels.append(Literal(self.pos(child), self.word(child)))
        return Block(self.word(type_node), tuple(labels), body, self.pos(type_node))

    # --- expressions ---

    def expr(self, node: Tree | Token) -> Expr:
        if isinstance(node, Token):
            raise DiagnosticError([Diagnostic("unexpected token", self.pos(node))])
        method = getattr(self, f"x_{node.data}", None)
        if method is None:
            raise DiagnosticError(
                [Diagnostic(f"unsupported expression ({node.data})", self.pos(node))]
            )
        result: Expr = method(node)
        return result

    def x_expr_term(self, node: Tree) -> Expr:
        kids = _trees(node)
        if len(kids) == 1:
            return self.expr(kids[0])
        raise DiagnosticError([Diagnostic("unexpected expression", self.pos(node))])

    def x_int_lit(self, node: Tree) -> Expr:
        return Literal(self.pos(node), int(str(node.children[0])))

    def x_float_lit(self, node: Tree) -> Expr:
        value = float(str(node.children[0]))
        if not math.isfinite(value):
            raise DiagnosticError([Diagnostic("this number is too large", self.pos(node))])
        return Literal(self.pos(node), int(value) if value.is_integer() else value)

    def x_literal_value(self, node: Tree) -> Expr:
        text = str(node.children[0])
        return Literal(self.pos(node), {"true": True, "false": False, "null": None}[text])

    def x_identifier(self, node: Tree) -> Expr:
        return Name(self.pos(node), str(node.children[0]))

    def x_keyword(self, node: Tree) -> Expr:
        return Name(self.pos(node), str(node.children[0]))

    def x_string(self, node: Tree) -> Template:
        parts = [c for c in node.children if isinstance(c, Tree) and c.data == "string_part"]
        return Template(self.pos(node), self.template_parts(parts))

    def x_template_string(self, node: Tree) -> Expr:
        raw = str(node.children[0])[2:-2]
        start = self.pos(node)
        return Literal(start, unescape(raw, Pos(start.file, start.line, start.col + 2)))

    def template_parts(self, parts: list[Tree]) -> tuple[TemplatePart, ...]:
        # Flat parts first, then directives folded into TemplateIf / TemplateFor by a stack.
        flat: list[Any] = []
        for part in parts:
            child = part.children[0]
            if isinstance(child, Token):
                text = str(child)
                if child.type == "STRING_CHARS":
                    flat.append(unescape(text, self.pos(child)))
                else:  # $${ or %%{ : a literal ${ / %{
                    flat.append(text[1:])
            elif child.data == "interpolation":
                flat.append(self.expr(_trees(child)[0]))
            else:
                flat.append(child)
        return self.fold_directives(flat)

    def fold_directives(self, flat: list[Any]) -> tuple[TemplatePart, ...]:
        stack: list[tuple[Tree | None, list[TemplatePart], list[TemplatePart] | None]] = [
            (None, [], None)
        ]
        for item in flat:
            if not isinstance(item, Tree):
                stack[-1][1].append(item) if stack[-1][2] is None else stack[-1][2].append(item)
                continue
            kind = item.data
            if kind in ("template_if_start", "template_for_start"):
                stack.append((item, [], None))
            elif kind == "template_else":
                opener, then, other = stack[-1]
                if opener is None or opener.data != "template_if_start" or other is not None:
                    raise DiagnosticError([Diagnostic("%{else} without %{if}", self.pos(item))])
                stack[-1] = (opener, then, [])
            elif kind in ("template_endif", "template_endfor"):
                opener, then, other = stack.pop() if len(stack) > 1 else (None, [], None)
                want = "template_if_start" if kind == "template_endif" else "template_for_start"
                if opener is None or opener.data != want:
                    word = "endif" if kind == "template_endif" else "endfor"
                    raise DiagnosticError(
                        [Diagnostic(f"%{{{word}}} without its opening directive", self.pos(item))]
                    )
                built: TemplatePart
                if want == "template_if_start":
                    cond = self.expr(_trees(opener)[0])
                    built = TemplateIf(cond, tuple(then), tuple(other or ()))
                else:
                    names = [str(t.children[0]) for t in _trees(opener) if t.data == "identifier"]
                    coll = [t for t in _trees(opener) if t.data != "identifier"][0]
                    key = names[0] if len(names) == 2 else None
                    built = TemplateFor(key, names[-1], self.expr(coll), tuple(then))
                target = stack[-1]
                (target[1] if target[2] is None else target[2]).append(built)
        if len(stack) > 1:
            opener = stack[-1][0]
            assert opener is not None
            raise DiagnosticError(
                [Diagnostic("template directive is not closed", self.pos(opener))]
            )
        return tuple(stack[0][1])

    def x_heredoc_template(self, node: Tree) -> Expr:
        return self.heredoc(node, trim=False)

    def x_heredoc_template_trim(self, node: Tree) -> Expr:
        return self.heredoc(node, trim=True)

    def heredoc(self, node: Tree, trim: bool) -> Expr:
        """Heredoc bodies are one token; their `${}` parts are parsed here, at their own lines."""
        token = node.children[0]
        text, cut = heredoc_body(str(token), trim)
        base = self.pos(token)
        parts = lex_heredoc(text, base.line + 1, cut, self.file, self._sub_expression)
        return Template(base, Builder(self.file, base).fold_directives(parts))

    def _sub_expression(self, inner: str, line: int, col: int) -> Expr:
        try:
            tree = hcl2.parses_to_tree(f"v = {inner}")
        except LarkError:
            raise DiagnosticError(
                [Diagnostic("syntax error in heredoc interpolation", Pos(self.file, line, col))]
            ) from None
        attr = _trees(tree.children[0])[0]
        return Builder(self.file, Pos(self.file, line, col)).expr(attr.children[2])

    def x_interpolation(self, node: Tree) -> Expr:
        return self.expr(_trees(node)[0])

    def x_tuple(self, node: Tree) -> Expr:
        return TupleExpr(self.pos(node), tuple(self.expr(c) for c in _trees(node)))

    def x_object(self, node: Tree) -> Expr:
        items: list[tuple[Expr, Expr]] = []
        for elem in _trees(node):
            key_node, value_node = elem.children[0], elem.children[2]
            key_inner = key_node.children[0]
            key = self.expr(key_inner) if key_inner.data != "keyword" else None
            if key is None or isinstance(key, Name):
                key = Literal(self.pos(key_inner), self.word(_leaf_holder(key_inner)))
            items.append((key, self.expr(value_node)))
        return ObjectExpr(self.pos(node), tuple(items))

    def x_function_call(self, node: Tree) -> Expr:
        kids = _trees(node)
        names = [k for k in kids if k.data == "identifier"]
        name = "::".join(str(n.children[0]) for n in names)
        args_node = next((k for k in kids if k.data == "arguments"), None)
        args: tuple[Expr, ...] = ()
        expand = False
        if args_node is not None:
            args = tuple(self.expr(a) for a in _trees(args_node))
            expand = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in args_node.children)
        return Call(self.pos(node), name, args, expand)

    def x_get_attr_expr_term(self, node: Tree) -> Expr:
        obj_node, get_attr = node.children[0], node.children[1]
        return GetAttr(self.pos(node), self.expr(obj_node), self.word(get_attr.children[1]))

    def x_index_expr_term(self, node: Tree) -> Expr:
        obj_node, index = node.children[0], node.children[1]
        return Index(self.pos(index), self.expr(obj_node), self.index_key(index))

    def index_key(self, index: Tree) -> Expr:
        if index.data == "short_index":
            token = index.children[1]
            return Literal(self.pos(token), int(str(token)))
        return self.expr(_trees(index)[0])

    def splat(self, node: Tree) -> Expr:
        obj_node, splat = node.children[0], node.children[1]
        steps: list[tuple[str, Any]] = []
        for step in _trees(splat):
            if step.data == "get_attr":
                steps.append(("attr", self.word(step.children[1])))
            else:
                steps.append(("index", self.index_key(step)))
        return Splat(self.pos(splat), self.expr(obj_node), tuple(steps))

    x_attr_splat_expr_term = splat
    x_full_splat_expr_term = splat

    def x_binary_op(self, node: Tree) -> Expr:
        kids = _trees(node)
        left, term = kids[0], kids[1]
        term_kids = _trees(term)
        op_node, right = term_kids[0], term_kids[1]
        op_token = op_node.children[0]
        return Binary(self.pos(op_token), str(op_token).strip(), self.expr(left), self.expr(right))

    def x_unary_op(self, node: Tree) -> Expr:
        op = str(node.children[0])
        return Unary(self.pos(node), op, self.expr(node.children[1]))

    def x_conditional(self, node: Tree) -> Expr:
        cond, then, other = _trees(node)
        return Conditional(self.pos(node), self.expr(cond), self.expr(then), self.expr(other))

    def for_intro(self, intro: Tree) -> tuple[str | None, str, Expr]:
        names = [str(t.children[0]) for t in _trees(intro) if t.data == "identifier"]
        coll = [t for t in _trees(intro) if t.data != "identifier"][0]
        key = names[0] if len(names) == 2 else None
        return key, names[-1], self.expr(coll)

    def x_for_tuple_expr(self, node: Tree) -> Expr:
        kids = _trees(node)
        key_var, value_var, coll = self.for_intro(kids[0])
        cond = self.expr(_trees(kids[2])[0]) if len(kids) > 2 else None
        return ForExpr(
            self.pos(node), key_var, value_var, coll, None, self.expr(kids[1]), cond, False
        )

    def x_for_object_expr(self, node: Tree) -> Expr:
        kids = _trees(node)
        key_var, value_var, coll = self.for_intro(kids[0])
        cond = self.expr(_trees(kids[3])[0]) if len(kids) > 3 else None
        group = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        return ForExpr(
            self.pos(node),
            key_var,
            value_var,
            coll,
            self.expr(kids[1]),
            self.expr(kids[2]),
            cond,
            group,
        )


def _leaf_holder(node: Tree) -> Tree:
    """The innermost tree whose first child is the key's token (`expr_term > identifier`)."""
    while isinstance(node.children[0], Tree):
        node = node.children[0]
    return node
