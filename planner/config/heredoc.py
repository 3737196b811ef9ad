"""Heredocs: python-hcl2 gives a heredoc's whole body as one token, so its `${}` interpolations and
`%{}` directives are found here, each at its own line and column in the file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hcl2
from lark import Tree
from lark.exceptions import LarkError

from planner.model import Pos
from planner.model.diagnostics import Diagnostic, DiagnosticError


def heredoc_body(raw: str, trim: bool) -> tuple[str, int]:
    """The body text of a heredoc token and how many columns `<<-` cut from each line."""
    first_nl = raw.index("\n")
    lines = raw[first_nl + 1 :].split("\n")
    body_lines = lines[:-2] if len(lines) >= 2 else []  # drop the marker line and final ""
    if trim:
        indents = [len(ln) - len(ln.lstrip()) for ln in body_lines if ln.strip()]
        cut = min(indents) if indents else 0
        body_lines = [ln[cut:] for ln in body_lines]
    else:
        cut = 0
    return "".join(ln + "\n" for ln in body_lines), cut


def lex_heredoc(
    text: str,
    first_line: int,
    cut: int,
    file: str,
    interpolation: Callable[[str, int, int], Any],
) -> list[Any]:
    """Literal text, directive trees (folded later) and `interpolation(inner, line, col)`'s
    results, in order."""
    parts: list[Any] = []
    i = 0
    buf = ""
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            buf += text[i + 1 : i + 3]
            i += 3
            continue
        if text.startswith("%{", i):
            end = matching_brace(text, i + 2)
            line = first_line + text.count("\n", 0, i)
            col = i - (text.rfind("\n", 0, i) + 1) + cut + 1
            if end < 0:
                raise DiagnosticError(
                    [Diagnostic("%{ is not closed in heredoc", Pos(file, line, col))]
                )
            segment = text[i : end + 1]
            if segment.startswith("%{~"):
                buf = buf.rstrip()
            if buf:
                parts.append(buf)
                buf = ""
            parts.append(parse_directive(segment, Pos(file, line, col)))
            i = _strip_after(text, end) if segment.endswith("~}") else end + 1
            continue
        if text.startswith("${", i):
            end = matching_brace(text, i + 2)
            line = first_line + text.count("\n", 0, i)
            col = i - (text.rfind("\n", 0, i) + 1) + cut + 3
            if end < 0:
                raise DiagnosticError(
                    [Diagnostic("${ is not closed in heredoc", Pos(file, line, col - 2))]
                )
            inner = text[i + 2 : end]
            if inner.startswith("~"):
                buf, inner, col = buf.rstrip(), inner[1:], col + 1
            if buf:
                parts.append(buf)
                buf = ""
            parts.append(interpolation(inner.removesuffix("~"), line, col))
            i = _strip_after(text, end) if inner.endswith("~") else end + 1
            continue
        buf += text[i]
        i += 1
    if buf:
        parts.append(buf)
    return parts


def _strip_after(text: str, end: int) -> int:
    """Past a `~}` strip marker: the whitespace (newlines included) after it is dropped."""
    i = end + 1
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def parse_directive(segment: str, here: Pos) -> Tree:
    """A `%{...}` directive of a heredoc, parsed on its own (errors point at the heredoc)."""
    try:
        tree = hcl2.parses_to_tree(f'v = "{segment}"')
        string = next(tree.find_data("string_part")).children[0]
    except (LarkError, StopIteration):
        raise DiagnosticError([Diagnostic("syntax error in heredoc directive", here)]) from None
    if not isinstance(string, Tree) or not string.data.startswith("template_"):
        raise DiagnosticError([Diagnostic("syntax error in heredoc directive", here)])
    return string


def matching_brace(text: str, start: int) -> int:
    depth = 1
    i = start
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
