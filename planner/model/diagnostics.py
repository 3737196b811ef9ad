"""Errors as data: a Diagnostic names what is wrong, where, and how to fix it.

Stages return or raise lists of Diagnostics; only the CLI prints them
(planner/report/diagnostics.py) and picks the exit code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from planner.model.vm import Pos


@dataclass(frozen=True, slots=True)
class Diagnostic:
    message: str
    pos: Pos | None = None
    hint: str | None = None

    def headline(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        text = f"{where}error: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


class DiagnosticError(Exception):
    """Carries diagnostics from deep inside a stage to the CLI, which prints them and exits 1."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.headline() for d in self.diagnostics))


def error(message: str, pos: Pos | None = None, hint: str | None = None) -> DiagnosticError:
    return DiagnosticError([Diagnostic(message, pos, hint)])
