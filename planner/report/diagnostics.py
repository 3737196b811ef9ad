"""Diagnostics for people: the headline, then the source line (its secrets masked) with a caret
under the column."""

from __future__ import annotations

from pathlib import Path

from planner.model.diagnostics import Diagnostic
from planner.report.redact import redact, secrets_in


def render_diagnostic(diag: Diagnostic, sources: dict[str, str] | None = None) -> str:
    """Compiler-style: the headline, then the source line with a caret under the column."""
    lines = [diag.headline()]
    if diag.pos is None:
        return lines[0]
    text = (sources or {}).get(diag.pos.file)
    if text is None:
        try:
            text = Path(diag.pos.file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return lines[0]
    src = text.splitlines()
    if 1 <= diag.pos.line <= len(src):
        line = src[diag.pos.line - 1]
        secrets = secrets_in(line)
        if secrets:  # the line and the headline both, in case the message quotes the value
            line = redact(line, secrets)
            lines[0] = redact(lines[0], secrets)
        lines.append(f"  {line}")
        col = min(max(diag.pos.col - 1, 0), len(line))
        lines.append("  " + " " * col + "^")
    return "\n".join(lines)
