"""Hostile strings in every field a user or a vCenter admin controls (VM name, annotation,
attribute keys and values, folder, network names, workspace) stay data in the plan's markdown and
in drift's markdown and HTML: no tag, no broken table row, no escape from a code block."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from planner.drift.findings import compute_drift
from planner.model import Container, DesiredConfig, Nic, Pos
from planner.model.plan import Action, AttributeChange, Plan, VMChange
from planner.report.drift import render_html, render_markdown
from planner.report.escape import code_block_line, markdown_code, markdown_text
from planner.report.plan import render_markdown as render_plan_markdown
from tests.builders import desired_vm, inventory, live_vm

HOSTILE = [
    "</details><img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "a|b|c",
    "`code` and ```fence",
    "line1\nline2\r\n```\n</details>",
    "Tom & Jerry &lt;b&gt;",
    "*bold* _it_ [link](http://x) ~~s~~ # h",
]
EVIL = " ".join(HOSTILE)
OUR_MD_TAGS = {
    "<details>",
    "</details>",
    "<summary>",
    "</summary>",
    "<code>",
    "</code>",
    "<sub>",
    "</sub>",
    "<br>",
}


def _outside_fences(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if not inside:
            lines.append(line)
    return lines


def _unescaped(char: str, line: str) -> int:
    return len(re.findall(rf"(?<!\\){re.escape(char)}", line))


def assert_safe_markdown(text: str) -> None:
    outside = _outside_fences(text)
    tags = {t for line in outside for t in re.findall(r"<[^<>]*>", line)}
    assert tags <= OUR_MD_TAGS, tags - OUR_MD_TAGS
    assert sum(line.startswith("```") for line in text.splitlines()) % 2 == 0
    assert sum(line.count("</details>") for line in outside) <= 1  # in a fence it is code text
    for line in outside:
        assert _unescaped("`", line) == 0, line
    rows = [line for line in outside if line.startswith("|")]
    widths = {_unescaped("|", line) for line in rows}
    if rows:
        assert len(widths) <= 2, rows  # the summary table and the per-datacenter tables


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)


def assert_safe_html(page: str) -> None:
    parser = _Tags()
    parser.feed(page)
    assert parser.tags <= {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "thead",
        "tbody", "tr", "th", "td", "span", "code", "ul", "li",
    }, parser.tags  # fmt: skip
    assert parser.attrs <= {"lang", "charset", "name", "content", "class"}, parser.attrs


def _hostile_plan(value: str) -> Plan:
    after = {
        "cpus": 2,
        "folder": value,
        "annotation": value,
        "attributes": {value: value},
        "network_interface": [{"network": value}],
        "power": "on",
    }
    before = {**after, "annotation": "old", "folder": "old", "attributes": {}}
    return Plan(
        workspace=value,
        url="vpx://vc",
        created_at="2026-01-01T00:00:00+00:00",
        changes=(
            VMChange(f"DC0/{value}", Action.CREATE, None, after),
            VMChange(
                f"DC0/{value}-u",
                Action.UPDATE,
                before,
                after,
                tuple(
                    AttributeChange(k, before[k], after[k])
                    for k in ("annotation", "folder", "attributes")
                ),
                fingerprint="f",
            ),
            VMChange(f"DC0/{value}-d", Action.DELETE, after, None, fingerprint="f"),
        ),
    )


def _hostile_drift_report(value: str):
    pos = Pos(f"{value}.hcl", 1, 1)
    declared = desired_vm(
        name=value,
        cpus=4,
        annotation="declared",
        folder="declared",
        attributes={"k": "v"},
        nics=(Nic("declared"),),
    )
    live = live_vm(
        name=value,
        annotation=value,
        folder=value,
        attributes={value: value, "k": value},
        nics=(Nic(value),),
        workspace=value,
    )
    stray = live_vm(name=f"{value}-stray", moref="vm-2", workspace=value)
    config = DesiredConfig(
        "ws",
        (declared, desired_vm(name=f"{value}-missing")),
        (Container("DC0", "C0", None, pos),),
    )
    return compute_drift(config, inventory(live, stray), url=value)


@pytest.mark.parametrize("value", [*HOSTILE, EVIL])
def test_plan_markdown_keeps_hostile_values_as_text(value):
    assert_safe_markdown(render_plan_markdown(_hostile_plan(value)))


@pytest.mark.parametrize("value", [*HOSTILE, EVIL])
def test_drift_markdown_keeps_hostile_values_as_text(value):
    assert_safe_markdown(render_markdown(_hostile_drift_report(value)))


@pytest.mark.parametrize("value", [*HOSTILE, EVIL])
def test_drift_html_keeps_hostile_values_as_text(value):
    assert_safe_html(render_html(_hostile_drift_report(value)))


def test_markdown_text_turns_tags_into_entities_and_escapes_markup():
    assert markdown_text("</details><b>|`x`") == "&lt;/details&gt;&lt;b&gt;\\|\\`x\\`"


def test_markdown_text_escapes_ampersands_so_entities_show_as_written():
    assert markdown_text("a &lt; b & c") == "a &amp;lt; b &amp; c"


def test_markdown_text_is_one_line():
    assert markdown_text("a\nb\r\nc") == "a b c"


def test_markdown_code_is_an_html_code_element_with_escaped_text():
    assert markdown_code("web|1") == "<code>web\\|1</code>"


def test_a_code_block_line_cannot_close_its_fence():
    assert code_block_line("x\n```\ny") == "x ''' y"
