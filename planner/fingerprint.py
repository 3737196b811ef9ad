"""A fingerprint of a VM's live state, saved in a plan so apply can tell what moved since.

vCenter's `config.changeVersion` would cover configuration changes only (and the simulator keeps
none), so the fingerprint hashes every field the planner reads except the VMware Tools status,
which flips on its own as a guest boots. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from planner.model import LiveVM

VOLATILE = frozenset({"tools_running"})


_SCALARS = (str, int, float, bool, type(None))


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, looked up once per class rather than once per value."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:  # most fields: skip the probing below (a fleet's plan pays it)
        return value
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value  # an enum
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


def fingerprint(vm: LiveVM) -> str:
    state = {
        name: _plain(getattr(vm, name)) for name in _field_names(type(vm)) if name not in VOLATILE
    }
    text = json.dumps(state, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]
