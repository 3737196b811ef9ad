"""A lark parse error -> one Diagnostic in plain words ("unexpected end of file: a block or
object is not closed"), at the offending line and column."""

from __future__ import annotations

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from planner.model import Pos
from planner.model.diagnostics import Diagnostic

_TOKEN_NAMES = {
    "NAME": "a name",
    "EQ": '"="',
    "COLON": '":"',
    "LBRACE": '"{"',
    "RBRACE": '"}"',
    "LSQB": '"["',
    "RSQB": '"]"',
    "LPAR": '"("',
    "RPAR": '")"',
    "DBLQUOTE": "a quoted string",
    "COMMA": '","',
    "INT_LITERAL": "a number",
    "FLOAT_LITERAL": "a number",
    "NL_OR_COMMENT": "a new line",
    "$END": "the end of the file",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "QMARK": '"?"',
    "IN": '"in"',
}


def _describe(token_type: str) -> str:
    return _TOKEN_NAMES.get(token_type, token_type.lower().replace("_", " "))


def syntax_diagnostic(exc: UnexpectedInput, text: str, file: str) -> Diagnostic:
    lines = text.splitlines() or [""]
    line = exc.line if isinstance(exc.line, int) and exc.line > 0 else len(lines)
    col = exc.column if isinstance(exc.column, int) and exc.column > 0 else 1
    if line > len(lines):  # the parser sees the newline hcl2 appends: point at the real end
        line, col = len(lines), len(lines[-1]) + 1
    expected: set[str] = set()
    if isinstance(exc, UnexpectedCharacters):
        char = text.splitlines()[line - 1][col - 1 : col] if line <= len(lines) else ""
        found = f"character {char!r}" if char else "character"
        expected = set(exc.allowed or ())
    elif isinstance(exc, UnexpectedEOF):
        found = "end of file"
        expected = set(exc.expected or ())
    else:
        token = getattr(exc, "token", None)
        if token is None or token.type == "$END":
            found = "end of file"
        elif token.type == "NL_OR_COMMENT":
            found = "end of line"
        else:
            found = repr(str(token).strip())
        expected = set(getattr(exc, "expected", None) or ())
    names = sorted({_describe(t) for t in expected if not t.startswith("__")})
    hint = f"expected {', '.join(names[:6])}{', ...' if len(names) > 6 else ''}" if names else None
    if found == "end of file" and "RBRACE" in expected:
        hint = 'a block or object is not closed: expected "}"'
    elif found == "end of file" and "DBLQUOTE" in expected:
        hint = 'a string is not closed: expected a closing "'
    return Diagnostic(f"syntax error: unexpected {found}", Pos(file, line, col), hint)
