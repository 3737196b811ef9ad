"""One line per transition of `vcplan drift --watch` (docs/drift.md, "Watching"); the JSON
line is planner.drift.watch.transition_to_dict's."""

from __future__ import annotations

from planner.drift.watch import Transition
from planner.report.drift.common import age, changed, show_value

MARKS = {
    "drifted": "~",
    "in_sync": "=",
    "missing": "+",
    "unmanaged": "?",
    "undeclared": "-",
    "gone": "x",
}
WHAT = {
    "drifted": "drifted",
    "in_sync": "back in sync with the configuration",
    "missing": "missing: declared, but vCenter does not have it",
    "unmanaged": "appeared: unmanaged, inside a declared cluster or host",
    "undeclared": "appeared with this workspace's marker but is not declared",
    "gone": "is gone from vCenter",
}


def transition_line(t: Transition, observed_at: str) -> str:
    """`2026-03-01T12:00:03+00:00 ~ DC0/web drifted: cpus expected 1, actual 3; changed by ...`"""
    line = f"{observed_at} {MARKS[t.kind]} {t.address} {WHAT[t.kind]}"
    if t.attributes:
        parts = []
        for a in t.attributes:
            part = f"{a.attribute} expected {show_value(a.expected)}, actual {show_value(a.actual)}"
            why = changed(a, observed_at)
            parts.append(f"{part}, {why}" if why else part)
        return f"{line}: " + "; ".join(parts)
    if t.changed_at is not None:
        who = f" by {t.changed_by}" if t.changed_by else ""
        message = f" ({t.event})" if t.event else ""
        line += f"; changed{who} {age(t.changed_at, observed_at)}{message}"
    return line
