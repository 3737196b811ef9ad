"""The drift report as Terraform-like lines, coloured on a terminal (rich)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from planner.drift.findings import DriftReport
from planner.report.drift.common import (
    CATEGORIES,
    EXPLAIN,
    MARKS,
    STYLES,
    TITLES,
    details,
    findings,
    header,
    summary_line,
)


def render_text(report: DriftReport, color: bool = False) -> str:
    """Terraform-like lines; colour only when asked (the CLI asks on a terminal)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=10_000,
        highlight=False,
        soft_wrap=True,
    )
    console.print(Text(header(report), style="bold"))
    for category in CATEGORIES:
        rows = [f for f in findings(report) if f.category == category]
        if not rows:
            continue
        console.print()
        console.print(Text(f"{TITLES[category]} ({len(rows)}): {EXPLAIN[category]}", "bold"))
        for finding in rows:
            line = Text(f"  {MARKS[category]} ", style=STYLES[category])
            line.append(finding.item.address, style="bold")
            line.append(f"  ({finding.placement})", style="dim")
            console.print(line)
            for fact in details(finding, report):
                console.print(Text(f"      {fact}"))
    for address in report.out_of_scope:
        console.print(Text(f"note: {address} is outside the URL's scope; not checked", "dim"))
    console.print()
    console.print(Text(summary_line(report), style="bold yellow" if report.has_drift else "bold"))
    return buffer.getvalue()
