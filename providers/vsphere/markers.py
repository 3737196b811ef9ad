"""Who owns a VM, as vCenter records it (docs/language.md#ownership): the custom attributes, the
vcplan.* extraConfig keys on a standalone ESXi host, and the copy a create spec wrote."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.model import INSTANCE_MARKER, MARKER_PREFIX, PREVENT_DESTROY_MARKER, WORKSPACE_MARKER


def read_markers(
    props: Mapping[str, Any], field_names: Mapping[int, str], extra: Mapping[str, str], esx: bool
) -> tuple[dict[str, str], bool]:
    """All custom attributes by name, the markers among them, and whether the markers are still
    to be written as custom attributes. On a standalone ESXi host the markers are the vcplan.*
    extraConfig keys. On vCenter a VM created by vcplan also carries them in extraConfig from
    its create spec, bound to its instance UUID (docs/language.md#ownership): they count while
    the custom attributes are missing (an apply interrupted right after the create), and a
    custom attribute, once written, wins."""
    values: dict[str, str] = {}
    for key, value in props.get("customValue") or []:
        name = field_names.get(key)
        if name is not None:
            values[name] = value
    created = {k: v for k, v in extra.items() if k.startswith(MARKER_PREFIX)}
    if esx:
        return {**values, **created}, False
    uuid = props.get("config.instanceUuid") or ""
    if not uuid or created.pop(INSTANCE_MARKER, None) != uuid:
        return values, False  # none, or copied along with a VM cloned outside vcplan
    created = {k: v for k, v in created.items() if k in (WORKSPACE_MARKER, PREVENT_DESTROY_MARKER)}
    pending = WORKSPACE_MARKER in created and any(k not in values for k in created)
    return {**created, **values}, pending
