"""A saved plan's JSON, checked strictly before anything is done with it (docs/security.md).

A plan file is input like any other: it may be edited by hand, truncated or hostile. `problems`
walks the document (iteratively: nesting is bounded, never a RecursionError) and returns the
first thing wrong as `(json path, what)`; apply then changes nothing. Pure; must not import
pyVmomi, rich or typer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from planner.config.endpoint import URL_FORMS, parse_url
from planner.model.attributes import BY_NAME
from planner.model.diagnostics import DiagnosticError
from planner.model.names import (
    annotation_problem,
    datacenter_problem,
    folder_problem,
    resource_pool_problem,
    tag_name_problem,
    vm_name_problem,
    workspace_problem,
)
from planner.model.plan import FORMAT_VERSION, Action

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32  # a plan is 6 levels deep; attribute values a few more
# "restart" is a change a newer vcplan writes (a power cycle only); read with the others.
ACTIONS = frozenset(a.value for a in Action) | {"restart"}
ON_LIVE_VM = frozenset(ACTIONS - {"create", "noop"})  # act on a VM that exists: moref, fingerprint
_MOREF = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,79}")
_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{1,64}")
MAX_CPUS = 768  # vSphere 8's per-VM limits
MAX_MEMORY_MB = 24 * 1024 * 1024
MAX_DISK_GB = 62 * 1024

Problem = tuple[str, str]


def _int(lo: int, hi: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int):
            return f"{v!r} is not a whole number"
        if not lo <= v <= hi:
            return f"{v} is out of range ({lo} to {hi})"
        return None

    return check


def _str(v: Any) -> str | None:
    return None if isinstance(v, str) else f"{v!r} is not a string"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else f"{v!r} is not true or false"


def _folder(v: Any) -> str | None:
    return _str(v) or folder_problem(v)


def _power(v: Any) -> str | None:
    return None if v in ("on", "off", "suspended") else f"{v!r} is not on, off or suspended"


def _workspace(v: Any) -> str | None:
    return _str(v) or workspace_problem(v)


def _string_map(v: Any) -> str | None:
    if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
        return f"{v!r} is not a map of strings"
    return None


def _list_of(key: str, check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    def each(v: Any) -> str | None:
        if not isinstance(v, list):
            return f"{v!r} is not a list"
        for item in v:
            if not isinstance(item, dict) or set(item) != {key}:
                return f"{item!r} is not {{{key!r}: ...}}"
            why = check(item[key])
            if why:
                return f"{key} {why}"
        return None

    return each


def _address(v: Any) -> str | None:
    if not isinstance(v, str) or "/" not in v:
        return f"{v!r} is not an address <datacenter>/<vm name>"
    dc, name = v.split("/", 1)
    return datacenter_problem(dc) or vm_name_problem(name)


def _addresses(v: Any) -> str | None:
    if not isinstance(v, list):
        return f"{v!r} is not a list of addresses"
    return next((why for why in map(_address, v) if why), None)


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def _customize(v: Any) -> str | None:
    """A hand-edited plan must not point the domain join at another secret (the vCenter
    password, say): the password variable is a plain name outside vcplan's own VCPLAN_*."""
    if not isinstance(v, dict):
        return f"{v!r} is not an object"
    windows = v.get("windows")
    if windows is None:
        return None
    if not isinstance(windows, dict):
        return f"windows: {windows!r} is not an object"
    name = windows.get("domain_password_env")
    if name is None:
        return None
    if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
        return f"windows.domain_password_env: {name!r} is not an environment variable name"
    if name.upper().startswith("VCPLAN_"):
        return f"windows.domain_password_env: {name!r} is one of vcplan's own variables"
    return None


def _tags(v: Any) -> str | None:
    if not isinstance(v, dict) or not all(
        isinstance(names, list) and all(isinstance(n, str) for n in names) for names in v.values()
    ):
        return f"{v!r} is not a map of category to a list of tag names"
    for category, names in v.items():
        why = tag_name_problem(category, "category") or next(
            (w for w in map(tag_name_problem, names) if w), None
        )
        if why:
            return why
    return None


def _pool(v: Any) -> str | None:
    """ "" is the root pool, as vCenter's side of a plan says for a VM placed there."""
    return _str(v) or (resource_pool_problem(v) if v else None)


def _tag_categories(v: Any) -> Problem | None:
    """The categories and tags apply creates: names, a cardinality, lists of strings."""
    if not isinstance(v, list):
        return "tag_categories", "is not a list"
    for i, c in enumerate(v):
        path = f"tag_categories[{i}]"
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            return path, "is not {name, action, cardinality, tags}"
        why = tag_name_problem(c["name"], "category")
        if why:
            return f"{path}.name", why
        if c.get("action") not in ("create", "update"):
            return f"{path}.action", f"{c.get('action')!r} is not create or update"
        if c.get("cardinality") not in ("single", "multiple"):
            return f"{path}.cardinality", f"{c.get('cardinality')!r} is not single or multiple"
        for key in ("tags", "associable_types"):
            items = c.get(key, [])
            if not isinstance(items, list) or not all(isinstance(t, str) and t for t in items):
                return f"{path}.{key}", "is not a list of names"
            why = next((w for w in map(tag_name_problem, items) if w), None)
            if key == "tags" and why:
                return f"{path}.{key}", why
        if not isinstance(c.get("description", ""), str):
            return f"{path}.description", "is not a string"
    return None


_non_empty = _list_of("network", lambda n: _str(n) or (None if n.strip() else "is empty"))

# before/after: the attribute table's names plus the settings a plan carries; None is "not
# managed" for every one of them. Attributes without a rule here are any JSON value.
VALUE_RULES: dict[str, Callable[[Any], str | None]] = {
    "datacenter": _str,
    "name": _str,
    "cluster": _str,
    "host": _str,
    "resource_pool": _pool,
    "datastore": _str,
    "folder": _folder,
    "template": _str,
    "cpus": _int(1, MAX_CPUS),
    "cores_per_socket": _int(1, MAX_CPUS),
    "memory_mb": _int(4, MAX_MEMORY_MB),
    "power": _power,
    "annotation": lambda v: _str(v) or annotation_problem(v),
    "attributes": _string_map,
    "extra_config": _string_map,
    "tags": _tags,
    "disk": _list_of("size_gb", _int(1, MAX_DISK_GB)),
    "network_interface": _non_empty,
    "workspace": _workspace,
    "prevent_destroy": _bool,
    "shutdown_timeout": _int(0, 7 * 24 * 3600),
    "restart_timeout": _int(1, 7 * 24 * 3600),
    "customize": _customize,
    "depends_on": _addresses,
}
KNOWN_KEYS = frozenset(VALUE_RULES) | frozenset(BY_NAME)


def too_deep(doc: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `doc` nests containers deeper than `limit`, without recursing."""
    todo: list[tuple[Any, int]] = [(doc, 0)]
    while todo:
        value, depth = todo.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            todo.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            todo.extend((v, depth + 1) for v in value)
    return False


def _vm_state(path: str, state: Any) -> Problem | None:
    if state is None:
        return None
    if not isinstance(state, dict):
        return path, "is not an object"
    for key, value in state.items():
        if key not in KNOWN_KEYS:
            return f"{path}.{key}", "is not an attribute vcplan knows"
        rule = VALUE_RULES.get(key)
        why = rule(value) if rule is not None and value is not None else None
        if why:
            return f"{path}.{key}", why
    return None


def _diffs(path: str, diffs: Any) -> Problem | None:
    if not isinstance(diffs, list):
        return path, "is not a list"
    for i, d in enumerate(diffs):
        if not isinstance(d, dict) or not isinstance(d.get("attribute"), str):
            return f"{path}[{i}]", "is not {attribute, before, after}"
        if not {"before", "after"} <= set(d):
            return f"{path}[{i}]", "needs before and after"
        elements = d.get("elements", [])
        if not isinstance(elements, list) or not all(
            isinstance(e, dict) and isinstance(e.get("path"), str) for e in elements
        ):
            return f"{path}[{i}].elements", "is not a list of {path, before, after}"
    return None


def _change(path: str, c: Any, workspace: str) -> Problem | None:
    if not isinstance(c, dict):
        return path, "is not an object"
    for key in ("address", "action", "diffs"):
        if key not in c:
            return f"{path}.{key}", "is missing"
    why = _address(c["address"])
    if why:
        return f"{path}.address", why
    action = c["action"]
    if not isinstance(action, str) or action not in ACTIONS:  # a list or map is unhashable
        return f"{path}.action", f"{action!r} is not one of {', '.join(sorted(ACTIONS))}"
    for key in ("restart", "moves", "restart_requested"):
        if key in c and not isinstance(c[key], bool):
            return f"{path}.{key}", f"{c[key]!r} is not true or false"
    moref, fp = c.get("moref"), c.get("fingerprint")
    needs = action in ON_LIVE_VM
    if (needs or moref is not None) and not (isinstance(moref, str) and _MOREF.fullmatch(moref)):
        return f"{path}.moref", f"{moref!r} is not a vCenter object id such as 'vm-42'"
    if (needs or fp is not None) and not (isinstance(fp, str) and _FINGERPRINT.fullmatch(fp)):
        return f"{path}.fingerprint", f"{fp!r} is not a fingerprint such as 'sha256:5f0c…'"
    if action == "create" and moref is not None:
        return f"{path}.moref", "a VM to create has no moref yet"
    for key in ("before", "after"):
        found = _vm_state(f"{path}.{key}", c.get(key))
        if found:
            return found
    if action == "delete" and c.get("after") is not None:
        return f"{path}.after", "a VM to delete has no after"
    if action != "delete" and action != "noop" and not isinstance(c.get("after"), dict):
        return f"{path}.after", "is missing"
    after_ws = (c.get("after") or {}).get("workspace")
    if after_ws not in (None, workspace):
        return f"{path}.after.workspace", f"{after_ws!r} is not the plan's workspace"
    found = _diffs(f"{path}.diffs", c["diffs"])
    if found:
        return found
    why = _addresses(c.get("depends_on", []))
    return (f"{path}.depends_on", why) if why else None


def _url(url: str) -> str | None:
    """A plan's url is shown and logged; vcplan writes a parseable one without a password
    (docs/security.md#secrets), so anything else was put in by hand. Never quoted: it may hold
    a password the parser could not find."""
    try:
        parsed = parse_url(url)
    except DiagnosticError:
        return f"is not a vCenter URL ({URL_FORMS})"
    if parsed.has_password:
        return "holds a password (user:password@); a plan never records one"
    return None


def problem(doc: Any) -> Problem | None:
    """The first thing wrong with a plan document, or None."""
    if too_deep(doc):
        return "$", f"nests deeper than {MAX_DEPTH} levels"
    if not isinstance(doc, dict):
        return "$", "is not a JSON object"
    version = doc.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        return "format_version", f"{version!r}; this vcplan reads {FORMAT_VERSION}"
    workspace = doc.get("workspace")
    why = _workspace(workspace)
    if why:
        return "workspace", why
    for key in ("url", "created_at"):
        why = _str(doc.get(key))
        if why:
            return key, why
    why = _url(doc["url"])
    if why:
        return "url", why
    if not isinstance(doc.get("config_hash", ""), str):
        return "config_hash", "is not a string"
    if not isinstance(doc.get("tags_read", False), bool):
        return "tags_read", "is not true or false"
    found_categories = _tag_categories(doc.get("tag_categories", []))
    if found_categories:
        return found_categories
    changes = doc.get("changes")
    if not isinstance(changes, list):
        return "changes", "is not a list"
    seen: set[str] = set()
    for i, c in enumerate(changes):
        found = _change(f"changes[{i}]", c, str(workspace))
        if found:
            return found
        if c["address"] in seen:
            return f"changes[{i}].address", f"{c['address']!r} appears twice"
        seen.add(c["address"])
    return None
