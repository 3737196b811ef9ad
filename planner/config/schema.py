"""The schema of a `vm` block and its nested blocks: one checker per attribute, turning an evaluated
value into a checked one or an EvalError at the value's position; and the wording of schema
errors (unknown attributes and blocks, with a did-you-mean)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.config.context import AlreadyReported, Context, EvalError, did_you_mean
from planner.config.durations import duration_seconds
from planner.config.evaluate import evaluate
from planner.config.syntax import Attribute, Block, Expr, TupleExpr
from planner.config.values import ConversionError, describe, is_number, show, to_string
from planner.model import MARKER_PREFIX, Pos, Power
from planner.model.attributes import ignorable_names
from planner.model.diagnostics import Diagnostic
from planner.model.names import (
    annotation_problem,
    folder_problem,
    resource_pool_problem,
    tag_name_problem,
    vm_name_problem,
)

# ---------------------------------------------------------------------------------------------
# Attribute checkers: (value, pos) -> checked value, or an EvalError
# ---------------------------------------------------------------------------------------------

Checker = Callable[[str, Any, Pos], Any]

# vSphere 8's limits for one VM: past these a value is a typo, not a wish.
MAX_CPUS = 768
MAX_MEMORY_MB = 24 * 1024 * 1024
MAX_DISK_GB = 62 * 1024


def duration(minimum: int, maximum: int) -> Checker:
    """Seconds, or a string like "10m" (planner/config/durations.py)."""

    def check(name: str, value: Any, pos: Pos) -> int:
        seconds = duration_seconds(value)
        if seconds is None:
            raise EvalError(
                f"{name} must be a duration (got {describe(value)})",
                pos,
                'seconds, or a string like "90s", "10m" or "1h30m"',
            )
        if not minimum <= seconds <= maximum:
            raise EvalError(f"{name} must be {minimum} s to {maximum} s (got {seconds} s)", pos)
        return seconds

    return check


def whole(minimum: int, maximum: int | None = None) -> Checker:
    def check(name: str, value: Any, pos: Pos) -> int:
        if type(value) is int and minimum <= value and (maximum is None or value <= maximum):
            return value  # `cpus = 2`, as most are written
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = int(value.strip())
        if not is_number(value) or isinstance(value, float):
            raise EvalError(f"{name} must be a whole number (got {describe(value)})", pos)
        if value < minimum:
            raise EvalError(f"{name} must be at least {minimum} (got {value})", pos)
        if maximum is not None and value > maximum:
            raise EvalError(f"{name} must be at most {maximum} (got {value})", pos)
        return int(value)

    return check


def memory(name: str, value: Any, pos: Pos) -> int:
    number = whole(4, MAX_MEMORY_MB)(name, value, pos)
    if number % 4:
        raise EvalError(
            f"{name} must be a multiple of 4 (got {number})",
            pos,
            f"try {number - number % 4} or {number - number % 4 + 4}",
        )
    return number


def text(name: str, value: Any, pos: Pos) -> str:
    if type(value) is str:
        return value
    if isinstance(value, list | dict | frozenset) or value is None:
        raise EvalError(f"{name} must be a string (got {describe(value)})", pos)
    return to_string(value)


def nonempty(name: str, value: Any, pos: Pos) -> str:
    result = text(name, value, pos)
    if not result.strip():
        raise EvalError(f"{name} must not be empty", pos)
    return result


def vm_name(name: str, value: Any, pos: Pos) -> str:
    """What vCenter can hold as a VM's name (docs/language.md#vsphere-limits)."""
    result = nonempty(name, value, pos)
    _refuse(vm_name_problem(result), pos)
    return result


def folder(name: str, value: Any, pos: Pos) -> str:
    """A VM folder path, "prod/web", below the datacenter's VM folder."""
    result = text(name, value, pos)
    _refuse(folder_problem(result), pos)
    return result.strip("/")


def resource_pool(name: str, value: Any, pos: Pos) -> str:
    """A resource pool path, "prod/web", below the cluster's or host's root pool."""
    result = text(name, value, pos)
    _refuse(resource_pool_problem(result), pos)
    return result.strip("/")


def annotation(name: str, value: Any, pos: Pos) -> str:
    result = text(name, value, pos)
    _refuse(annotation_problem(result), pos)
    return result


def _refuse(problem: str | None, pos: Pos) -> None:
    if problem is not None:
        raise EvalError(problem, pos)


def boolean(name: str, value: Any, pos: Pos) -> bool:
    if value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise EvalError(f"{name} must be true or false (got {describe(value)})", pos)
    return value


def one_of(choices: Sequence[str], hint: str | None = None) -> Checker:
    """A checker for one of `choices`, suggesting the nearest on a typo."""
    quoted_choices = [f'"{c}"' for c in choices]
    listed = (
        " or ".join(quoted_choices) if len(choices) == 2 else "one of " + ", ".join(quoted_choices)
    )

    def check(name: str, value: Any, pos: Pos) -> str:
        if not isinstance(value, str) or value not in choices:
            near = did_you_mean(value, list(choices)) if isinstance(value, str) else None
            raise EvalError(f"{name} must be {listed} (got {describe(value)})", pos, near or hint)
        return value

    return check


_POWER = one_of([p.value for p in Power])


def power(name: str, value: Any, pos: Pos) -> Power:
    return Power(_POWER(name, value, pos))


def string_map(name: str, value: Any, pos: Pos) -> dict[str, str]:
    if not isinstance(value, dict):
        raise EvalError(
            f"{name} must be a map of strings (got {describe(value)})",
            pos,
            'e.g. { owner = "team-web" }',
        )
    out = {}
    for key, item in value.items():
        if key.startswith(MARKER_PREFIX):
            raise EvalError(f"{name}: {show(key)} is reserved for vcplan's own markers", pos)
        try:
            out[key] = to_string(item) if not isinstance(item, list | dict | frozenset) else None
        except ConversionError:
            out[key] = None
        if out[key] is None:
            raise EvalError(f"{name}[{show(key)}] must be a string (got {describe(item)})", pos)
    return out  # type: ignore[return-value]


def extra_config(name: str, value: Any, pos: Pos) -> dict[str, str]:
    """VM advanced settings. vSphere deletes a key set to "", so an empty value could never be
    read back: it is refused here rather than planned forever."""
    result = string_map(name, value, pos)
    for key, item in result.items():
        if not key.strip():
            raise EvalError(f"{name} has an empty key", pos)
        if item == "":
            raise EvalError(
                f"{name}[{show(key)}] is empty; vSphere removes a key set to an empty value",
                pos,
                "remove the key from extra_config to stop managing it",
            )
    return result


def tag_names(name: str, value: Any, pos: Pos) -> tuple[str, ...]:
    """One tag name, or a list of distinct, non-empty ones (docs/language.md#tags)."""
    items = sorted(value) if isinstance(value, frozenset) else value
    names = items if isinstance(items, list) else [items]
    found: list[str] = []
    for item in names:
        if isinstance(item, list | dict | frozenset | bool) or item is None:
            raise EvalError(
                f"{name} must be a tag name or a list of tag names (got {describe(value)})", pos
            )
        tag = to_string(item)
        if not tag.strip():
            raise EvalError(f"{name} has an empty tag name", pos)
        problem = tag_name_problem(tag)
        if problem:
            raise EvalError(f"{name}: {problem}", pos)
        if tag in found:
            raise EvalError(f"{name} names tag {show(tag)} twice", pos)
        found.append(tag)
    return tuple(sorted(found))


def tags(name: str, value: Any, pos: Pos) -> dict[str, tuple[str, ...]]:
    """vSphere tags: category = tag, or category = [tags]; only these categories are managed."""
    if not isinstance(value, dict):
        raise EvalError(
            f"{name} must be a map of category = tag or [tags] (got {describe(value)})",
            pos,
            'e.g. { env = "prod", team = ["web", "ops"] }',
        )
    out = {}
    for category, item in value.items():
        if not category.strip():
            raise EvalError(f"{name} has an empty category name", pos)
        problem = tag_name_problem(category, "category")
        if problem:
            raise EvalError(f"{name}: {problem}", pos)
        out[category] = tag_names(f"{name}[{show(category)}]", item, pos)
    return out


def string_list(name: str, value: Any, pos: Pos) -> list[str]:
    items = sorted(value) if isinstance(value, frozenset) else value
    if not isinstance(items, list):
        raise EvalError(f"{name} must be a list of strings (got {describe(value)})", pos)
    return [text(f"{name}[{i}]", item, pos) for i, item in enumerate(items)]


@dataclass(frozen=True, slots=True)
class BlockSchema:
    attributes: dict[str, Checker]
    blocks: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    required_hints: Mapping[str, str] = field(default_factory=dict)  # else "e.g. b { x = ... }"


def check_attributes(
    block: Block, where: str, schema: BlockSchema, diags: list[Diagnostic]
) -> bool:
    """The checks every block's attributes get before any value: none set twice, none unknown,
    the required ones there. False when one failed (each is reported)."""
    ok = True
    seen: dict[str, Pos] = {}
    for item in block.body.attributes:
        if item.name in seen:
            diags.append(
                Diagnostic(
                    f"{item.name} is set twice", item.name_pos, f"first set at {seen[item.name]}"
                )
            )
            ok = False
        seen.setdefault(item.name, item.name_pos)
        if item.name not in schema.attributes:
            diags.append(unknown_attribute(item, where, schema))
            ok = False
    for required in schema.required:
        if required not in seen:
            hint = schema.required_hints.get(required, f"e.g. {block.type} {{ {required} = ... }}")
            diags.append(Diagnostic(f"a {block.type} block needs {required}", block.pos, hint))
            ok = False
    return ok


VM_SCHEMA = BlockSchema(
    attributes={
        "count": whole(0),
        "for_each": lambda n, v, p: v,
        "name": vm_name,
        "cpus": whole(1, MAX_CPUS),
        "cores_per_socket": whole(1, MAX_CPUS),
        "memory_mb": memory,
        "power": power,
        "host": nonempty,
        "folder": folder,
        "resource_pool": resource_pool,
        "datastore": nonempty,
        "template": nonempty,
        "annotation": annotation,
        "attributes": string_map,
        "extra_config": extra_config,
        "tags": tags,
        "depends_on": string_list,
        "shutdown_timeout": whole(0, 86_400),
    },
    blocks=("disk", "network_interface", "lifecycle", "customize"),
)
DISK_SCHEMA = BlockSchema({"size_gb": whole(1, MAX_DISK_GB)}, required=("size_gb",))
NIC_SCHEMA = BlockSchema({"network": nonempty}, required=("network",))
LIFECYCLE_SCHEMA = BlockSchema(
    {
        "prevent_destroy": boolean,
        "ignore_changes": string_list,
        "restart_timeout": duration(1, 86_400),
    }
)

IGNORABLE = ignorable_names()  # what `lifecycle { ignore_changes }` may name


def quoted(word: str) -> str:
    return '"' + word + '"'


def unknown_attribute(item: Attribute, where: str, schema: BlockSchema) -> Diagnostic:
    if item.name in schema.blocks:
        return Diagnostic(
            f"{item.name} is a block, not an attribute",
            item.name_pos,
            f"write {item.name} {{ ... }}",
        )
    hint = did_you_mean(item.name, list(schema.attributes) + list(schema.blocks))
    allowed = ", ".join(schema.attributes)
    return Diagnostic(
        f"unknown attribute {quoted(item.name)} in {where}",
        item.name_pos,
        hint or f"allowed: {allowed}",
    )


def unknown_block(block: Block, where: str, allowed: Sequence[str]) -> Diagnostic:
    hint = did_you_mean(block.type, allowed)
    if hint is None:
        hint = f"allowed here: {', '.join(allowed)}" if allowed else "no blocks are allowed here"
    return Diagnostic(f"unknown block type {quoted(block.type)} in {where}", block.pos, hint)


def check_attribute(item: Attribute, checker: Checker, ctx: Context) -> Any:
    """Evaluate and check one attribute; an EvalError points at the value."""
    value = evaluate(item.expr, ctx)
    if value is None:
        return None  # null means "not set", as in Terraform
    return checker(item.name, value, item.expr.pos)


def element_pos(expr: Expr, index: int) -> Pos:
    """Where the index-th element of a list value was written, when it was written literally."""
    if isinstance(expr, TupleExpr) and index < len(expr.items):
        return expr.items[index].pos
    return expr.pos


def label(block: Block, ctx: Context, diags: list[Diagnostic], what: str) -> str | None:
    if len(block.labels) != 1:
        diags.append(
            Diagnostic(
                f'a {block.type} block needs one name: {block.type} "{what}" {{ ... }}', block.pos
            )
        )
        return None
    try:
        value = evaluate(block.labels[0], ctx)
        return nonempty(f"the {block.type} name", value, block.labels[0].pos)
    except AlreadyReported:
        return None
    except EvalError as exc:
        diags.append(exc.diagnostic)
        return None
