"""Drift reports for people and programs: text (coloured on a terminal), json, markdown, html.

Takes a DriftReport (planner.drift.findings), returns a string; never reads vCenter or the config.
Every string that came from vCenter or the configuration is escaped for the target format.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.text import Text

from planner.drift.findings import (
    DriftedVM,
    DriftReport,
    MissingVM,
    UndeclaredVM,
    UnmanagedVM,
    report_to_dict,
)

CATEGORIES = ("drifted", "missing", "undeclared", "unmanaged")
TITLES = {
    "drifted": "Drifted",
    "missing": "Missing",
    "undeclared": "No longer declared",
    "unmanaged": "Unmanaged",
}
EXPLAIN = {
    "drifted": "VMs the configuration declares and vCenter has, but whose settings differ from "
    "the configuration (for example someone changed the CPUs by hand, or the VM was never "
    "adopted by this workspace).",
    "missing": "VMs the configuration declares that do not exist in vCenter; applying the "
    "configuration would create them.",
    "undeclared": "VMs marked in vCenter as managed by this workspace that the configuration no "
    "longer declares; applying it would delete them unless they are protected by "
    "prevent_destroy.",
    "unmanaged": "VMs inside a cluster or standalone host the configuration declares that this "
    "workspace does not manage; vcplan leaves them alone, but nobody's configuration "
    "describes them here.",
}
MARKS = {"drifted": "~", "missing": "+", "undeclared": "-", "unmanaged": "?"}
STYLES = {"drifted": "yellow", "missing": "green", "undeclared": "red", "unmanaged": "cyan"}
Item = DriftedVM | MissingVM | UndeclaredVM | UnmanagedVM


@dataclass(frozen=True, slots=True)
class Finding:
    """One row of a report, whatever its category: the renderers' common shape."""

    category: str
    item: Item

    @property
    def placement(self) -> str:
        cluster, host = self.item.cluster, self.item.host
        if cluster and host:
            return f"{cluster} / {host}"
        return cluster or host or "-"


def findings(report: DriftReport, datacenter: str | None = None) -> Iterator[Finding]:
    groups: dict[str, tuple[Item, ...]] = {
        "drifted": report.drifted,
        "missing": report.missing,
        "undeclared": report.undeclared,
        "unmanaged": report.unmanaged,
    }
    for category in CATEGORIES:
        for item in groups[category]:
            if datacenter is None or item.datacenter == datacenter:
                yield Finding(category, item)


def show_value(value: Any) -> str:
    """Values as in the configuration: strings quoted, null for "none", lists and maps inline."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def ownership(item: DriftedVM, workspace: str) -> str:
    if item.owner is None:
        return "not yet adopted: the VM has no vcplan.workspace marker"
    if item.owner != workspace:
        return f"owned by workspace {item.owner!r}: a plan of this workspace would refuse it"
    return ""


def details(finding: Finding, workspace: str) -> list[str]:
    """The facts of one finding as short sentences, shared by the text, markdown and html."""
    item = finding.item
    if isinstance(item, DriftedVM):
        lines = [
            f"{a.attribute}: expected {show_value(a.expected)}, actual {show_value(a.actual)}"
            for a in item.attributes
        ]
        owner = ownership(item, workspace)
        return lines + ([owner] if owner else []) + list(item.notes)
    if isinstance(item, MissingVM):
        return [f"declared at {item.declared_at}"] + ([item.note] if item.note else [])
    if isinstance(item, UndeclaredVM):
        lines = [f"power {item.power}"]
        if item.prevent_destroy:
            lines.append("protected by prevent_destroy: a plan would refuse to delete it")
        return lines
    lines = [f"power {item.power}"]
    lines.append(
        f"owned by workspace {item.workspace!r}" if item.workspace else "no vcplan.workspace marker"
    )
    if item.template:
        lines.append("a template")
    return lines


def summary_line(report: DriftReport) -> str:
    c = report.counts
    checked = f"{c['in_sync']} declared VM{'s' if c['in_sync'] != 1 else ''} in sync"
    if not report.has_drift:
        return f"No drift: {checked}."
    parts = [f"{c[k]} {TITLES[k].lower()}" for k in CATEGORIES if c[k]]
    return f"Drift: {', '.join(parts)}; {checked}."


def _header(report: DriftReport) -> str:
    where = f" at {report.url}" if report.url else ""
    return f"Workspace {report.workspace!r}{where}, {report.created_at}"


# --- text --------------------------------------------------------------------------------------


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
    console.print(Text(_header(report), style="bold"))
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
            for fact in details(finding, report.workspace):
                console.print(Text(f"      {fact}"))
    for address in report.out_of_scope:
        console.print(Text(f"note: {address} is outside the URL's scope; not checked", "dim"))
    console.print()
    console.print(Text(summary_line(report), style="bold yellow" if report.has_drift else "bold"))
    return buffer.getvalue()


# --- json --------------------------------------------------------------------------------------


def render_json(report: DriftReport) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"


# --- markdown ----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(text: str) -> str:
    """Escape for a markdown table cell: nothing from vCenter may become markup or HTML."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    escaped = escaped.replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r", " ").replace("\n", " ")


def render_markdown(report: DriftReport) -> str:
    c = report.counts
    lines = [
        f"## vcplan drift: workspace {md(report.workspace)}",
        "",
        md(_header(report)),
        "",
        f"**{md(summary_line(report))}**",
        "",
        "| category | VMs | what it means |",
        "| --- | ---: | --- |",
    ]
    for category in CATEGORIES:
        lines.append(f"| {TITLES[category]} | {c[category]} | {md(EXPLAIN[category])} |")
    for dc in report.datacenters:
        lines += ["", f"### Datacenter {md(dc)}", ""]
        lines += ["| finding | VM | cluster / host | details |", "| --- | --- | --- | --- |"]
        for finding in findings(report, dc):
            facts = "<br>".join(md(f) for f in details(finding, report.workspace))
            lines.append(
                f"| {TITLES[finding.category]} | {md(finding.item.name)} "
                f"| {md(finding.placement)} | {facts} |"
            )
    if report.out_of_scope:
        names = ", ".join(md(a) for a in report.out_of_scope)
        lines += ["", f"Outside the URL's scope, not checked: {names}"]
    return "\n".join(lines) + "\n"


# --- html --------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem;
       color: #1f2328; max-width: 75rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
.meta { color: #59636e; margin-top: 0; }
.verdict { font-size: 1.15rem; font-weight: 600; padding: .6rem .9rem; border-radius: 6px; }
.verdict.drift { background: #fff8c5; border: 1px solid #d4a72c; }
.verdict.clean { background: #dafbe1; border: 1px solid #4ac26b; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #d1d9e0; padding: .4rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 1rem; font-size: .85rem;
         font-weight: 600; white-space: nowrap; }
.drifted { background: #fff1c2; color: #7d4e00; }
.missing { background: #dafbe1; color: #1a7f37; }
.undeclared { background: #ffebe9; color: #d1242f; }
.unmanaged { background: #ddf4ff; color: #0969da; }
ul.facts { margin: 0; padding-left: 1.1rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_summary(report: DriftReport) -> list[str]:
    c = report.counts
    rows = [
        f'<tr><td><span class="badge {k}">{TITLES[k]}</span></td>'
        f'<td class="num">{c[k]}</td><td>{_e(EXPLAIN[k])}</td></tr>'
        for k in CATEGORIES
    ]
    rows.append(
        f'<tr><td>In sync</td><td class="num">{c["in_sync"]}</td>'
        "<td>Declared VMs whose settings in vCenter match the configuration.</td></tr>"
    )
    return [
        "<h2>Summary</h2>",
        "<table>",
        "<thead><tr><th>Category</th><th>VMs</th><th>What it means</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
    ]


def _html_datacenter(report: DriftReport, dc: str) -> list[str]:
    out = [
        f"<h2>Datacenter {_e(dc)}</h2>",
        "<table>",
        "<thead><tr><th>Finding</th><th>VM</th><th>Cluster / host</th><th>Details</th></tr>"
        "</thead>",
        "<tbody>",
    ]
    for finding in findings(report, dc):
        facts = "".join(f"<li>{_e(f)}</li>" for f in details(finding, report.workspace))
        out.append(
            f'<tr><td><span class="badge {finding.category}">{TITLES[finding.category]}</span>'
            f"</td><td><code>{_e(finding.item.name)}</code></td>"
            f"<td>{_e(finding.placement)}</td>"
            f'<td><ul class="facts">{facts}</ul></td></tr>'
        )
    return out + ["</tbody>", "</table>"]


def render_html(report: DriftReport) -> str:
    """One self-contained page: inline CSS, no scripts, fonts, images or links to fetch."""
    verdict = "drift" if report.has_drift else "clean"
    where = f" in vCenter <code>{_e(report.url)}</code>" if report.url else " in vCenter"
    body = [
        f"<h1>Drift report: workspace {_e(report.workspace)}</h1>",
        f'<p class="meta">Generated by vcplan at {_e(report.created_at)}.</p>',
        "<p>This report compares what the vcplan configuration of workspace "
        f"<code>{_e(report.workspace)}</code> declares with what exists{where}. "
        "vCenter is the source of truth for what exists; the configuration says what should. "
        "Nothing was changed to produce it.</p>",
        f'<p class="verdict {verdict}">{_e(summary_line(report))}</p>',
        *_html_summary(report),
    ]
    for dc in report.datacenters:
        body += _html_datacenter(report, dc)
    if report.out_of_scope:
        names = ", ".join(f"<code>{_e(a)}</code>" for a in report.out_of_scope)
        body.append(f"<p>Declared but outside the connection's scope, not checked: {names}</p>")
    title = f"vcplan drift: {_e(report.workspace)}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


RENDERERS = {
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
}
