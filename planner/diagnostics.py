"""Errors as data: a Diagnostic names what is wrong, where, and how to fix it.

Stages return or raise lists of Diagnostics; only the CLI prints them and picks the exit code.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from planner.model import Pos


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    message: str
    pos: Pos | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def headline(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        text = f"{where}{self.severity.value}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


class DiagnosticError(Exception):
    """Carries diagnostics from deep inside a stage to the CLI, which prints them and exits 1."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.headline() for d in self.diagnostics))


def error(message: str, pos: Pos | None = None, hint: str | None = None) -> DiagnosticError:
    return DiagnosticError([Diagnostic(message, pos, hint)])


def render_diagnostic(diag: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """Compiler-style: the headline, then the source line with a caret under the column."""
    lines = [diag.headline()]
    if diag.pos is None:
        return lines[0]
    text = (sources or {}).get(diag.pos.file)
    if text is None:
        try:
            text = Path(diag.pos.file).read_text()
        except OSError:
            return lines[0]
    src = text.splitlines()
    if 1 <= diag.pos.line <= len(src):
        line = src[diag.pos.line - 1]
        lines.append(f"  {line}")
        lines.append("  " + " " * max(diag.pos.col - 1, 0) + "^")
    return "\n".join(lines)
