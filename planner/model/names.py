"""What vSphere can hold: VM names, folder and resource pool paths, workspace names, tag and
category names, a VM's notes (docs/language.md#vsphere-limits).

One place for these rules, read by the configuration's checks (at file:line:col) and by the
saved-plan schema. Each function returns why a name is refused, or None. Pure; must not import
anything of ours outside planner/model.
"""

from __future__ import annotations

import re

MAX_NAME = 80  # vCenter's limit for an inventory object's name
# The VM's notes (config.annotation): vSphere refuses more than 2000 characters, counting a
# character it stores escaped in the .vmx (a line break is |0A) as three.
MAX_ANNOTATION = 2000
# vcplan's bound for a tag or tag category name (docs/language.md#tags): vSphere's tagging
# service documents no figure, so one generous enough for any name in use and small enough
# to show.
MAX_TAG_NAME = 256

# vCenter stores these escaped (%2f, %5c, %25) and reads them back escaped, so a VM named with
# one would never be found again by its declared name.
_ESCAPED = {"/": "a slash", "\\": "a backslash", "%": "a percent sign"}


# C0 and C1 control characters, DEL, and the line and paragraph separators. One search of a
# whole name costs a tenth of a test of each character in Python, and every VM's name is searched.
_CONTROL_CHARS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# What the .vmx stores escaped as |XX: the control characters and | itself.
_STORED_ESCAPED = re.compile(f"[{_CONTROL_CHARS}|]")


def _control(text: str) -> str | None:
    found = _CONTROL.search(text)
    return f"a control character ({found.group()!r})" if found else None


def datacenter_problem(name: str) -> str | None:
    """A datacenter name as a plan's address carries it: printed, so never a control character."""
    if not name.strip():
        return "a datacenter name cannot be empty"
    bad = _control(name)
    return f"a datacenter name cannot contain {bad}" if bad else None


def tag_name_problem(name: str, what: str = "tag") -> str | None:
    """A tag's or a tag category's name (`what`): shown in every plan, so one printable line."""
    if not name.strip():
        return f"a {what} name cannot be empty"
    if len(name) > MAX_TAG_NAME:
        return f"a {what} name is at most {MAX_TAG_NAME} characters (this one has {len(name)})"
    bad = _control(name)
    if bad:
        return f"a {what} name cannot contain {bad}; write it on one line, without it"
    return None


def vm_name_problem(name: str) -> str | None:
    if not name.strip():
        return "a VM name cannot be empty"
    if len(name) > MAX_NAME:
        return f"a VM name is at most {MAX_NAME} characters in vCenter (this one has {len(name)})"
    for ch, what in _ESCAPED.items():
        if ch in name:
            return (
                f"a VM name cannot contain {what} ({ch!r}): vCenter stores it escaped and "
                "would not find the VM by this name again; use another character, e.g. '-'"
            )
    bad = _control(name)
    if bad:
        return f"a VM name cannot contain {bad}; write the name on one line, without it"
    if name != name.strip():
        return "a VM name cannot start or end with a space: vCenter trims it; remove the space"
    return None


def folder_problem(path: str, what: str = "folder") -> str | None:
    """A folder path relative to the datacenter's VM folder: `a/b`, "" being that folder."""
    if path.strip("/") == "":
        return None
    parts = path.strip("/").split("/")
    for part in parts:
        if part in ("", ".", ".."):
            return (
                f"{what} {path!r} has an empty, '.' or '..' segment; "
                f"name each {what} on the way, e.g. 'prod/web'"
            )
        if len(part) > MAX_NAME:
            return f"{what} name {part[:20]!r}… is longer than vCenter's {MAX_NAME} characters"
        bad = _control(part) or ("a backslash" if "\\" in part else None)
        if bad or "%" in part:
            return (
                f"{what} {path!r} contains {bad or 'a percent sign'}, which vCenter stores "
                "escaped; use another character, e.g. '-'"
            )
        if part != part.strip():
            return f"{what} name {part!r} starts or ends with a space, which vCenter trims"
    return None


def workspace_problem(name: str) -> str | None:
    """A workspace is written as a custom value on every VM and names the lock folder."""
    if not name.strip():
        return "a workspace name cannot be empty"
    if len(name) > MAX_NAME:
        return f"a workspace name is at most {MAX_NAME} characters (this one has {len(name)})"
    if name != name.strip():
        return "a workspace name cannot start or end with a space; remove the space"
    bad = _control(name)
    if bad:
        return f'a workspace name cannot contain {bad}; e.g. workspace = "prod-web"'
    for ch, what in _ESCAPED.items():
        if ch in name:
            return (
                f"a workspace name cannot contain {what} ({ch!r}): it names a vCenter folder; "
                "use another character, e.g. '-'"
            )
    return None


def resource_pool_problem(path: str) -> str | None:
    """A resource pool path below the cluster's (or host's) root pool, e.g. `prod/web`."""
    if not path.strip():
        return "resource_pool cannot be empty; leave it out for the root pool"
    return folder_problem(path, "resource pool")


def annotation_size(text: str) -> int:
    """The length vSphere counts: a control character or `|` is stored as `|XX`."""
    return len(text) + 2 * len(_STORED_ESCAPED.findall(text))


def annotation_problem(text: str) -> str | None:
    size = annotation_size(text)
    if size > MAX_ANNOTATION:
        return (
            f"an annotation is at most {MAX_ANNOTATION} characters in vSphere (this one counts "
            f"{size}; a line break counts as 3); shorten it, or keep long text in extra_config"
        )
    return None
