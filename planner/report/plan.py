"""Plans for people: text like Terraform's (`+`/`~`/`-`, `cpus: 1 → 2`), and markdown for a pull
request comment. JSON is planner.plan.files's. Rich builds the coloured text; the same text, plain,
is what pipes and tests see.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from json.encoder import encode_basestring_ascii
from typing import Any

from rich.console import Console
from rich.text import Text

from planner.gc_pause import collector_paused
from planner.model.attributes import ATTRIBUTES, power_cycle_reasons
from planner.model.plan import Action, Plan, TagCategoryChange, VMChange
from planner.plan.restarts import default_max_unavailable, rolling_waves
from planner.report.escape import code_block_line, markdown_code, markdown_text

SYMBOL = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.NOOP: " ",
    Action.RESTART: "↻",
}
STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.DELETE: "red",
    Action.NOOP: "",
    Action.RESTART: "cyan",
}
VERB = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be deleted",
    Action.NOOP: "is unchanged",
    Action.RESTART: "will be restarted",
}
# What a create shows, in the attribute table's order (None values are left out: vCenter's
# choice), then its dependencies; the workspace marker goes without saying.
SHOWN_ON_CREATE = (*(a.name for a in ATTRIBUTES if a.name != "workspace"), "depends_on")
SHOWN_ON_DELETE = ("cluster", "host", "folder", "cpus", "memory_mb", "power")
# json.dumps of a str is this, less json.dumps's dispatch on the value's type
_quoted = encode_basestring_ascii


def format_value(attribute: str, value: Any) -> str:
    """One value the way a reviewer reads it: `40 GB, 60 GB`, `"VM Network"`, `(none)`."""
    if value is None:
        return "(none)"
    if attribute == "disk":
        return ", ".join(f"{d['size_gb']} GB" for d in value) or "(no disks)"
    if attribute == "network_interface":
        return ", ".join(json.dumps(n["network"]) for n in value) or "(no NICs)"
    if attribute in ("attributes", "extra_config", "tags") and isinstance(value, Mapping):
        inner = ", ".join(f"{k} = {format_value('', v)}" for k, v in sorted(value.items()))
        return "{ " + inner + " }" if inner else "{}"
    if attribute == "customize" and isinstance(value, Mapping):
        return _customization(value)
    if attribute == "depends_on":
        return ", ".join(value) or "(none)"
    if attribute == "folder" and value == "":
        return '"/"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(_quoted(v) for v in value) + "]"  # as HCL writes it
    return str(value)


def _customization(spec: Mapping[str, Any]) -> str:
    """`{ hostname "app-1", domain "example.com", nic0 10.0.1.10/24 via 10.0.1.1, Linux }`."""
    parts = [f"hostname {json.dumps(spec['hostname'])}"]
    if spec.get("domain"):
        parts.append(f"domain {json.dumps(spec['domain'])}")
    if spec.get("dns_servers"):
        parts.append("dns " + " ".join(spec["dns_servers"]))
    if spec.get("dns_suffixes"):
        parts.append("search " + " ".join(spec["dns_suffixes"]))
    if spec.get("time_zone"):
        parts.append(f"time zone {spec['time_zone']}")
    for i, nic in enumerate(spec.get("network_interface") or []):
        if nic is None:
            parts.append(f"nic{i} DHCP")
        else:
            via = f" via {nic['ipv4_gateway']}" if nic.get("ipv4_gateway") else ""
            parts.append(f"nic{i} {nic['ipv4_address']}/{nic['ipv4_prefix']}{via}")
    windows = spec.get("windows")
    if windows is None:
        parts.append("Linux")
    elif windows.get("join_domain"):
        parts.append(f"Windows joining {windows['join_domain']} as {windows['domain_admin']}")
    else:
        parts.append(f"Windows in workgroup {windows['workgroup']}")
    return "{ " + ", ".join(parts) + " }"


def summary_line(plan: Plan) -> str:
    counts = plan.summary
    if not plan.has_changes:
        return f"No changes. vCenter matches the configuration ({counts['noop']} VMs unchanged)."
    restarts = f"{counts['restart']} to restart, " if counts["restart"] else ""
    n = len(plan.tag_categories)
    categories = f" {n} tag categor{'y' if n == 1 else 'ies'} to set up." if n else ""
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['delete']} to delete, {restarts}{counts['noop']} unchanged.{categories}"
    )


def category_lines(category: TagCategoryChange) -> tuple[str, str, str]:
    """(symbol, headline, tags line) of a tag category apply creates or adds tags to."""
    tags = ", ".join(json.dumps(t) for t in category.tags)
    if category.create_category:
        return (
            "+",
            f'tag category "{category.name}" ({category.cardinality}) will be created',
            f"tags: {tags or '(none)'}",
        )
    return "~", f'tag category "{category.name}" gains tags', f"tags: + {tags}"


def _category_pieces(plan: Plan) -> list[Piece]:
    pieces: list[Piece] = []
    for category in plan.tag_categories:
        symbol, headline, tags = category_lines(category)
        style = "green" if symbol == "+" else "yellow"
        pieces += [(f"  {symbol} {headline}", f"bold {style}"), ("\n      ", ""), (tags, "")]
        pieces.append(("\n\n", ""))
    return pieces


def rolling_line(plan: Plan, max_unavailable: int | None = None) -> str | None:
    """How the power cycles roll, e.g. "Restarts: rolling, 1 at a time, in 3 waves." None when
    nothing is power-cycled. `max_unavailable` None means apply's default for this plan."""
    bound = max_unavailable or default_max_unavailable(plan)
    waves = rolling_waves(plan, bound)
    cycled = sum(len(w) for w in waves)
    if not cycled:
        return None
    what = f"{cycled} VM{'s' if cycled != 1 else ''} power-cycled"
    if bound is None:
        return f"Power cycles: {what}, all at once (apply --max-unavailable N bounds them)."
    wave_word = "wave" if len(waves) == 1 else "waves"
    return f"Power cycles: {what}, rolling, {bound} at a time, in {len(waves)} {wave_word}."


def _flags(change: VMChange) -> list[str]:
    flags = []
    if change.restart and change.action is not Action.RESTART:  # the verb says it already
        flags.append("restart")
    if change.moves:
        flags.append("moves")
    return flags


def attribute_lines(change: VMChange) -> list[tuple[str, str]]:
    """(attribute, "before → after" or value) for one change."""
    if change.action is Action.CREATE:
        after = change.after or {}
        return [
            (key, format_value(key, after[key]))
            for key in SHOWN_ON_CREATE
            if after.get(key) not in (None, [], False)
        ]
    if change.action is Action.DELETE:
        before = change.before or {}
        return [
            (key, format_value(key, before[key]))
            for key in SHOWN_ON_DELETE
            if before.get(key) is not None
        ]
    lines: list[tuple[str, str]] = []
    for d in change.diffs:
        if d.elements:  # a structured value: name the elements that changed
            lines += [
                (e.path, f"{format_value('', e.before)} → {format_value('', e.after)}")
                for e in d.elements
            ]
        else:
            old, new = format_value(d.attribute, d.before), format_value(d.attribute, d.after)
            lines.append((d.attribute, f"{old} → {new}"))
    return lines


Piece = tuple[str, str]  # (text, rich style; "" for none)


# each action's (symbol, headline style, verb piece, attribute style): one lookup a change
_HEADLINE = {a: (SYMBOL[a], f"bold {STYLE[a]}", f" {VERB[a]}", STYLE[a]) for a in Action}


def _change_pieces(change: VMChange) -> list[Piece]:
    symbol, headline, verb, style = _HEADLINE[change.action]
    pieces = [(f"  {symbol} {change.address}", headline), (verb, "")]
    for flag in _flags(change):
        pieces.append((f"  [{flag}]", "bold magenta"))
    lines = attribute_lines(change)
    width = 1
    for name, _ in lines:
        width = max(width, len(name) + 1)
    for name, value in lines:
        pieces += [("\n      ", ""), (f"{name + ':':<{width}} ", style), (value, "")]
    if change.action is Action.UPDATE and change.restart:
        reasons = power_cycle_reasons([d.attribute for d in change.diffs])
        if change.restart_requested:
            reasons.append("--restart, folded into this update's power cycle")
        pieces += [("\n      ", ""), (f"(power cycle: {'; '.join(reasons)})", "dim")]
    return pieces


def plan_pieces(plan: Plan, max_unavailable: int | None = None) -> list[Piece]:
    """The whole plan as styled pieces: plain text is their concatenation, so pipes and logs
    skip rich's rendering (the bulk of the time on a fleet, docs/performance.md#diff-and-render)."""
    pieces = [(f'Workspace "{plan.workspace}" at {plan.url or "(no URL)"}\n', "bold")]
    changes = [c for c in plan.changes if c.action is not Action.NOOP]
    if changes or plan.tag_categories:
        pieces.append(("\nvcplan will perform the following actions:\n\n", ""))
        pieces += _category_pieces(plan)
        for change in changes:
            pieces += _change_pieces(change)
            pieces.append(("\n\n", ""))
    else:
        pieces.append(("\n", ""))
    rolling = rolling_line(plan, max_unavailable)
    if rolling:
        pieces.append((rolling + "\n", ""))
    pieces.append((summary_line(plan), "bold"))
    return pieces


def plan_text(plan: Plan, max_unavailable: int | None = None) -> Text:
    """The whole plan as rich Text, for a terminal."""
    return Text.assemble(*plan_pieces(plan, max_unavailable))


def render_text(plan: Plan, color: bool = False, max_unavailable: int | None = None) -> str:
    """The plan as text. The plain text's pieces, several a change, are short-lived and
    acyclic, so the collector is paused while they exist: each collection they would trigger
    could rescan the whole plan too (docs/performance.md#diff-and-render)."""
    if not color:
        with collector_paused():
            pieces = plan_pieces(plan, max_unavailable)
            return "".join([text for text, _style in pieces]).rstrip("\n")
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=10_000)
    console.print(plan_text(plan, max_unavailable), soft_wrap=True)
    return buffer.getvalue().rstrip("\n")


def _md_restart(change: VMChange) -> str:
    if not change.restart:
        return ""
    return "yes (--restart)" if change.restart_requested else "yes"


def _md_rows(changes: Iterable[VMChange]) -> list[str]:
    rows = []
    for change in changes:
        details = "; ".join(f"{n}: {v}" for n, v in attribute_lines(change))
        if change.action is Action.CREATE:
            details = ""
        rows.append(
            f"| {SYMBOL[change.action].strip() or '·'} | {markdown_code(change.address)} "
            f"| {change.action.value} | {markdown_text(details)} "
            f"| {_md_restart(change)} | {'yes' if change.moves else ''} |"
        )
    return rows


def _diff_lines(changes: Iterable[VMChange], plan: Plan) -> list[str]:
    """Lines for a diff code block: GitHub colours those starting with + and -."""
    lines = []
    for category in plan.tag_categories:
        symbol, headline, tags = category_lines(category)
        mark = "!" if symbol == "~" else symbol
        lines += [code_block_line(f"{mark} {headline}"), code_block_line(f"{mark}     {tags}")]
    for change in changes:
        mark = SYMBOL[change.action] if change.action is not Action.UPDATE else "!"
        flags = "".join(f"  [{f}]" for f in _flags(change))
        lines.append(code_block_line(f"{mark} {change.address} {VERB[change.action]}{flags}"))
        for name, value in attribute_lines(change):
            lines.append(code_block_line(f"{mark}     {name}: {value}"))
    return lines


def render_markdown(plan: Plan) -> str:
    """A pull-request comment: a summary table, then the full plan in a collapsible block."""
    changes = [c for c in plan.changes if c.action is not Action.NOOP]
    lines = [
        f"### vcplan plan for workspace {markdown_code(plan.workspace)}",
        "",
        f"**{summary_line(plan)}**",
        "",
    ]
    rolling = rolling_line(plan)
    if rolling:
        lines += [rolling, ""]
    for category in plan.tag_categories:
        symbol, headline, tags = category_lines(category)
        lines.append(f"- {symbol} {markdown_text(headline)}: {markdown_text(tags)}")
    if plan.tag_categories:
        lines.append("")
    if changes:
        lines += [
            "| | VM | action | changes | restart | moves |",
            "|---|---|---|---|---|---|",
            *_md_rows(changes),
            "",
            "<details><summary>Full plan</summary>",
            "",
            "```diff",
            *_diff_lines(changes, plan),
            "```",
            "",
            "</details>",
        ]
    lines += [
        "",
        f"<sub>{markdown_text(plan.url)} · planned at {markdown_text(plan.created_at)}</sub>",
    ]
    return "\n".join(lines) + "\n"
