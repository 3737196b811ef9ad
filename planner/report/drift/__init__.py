"""Drift reports for people and programs: text (coloured on a terminal), json, markdown, html.

Takes a DriftReport (planner.drift.findings), returns a string; never reads vCenter or the config.
Every string from vCenter or the configuration is escaped for its format by
planner.report.escape. One module per format.
"""

from __future__ import annotations

import json

from planner.drift.findings import DriftReport, report_to_dict
from planner.report.drift.common import summary_line
from planner.report.drift.html import render_html
from planner.report.drift.markdown import render_markdown
from planner.report.drift.text import render_text


def render_json(report: DriftReport) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"


RENDERERS = {
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
}

__all__ = [
    "RENDERERS",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "summary_line",
]
