"""Plans to and from JSON (docs/plan-format.md). A saved plan is what apply executes.

The same document is `vcplan plan --format json` and the `--out` file, so scripts and apply read
one format. Must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.gc_pause import collector_paused
from planner.model.diagnostics import error
from planner.model.plan import (
    FORMAT_VERSION,
    Action,
    AttributeChange,
    ElementChange,
    Plan,
    TagCategoryChange,
    VMChange,
)
from planner.plan.schema import MAX_BYTES, problem


def _diff_to_dict(d: AttributeChange) -> dict[str, Any]:
    out: dict[str, Any] = {"attribute": d.attribute, "before": d.before, "after": d.after}
    if d.elements:  # which element of a structured value changed, for people
        out["elements"] = [
            {"path": e.path, "before": e.before, "after": e.after} for e in d.elements
        ]
    return out


def _diff_from_dict(d: dict[str, Any]) -> AttributeChange:
    elements = tuple(
        ElementChange(e["path"], e.get("before"), e.get("after")) for e in d.get("elements", ())
    )
    return AttributeChange(d["attribute"], d["before"], d["after"], elements)


def _as_dict(values: Mapping[str, Any] | None, copy: bool) -> dict[str, Any] | None:
    if values is None:
        return None
    return values if not copy and isinstance(values, dict) else dict(values)


def change_to_dict(change: VMChange, copy: bool = True) -> dict[str, Any]:
    """The change as its JSON document; the caller may change it. `copy=False` puts the plan's
    own before/after dicts in it instead, for a caller that only encodes it (plan_to_json)."""
    return {
        "address": change.address,
        "action": change.action.value,
        "before": _as_dict(change.before, copy),
        "after": _as_dict(change.after, copy),
        "diffs": [_diff_to_dict(d) for d in change.diffs],
        "restart": change.restart,
        "restart_requested": change.restart_requested,
        "moves": change.moves,
        "fingerprint": change.fingerprint,
        "moref": change.moref,
        "depends_on": list(change.depends_on),
    }


def plan_to_dict(plan: Plan, copy: bool = True) -> dict[str, Any]:
    return {
        "format_version": plan.format_version,
        "workspace": plan.workspace,
        "url": plan.url,
        "created_at": plan.created_at,
        "config_hash": plan.config_hash,
        "summary": plan.summary,
        "changes": [change_to_dict(c, copy) for c in plan.changes],
        "tag_categories": [_category_to_dict(c) for c in plan.tag_categories],
        "tags_read": plan.tags_read,
    }


def _category_to_dict(c: TagCategoryChange) -> dict[str, Any]:
    return {
        "name": c.name,
        "action": "create" if c.create_category else "update",
        "cardinality": c.cardinality,
        "description": c.description,
        "associable_types": list(c.associable_types),
        "tags": list(c.tags),
    }


def _category(raw: dict[str, Any]) -> TagCategoryChange:
    return TagCategoryChange(
        name=raw["name"],
        cardinality=raw["cardinality"],
        create_category=raw["action"] == "create",
        tags=tuple(raw.get("tags", ())),
        description=raw.get("description", ""),
        associable_types=tuple(raw.get("associable_types", ("VirtualMachine",))),
    )


# json.dumps's own settings, less the cycle check
_ENCODER = json.JSONEncoder(check_circular=False)


def plan_to_json(plan: Plan) -> str:
    """One line, like `terraform show -json`: the C encoder does not indent, and a fleet's plan
    is megabytes (docs/performance.md#diff-and-render). `jq .` shows it indented.

    The document lives only for the encoding, so it shares the plan's before/after dicts
    instead of copying 20-odd entries a VM, the collector is paused while it exists (each
    collection it would trigger could rescan the whole plan too), and, built here of plain
    values, it has no cycle to check for."""
    with collector_paused():
        return _ENCODER.encode(plan_to_dict(plan, copy=False)) + "\n"


def _change(raw: dict[str, Any]) -> VMChange:
    return VMChange(
        address=raw["address"],
        action=Action(raw["action"]),
        before=raw.get("before"),
        after=raw.get("after"),
        diffs=tuple(_diff_from_dict(d) for d in raw["diffs"]),
        restart=bool(raw.get("restart", False)),
        restart_requested=bool(raw.get("restart_requested", False)),
        moves=bool(raw.get("moves", False)),
        fingerprint=raw.get("fingerprint"),
        moref=raw.get("moref"),
        depends_on=tuple(raw.get("depends_on", ())),
    )


def plan_from_dict(raw: dict[str, Any]) -> Plan:
    if raw.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"format_version {raw.get('format_version')!r}; this vcplan reads {FORMAT_VERSION}"
        )
    return Plan(
        workspace=raw["workspace"],
        url=raw["url"],
        created_at=raw["created_at"],
        changes=tuple(_change(c) for c in raw["changes"]),
        config_hash=raw.get("config_hash", ""),
        tag_categories=tuple(_category(c) for c in raw.get("tag_categories", ())),
        tags_read=bool(raw.get("tags_read", False)),
    )


def save_plan(plan: Plan, path: Path) -> None:
    """Write the plan to `path`, the one writer of plan files (`plan --out`). A regular file is
    replaced whole (a temporary file beside it, then a rename), so a full disk or an interrupted
    write leaves the plan that was there, never half of one; a pipe or device is written
    directly. Raises OSError for the caller to report."""
    text = plan_to_json(plan).encode("utf-8")
    target = Path(os.path.realpath(path))  # a symlink keeps pointing at the plan it names
    if target.exists() and not target.is_file():
        with open(target, "wb") as fh:
            fh.write(text)
        return
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)  # the umask applies
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def load_plan(path: Path) -> Plan:
    """A saved plan, or one clear error naming the file (and the JSON path of what is wrong):
    the document is checked whole against its schema before anything acts on it."""
    hint = "save one with `vcplan plan --out FILE`"
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise error(f"{path}: larger than {MAX_BYTES >> 20} MiB; not a vcplan plan", hint=hint)
        raw = json.loads(data)
    except OSError as exc:
        raise error(f"{path}: cannot read the plan: {exc.strerror}") from None
    except RecursionError:
        raise error(f"{path}: nests too deeply; not a vcplan plan", hint=hint) from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not a vcplan plan (not UTF-8: {exc.reason})", hint=hint) from None
    except json.JSONDecodeError as exc:
        raise error(
            f"{path}:{exc.lineno}:{exc.colno}: not a vcplan plan (invalid JSON: {exc.msg})",
            hint=hint,
        ) from None
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version != FORMAT_VERSION:
        raise error(  # not "changed in vCenter": another build fingerprints VMs differently
            f"{path}: format_version {version}: made by another vcplan version (this one reads "
            f"{FORMAT_VERSION}); nothing was done",
            hint="make the plan again with this vcplan: `vcplan plan --out FILE`",
        )
    found = problem(raw)
    if found is not None:
        where, what = found
        raise error(f"{path}: {where}: {what}; not a vcplan plan, nothing was done", hint=hint)
    try:
        return plan_from_dict(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise error(f"{path}: not a vcplan plan ({exc})", hint=hint) from None
