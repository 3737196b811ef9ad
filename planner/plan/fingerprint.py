"""A fingerprint of a VM's live state, saved in a plan so apply can tell what moved since.

vCenter's `config.changeVersion` would cover configuration changes only (and the simulator keeps
none), so the fingerprint hashes every field the planner reads except the VMware Tools status,
which flips on its own as a guest boots. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator

from planner.model import LiveVM

VOLATILE = frozenset({"tools_running"})


# what is hashed: a field added changes every fingerprint, so it bumps the plan's format_version
FIELDS = tuple(f.name for f in dataclasses.fields(LiveVM) if f.name not in VOLATILE)
_READ_FIELDS = operator.attrgetter(*FIELDS)
_ATTRIBUTES = FIELDS.index("attributes")
_EXTRA_CONFIG = FIELDS.index("extra_config")
_TAGS = FIELDS.index("tags")


def fingerprint(vm: LiveVM) -> str:
    """sha256 over the repr of every field: the fields are plain values, tuples and small
    frozen dataclasses, whose reprs are deterministic (the custom attributes, extraConfig keys
    and tag categories are sorted first).
    Converting every value to JSON first took three times as long: a plan hashes every VM in
    it (bench/plan.py)."""
    values = list(_READ_FIELDS(vm))
    values[_ATTRIBUTES] = sorted(values[_ATTRIBUTES].items())
    values[_EXTRA_CONFIG] = sorted(values[_EXTRA_CONFIG].items())
    # tags not read (None) hash as none: apply reads tags exactly when the plan did
    # (Plan.tags_read), so the two never meet, and plans made without tags keep their prints
    values[_TAGS] = sorted((values[_TAGS] or {}).items())
    return "sha256:" + hashlib.sha256(repr(values).encode()).hexdigest()[:32]
