"""Canonical layout for configuration files, like `terraform fmt`.

Works on python-hcl2's lark tree, token by token: two-space indentation by bracket nesting,
one space between tokens where HCL style puts one, `=` aligned across consecutive attribute
lines, comments and line breaks kept, strings and heredocs untouched. Formatting formatted text
changes nothing. Must not import typer or rich.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lark import Token, Tree

from planner.config.syntax import parse_tree

_NL_PIECES = re.compile(r"#[^\n]*|//[^\n]*|/\*.*?\*/|\n", re.DOTALL)
_OPEN = {"LBRACE", "LSQB", "LPAR"}
_CLOSE = {"RBRACE", "RSQB", "RPAR"}
_VERBATIM = {"string", "heredoc_template", "heredoc_template_trim", "template_string"}


@dataclass(slots=True)
class _Atom:
    kind: str  # word, open, close, comma, dot, eq, assign, op, unop, comment, nl, heredoc, ...
    text: str

    @property
    def bracket(self) -> int:
        if self.kind in ("open", "index_open", "call_open"):
            return 1
        return -1 if self.kind == "close" else 0


def format_source(text: str, file: str = "<input>") -> str:
    """The canonical form of one file's text; raises DiagnosticError on a syntax error."""
    tree = parse_tree(text, file, node_positions=True)
    atoms: list[_Atom] = []
    _Emitter(text, atoms).emit(tree)
    lines = _split_lines(atoms)
    rendered = _render(lines)
    while rendered and rendered[0] == "":
        rendered.pop(0)
    while rendered and rendered[-1] == "":
        rendered.pop()
    return "\n".join(rendered) + "\n" if rendered else ""


class _Emitter:
    def __init__(self, source: str, out: list[_Atom]):
        self.source = source
        self.out = out

    def emit(self, node: Tree | Token, parent: str = "") -> None:
        if isinstance(node, Token):
            self.token(node, parent)
            return
        kind = node.data
        if kind in _VERBATIM:
            meta = node.meta
            raw = self.source[meta.start_pos : meta.end_pos]
            if kind.startswith("heredoc"):
                self.out.append(_Atom("heredoc", raw.rstrip("\n")))
                self.out.append(_Atom("nl", "\n"))
            else:
                self.out.append(_Atom("string", raw))
            return
        for child in node.children:
            self.emit(child, kind)

    def token(self, tok: Token, parent: str) -> None:
        value = str(tok)
        kind = tok.type
        if kind == "NL_OR_COMMENT":
            self.newlines(value)
            return
        stripped = value.strip()
        if "\n" in value:  # an operator with the line break before it merged in
            cut = value.rfind("\n") + 1
            self.newlines(value[:cut])
            stripped = value[cut:].strip()
        if kind in _OPEN:
            atom_kind = "open"
            if kind == "LSQB" and parent == "braces_index":
                atom_kind = "index_open"
            elif kind == "LPAR" and parent == "function_call":
                atom_kind = "call_open"
            self.out.append(_Atom(atom_kind, stripped))
        elif kind in _CLOSE:
            self.out.append(_Atom("close", stripped))
        elif kind == "COMMA":
            self.out.append(_Atom("comma", ","))
        elif kind == "DOT":
            self.out.append(_Atom("dot", "."))
        elif kind in ("ATTR_SPLAT", "FULL_SPLAT_START", "ELLIPSIS"):
            self.out.append(_Atom("tight", stripped))
        elif kind == "EQ":
            self.out.append(
                _Atom("assign" if parent in ("attribute", "object_elem") else "op", "=")
            )
        elif kind == "COLON":
            self.out.append(_Atom("assign" if parent == "object_elem" else "op", ":"))
        elif kind == "COLONS":
            self.out.append(_Atom("tight", "::"))
        elif parent == "unary_op":
            self.out.append(_Atom("unop", stripped))
        elif parent == "binary_operator" or kind in ("QMARK", "FOR_OBJECT_ARROW"):
            self.out.append(_Atom("op", stripped))
        else:
            self.out.append(_Atom("word", stripped))

    def newlines(self, value: str) -> None:
        for piece in _NL_PIECES.findall(value):
            if piece == "\n":
                self.out.append(_Atom("nl", "\n"))
            else:
                self.out.append(_Atom("comment", piece.rstrip()))


def _split_lines(atoms: list[_Atom]) -> list[list[_Atom]]:
    lines: list[list[_Atom]] = [[]]
    for atom in atoms:
        if atom.kind == "nl":
            lines.append([])
        else:
            lines[-1].append(atom)
    return lines


_NO_SPACE_AFTER = {"index_open", "call_open", "unop", "dot", "tight_after"}
_NO_SPACE_BEFORE = {"comma", "dot", "index_open", "call_open", "tight"}


def _join(line: list[_Atom]) -> str:
    out = ""
    prev: _Atom | None = None
    for atom in line:
        if prev is not None and _spaced(prev, atom):
            out += " "
        out += atom.text
        prev = atom
    return out


def _spaced(prev: _Atom, cur: _Atom) -> bool:
    if cur.kind == "comment":
        return True
    if prev.kind == "open":
        return prev.text == "{" and not (cur.kind == "close" and cur.text == "}")
    if cur.kind == "close":
        return cur.text == "}" and not (prev.kind == "open" and prev.text == "{")
    if prev.kind in _NO_SPACE_AFTER or cur.kind in _NO_SPACE_BEFORE:
        return False
    return not (prev.kind == "tight" and prev.text in (".*", "[*]", "::"))


def _render(lines: list[list[_Atom]]) -> list[str]:
    indents: list[int] = []
    depth_of: list[int] = []
    for line in lines:
        net = sum(a.bracket for a in line)
        if net < 0:
            closed = -net
            while closed > 0 and indents:
                if closed >= indents[-1]:
                    closed -= indents.pop()
                else:
                    indents[-1] -= closed
                    closed = 0
        depth_of.append(len(indents))
        if net > 0:
            indents.append(net)
        if line and line[0].kind == "op":  # a continued expression: one level deeper
            depth_of[-1] += 1
    texts = [_join(line) for line in lines]
    _align(lines, texts, depth_of)
    return [
        ("  " * depth + text).rstrip() if text else ""
        for text, depth in zip(texts, depth_of, strict=True)
    ]


def _assign_at(line: list[_Atom]) -> int | None:
    """Index of the `=` that makes this line `key = value`, or None."""
    if len(line) >= 2 and line[0].kind in ("word", "string") and line[1].kind == "assign":
        return 1
    return None


def _align(lines: list[list[_Atom]], texts: list[str], depth_of: list[int]) -> None:
    """Pad keys so the `=` of consecutive one-line `key = value` lines at one depth line up.

    A line that opens a multi-line value (`tags = {`) ends the run, as in `terraform fmt`.
    """
    chain: list[int] = []

    def close() -> None:
        if len(chain) > 1:
            width = max(len(lines[i][0].text) for i in chain)
            for i in chain:
                line = lines[i]
                key = line[0].text
                rest = _join(line[1:])
                texts[i] = key + " " * (width - len(key) + 1) + rest
        chain.clear()

    for i, line in enumerate(lines):
        member = _assign_at(line) is not None and sum(a.bracket for a in line) <= 0
        if not member or (chain and depth_of[chain[-1]] != depth_of[i]):
            close()
        if member:
            chain.append(i)
    close()
