"""The drift report as markdown, for an issue or a pull-request comment: a summary table and a
table per datacenter. Every string goes through planner.report.escape."""

from __future__ import annotations

from planner.drift.findings import DriftReport
from planner.report.drift.common import (
    CATEGORIES,
    EXPLAIN,
    TITLES,
    details,
    findings,
    header,
    summary_line,
)
from planner.report.escape import markdown_text


def render_markdown(report: DriftReport) -> str:
    c = report.counts
    lines = [
        f"## vcplan drift: workspace {markdown_text(report.workspace)}",
        "",
        markdown_text(header(report)),
        "",
        f"**{markdown_text(summary_line(report))}**",
        "",
        "| category | VMs | what it means |",
        "| --- | ---: | --- |",
    ]
    for category in CATEGORIES:
        lines.append(f"| {TITLES[category]} | {c[category]} | {markdown_text(EXPLAIN[category])} |")
    for dc in report.datacenters:
        lines += ["", f"### Datacenter {markdown_text(dc)}", ""]
        lines += ["| finding | VM | cluster / host | details |", "| --- | --- | --- | --- |"]
        for finding in findings(report, dc):
            facts = "<br>".join(markdown_text(f) for f in details(finding, report))
            lines.append(
                f"| {TITLES[finding.category]} | {markdown_text(finding.item.name)} "
                f"| {markdown_text(finding.placement)} | {facts} |"
            )
    if report.out_of_scope:
        names = ", ".join(markdown_text(a) for a in report.out_of_scope)
        lines += ["", f"Outside the URL's scope, not checked: {names}"]
    return "\n".join(lines) + "\n"
