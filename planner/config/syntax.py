"""HCL text -> a small positioned syntax tree (Body, Block, Attribute and Expr nodes).

The stages: lark parses (python-hcl2's grammar), syntax_errors words a parse error, build turns
the tree into the nodes of planner/config/nodes.py (heredoc finds a heredoc's interpolations).
A syntax error becomes a Diagnostic, never a lark exception. Knows nothing of vcplan's schema;
must not import typer, rich or pyVmomi.
"""

from __future__ import annotations

import functools

import hcl2
from hcl2.postlexer import PostLexer
from lark import Lark, Tree
from lark.exceptions import LarkError, UnexpectedInput

from planner.config.build import Builder, unescape
from planner.config.heredoc import lex_heredoc
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
    written_text,
)
from planner.config.syntax_errors import syntax_diagnostic
from planner.model import Pos
from planner.model.diagnostics import Diagnostic, DiagnosticError

# The nodes are imported from here by the rest of the config stage.
__all__ = [
    "Attribute",
    "Binary",
    "Block",
    "Body",
    "Call",
    "Conditional",
    "Expr",
    "ForExpr",
    "GetAttr",
    "Index",
    "Literal",
    "Name",
    "ObjectExpr",
    "Splat",
    "Template",
    "TemplateFor",
    "TemplateIf",
    "TemplatePart",
    "TupleExpr",
    "Unary",
    "parse_body",
    "written_text",
    "parse_expression",
    "parse_tree",
    "unescape",
]


@functools.cache
def _parser_without_node_positions() -> Lark:
    """python-hcl2's own grammar and post-lexer, without `propagate_positions`: every token
    carries its line and column anyway (`Builder.pos` falls back to a node's first token), and
    positions on each of a fleet's ~700,000 tree nodes cost a third of the parse."""
    return Lark.open(
        "hcl2.lark", parser="lalr", rel_to=hcl2.__file__, postlex=PostLexer(), cache=True
    )


def parse_tree(text: str, file: str, node_positions: bool = False) -> Tree:
    """The raw lark tree of one file, or a DiagnosticError at the offending line and column.
    `node_positions` adds each tree node's start and end offsets (`fmt` copies strings
    verbatim by them)."""
    try:
        if node_positions:
            return hcl2.parses_to_tree(text)
        return _parser_without_node_positions().parse(text + "\n")  # as hcl2 does: no EOF token
    except UnexpectedInput as exc:
        raise DiagnosticError([syntax_diagnostic(exc, text, file)]) from None
    except LarkError as exc:  # anything else lark can throw: still one diagnostic
        raise DiagnosticError([Diagnostic(f"syntax error: {exc}", Pos(file, 1, 1))]) from None
    except RecursionError:
        raise DiagnosticError(
            [Diagnostic("syntax error: expression nested too deeply", Pos(file, 1, 1))]
        ) from None


def parse_body(text: str, file: str) -> Body:
    """Parse one file's text into a Body; raises DiagnosticError on a syntax error."""
    tree = parse_tree(text, file)
    try:
        return Builder(file).body(tree.children[0])
    except RecursionError:
        raise DiagnosticError(
            [Diagnostic("syntax error: expression nested too deeply", Pos(file, 1, 1))]
        ) from None


def parse_template(text: str, file: str) -> Template:
    """A whole file as a template (templatefile()): `${}` and `%{}` as in a heredoc, positions
    in that file."""
    base = Pos(file, 1, 1)
    builder = Builder(file, base)
    parts = lex_heredoc(text, 1, 0, file, builder._sub_expression)
    return Template(base, builder.fold_directives(parts))


def parse_expression(text: str, file: str) -> Expr:
    """One expression (a --var value, say); positions are relative to `text`."""
    body = parse_body(f"v = {text}", file)
    if len(body.items) != 1 or not isinstance(body.items[0], Attribute):
        raise DiagnosticError([Diagnostic("expected one expression", Pos(file, 1, 1))])
    return body.items[0].expr
