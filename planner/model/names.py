"""What vSphere can hold as a name: VM names, folder paths, workspace names (docs/language.md).

One place for these rules, read by the configuration's checks (at file:line:col) and by the
saved-plan schema. Each function returns why a name is refused, or None. Pure; must not import
anything of ours outside planner/model.
"""

from __future__ import annotations

MAX_NAME = 80  # vCenter's limit for an inventory object's name

# vCenter stores these escaped (%2f, %5c, %25) and reads them back escaped, so a VM named with
# one would never be found again by its declared name.
_ESCAPED = {"/": "a slash", "\\": "a backslash", "%": "a percent sign"}


def _control(text: str) -> str | None:
    for ch in text:
        if ord(ch) < 32 or ord(ch) == 127:
            return f"a control character ({ch!r})"
    return None


def vm_name_problem(name: str) -> str | None:
    if not name.strip():
        return "a VM name cannot be empty"
    if len(name) > MAX_NAME:
        return f"a VM name is at most {MAX_NAME} characters in vCenter (this one has {len(name)})"
    for ch, what in _ESCAPED.items():
        if ch in name:
            return f"a VM name cannot contain {what} ({ch!r}): vCenter stores it escaped"
    bad = _control(name)
    if bad:
        return f"a VM name cannot contain {bad}"
    if name != name.strip():
        return "a VM name cannot start or end with a space: vCenter trims it"
    return None


def folder_problem(path: str) -> str | None:
    """A folder path relative to the datacenter's VM folder: `a/b`, "" being that folder."""
    if path.strip("/") == "":
        return None
    parts = path.strip("/").split("/")
    for part in parts:
        if part in ("", ".", ".."):
            return f"folder {path!r} has an empty, '.' or '..' component; name each folder"
        if len(part) > MAX_NAME:
            return f"folder name {part[:20]!r}… is longer than vCenter's {MAX_NAME} characters"
        bad = _control(part) or ("a backslash" if "\\" in part else None)
        if bad or "%" in part:
            return (
                f"folder {path!r} contains {bad or 'a percent sign'}, which vCenter stores escaped"
            )
        if part != part.strip():
            return f"folder name {part!r} starts or ends with a space, which vCenter trims"
    return None


def workspace_problem(name: str) -> str | None:
    """A workspace is written as a custom value on every VM and names the lock folder."""
    if not name.strip():
        return "a workspace name cannot be empty"
    if len(name) > MAX_NAME:
        return f"a workspace name is at most {MAX_NAME} characters (this one has {len(name)})"
    if name != name.strip():
        return "a workspace name cannot start or end with a space"
    bad = _control(name)
    if bad:
        return f"a workspace name cannot contain {bad}"
    for ch, what in _ESCAPED.items():
        if ch in name:
            return f"a workspace name cannot contain {what} ({ch!r}): it names a vCenter folder"
    return None


def resource_pool_problem(path: str) -> str | None:
    """A resource pool path below the cluster's (or host's) root pool, e.g. `prod/web`."""
    if not path.strip():
        return "resource_pool cannot be empty; leave it out for the root pool"
    return folder_problem(path)
