"""Where an expression is evaluated (what its names mean) and how its evaluation fails: the
Context every expression is evaluated in, and EvalError, which becomes a Diagnostic at the
sub-expression that caused it; and did_you_mean, the suggestion every unknown name gets,
here or in a plan's references. Pure.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from planner.model import Pos
from planner.model.diagnostics import Diagnostic


class EvalError(Exception):
    def __init__(self, message: str, pos: Pos, hint: str | None = None):
        super().__init__(message)
        self.diagnostic = Diagnostic(message, pos, hint)


class AlreadyReported(EvalError):
    """An expression used a value (a local) whose own error is already among the diagnostics."""


def did_you_mean(word: str, choices: Any) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?".replace("'", '"') if match else None


@dataclass(frozen=True)
class Context:
    """What names mean where an expression is evaluated."""

    variables: Mapping[str, Any] = field(default_factory=dict)
    local_value: Callable[[str, Pos], Any] | None = None
    count_index: int | None = None
    each: tuple[Any, Any] | None = None
    names: Mapping[str, Any] = field(default_factory=dict)  # for-expression iteration variables
    where: str = ""  # e.g. "in locals": completes "count.index is not available ..."
    directory: Path | None = None  # the configuration's: file() and templatefile() read under it

    def with_names(self, **names: Any) -> Context:
        return replace(self, names={**self.names, **names})

    def with_where(self, where: str) -> Context:
        """This context with another `where`; once per vm block, where dataclasses.replace
        costs twice as much as the constructor."""
        return Context(
            variables=self.variables,
            local_value=self.local_value,
            count_index=self.count_index,
            each=self.each,
            names=self.names,
            where=where,
            directory=self.directory,
        )
