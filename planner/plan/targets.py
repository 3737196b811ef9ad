"""--target: a plan cut down to the matching VMs and what they depend on. Pure."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import replace

from planner.model.plan import Plan


def select_targets(plan: Plan, patterns: Iterable[str]) -> Plan:
    """Only the changes whose address matches a pattern (shell glob), plus what they depend on."""
    patterns = list(patterns)
    if not patterns:
        return plan
    by_addr = {c.address: c for c in plan.changes}
    chosen = {a for a in by_addr if any(fnmatch.fnmatchcase(a, p) for p in patterns)}
    todo = list(chosen)
    while todo:
        for dep in by_addr[todo.pop()].depends_on:
            if dep in by_addr and dep not in chosen:
                chosen.add(dep)
                todo.append(dep)
    return replace(plan, changes=tuple(c for c in plan.changes if c.address in chosen))
