"""Diagnostics for people: the headline, then the source line with a caret under the column."""

from __future__ import annotations

from pathlib import Path

from planner.model.diagnostics import Diagnostic


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
