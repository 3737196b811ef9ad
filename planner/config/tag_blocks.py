"""`tag_category` blocks -> TagCategory declarations, and the check of every VM's `tags` against
them (a "single" category carries at most one tag per VM) (docs/language.md#tag_category).

Every problem goes to the diagnostics list, at file:line:col, and checking goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.config.context import AlreadyReported, Context, EvalError
from planner.config.schema import (
    BlockSchema,
    check_attribute,
    check_attributes,
    label,
    one_of,
    string_list,
    tag_names,
    text,
)
from planner.config.syntax import Block
from planner.config.values import show
from planner.model import DesiredVM, Pos, TagCategory
from planner.model.diagnostics import Diagnostic
from planner.model.names import tag_name_problem

CARDINALITIES = ("single", "multiple")
VM_TYPE = "VirtualMachine"


cardinality = one_of(CARDINALITIES, '"single": a VM carries at most one tag of the category')


def associable_types(name: str, value: Any, pos: Pos) -> tuple[str, ...]:
    """vCenter's object types the category's tags may go on; vcplan tags VMs, so the list must
    name VirtualMachine."""
    types = tuple(string_list(name, value, pos))
    if VM_TYPE not in types:
        raise EvalError(
            f"{name} must include {show(VM_TYPE)}: vcplan attaches these tags to VMs",
            pos,
            f"e.g. {name} = [{show(VM_TYPE)}]",
        )
    return types


TAG_CATEGORY_SCHEMA = BlockSchema(
    {
        "cardinality": cardinality,
        "description": text,
        "associable_types": associable_types,
        "tags": tag_names,
    },
    required=("cardinality",),
    required_hints={"cardinality": 'cardinality = "single" (one tag per VM) or "multiple"'},
)


def read_tag_categories(
    blocks: Sequence[Block], ctx: Context, diags: list[Diagnostic]
) -> tuple[TagCategory, ...]:
    """The declared categories; a block with an error is reported and left out."""
    found: dict[str, TagCategory] = {}
    for block in blocks:
        category = _read_one(block, ctx, diags)
        if category is None:
            continue
        first = found.get(category.name)
        if first is not None:
            diags.append(
                Diagnostic(
                    f"tag category {show(category.name)} is declared twice",
                    block.pos,
                    f"the first is at {first.pos}",
                )
            )
            continue
        found[category.name] = category
    return tuple(found.values())


def _read_one(block: Block, ctx: Context, diags: list[Diagnostic]) -> TagCategory | None:
    name = label(block, ctx, diags, "env")
    problem = tag_name_problem(name, "category") if name is not None else None
    if problem:
        diags.append(Diagnostic(f"tag_category {show(name)}: {problem}", block.labels[0].pos))
        name = None
    ok = name is not None
    for nested in block.body.blocks:
        diags.append(
            Diagnostic(
                f"unexpected block {show(nested.type)} in a tag_category block",
                nested.pos,
                'tags are a list: tags = ["prod", "staging"]',
            )
        )
        ok = False
    ok = check_attributes(block, "a tag_category block", TAG_CATEGORY_SCHEMA, diags) and ok
    values: dict[str, Any] = {}
    done: set[str] = set()
    for item in block.body.attributes:
        checker = TAG_CATEGORY_SCHEMA.attributes.get(item.name)
        if checker is None or item.name in done:  # reported by check_attributes
            continue
        done.add(item.name)
        try:
            value = check_attribute(item, checker, ctx)
            if value is not None:
                values[item.name] = value
        except AlreadyReported:
            ok = False
        except EvalError as exc:
            diags.append(exc.diagnostic)
            ok = False
    if not ok or "cardinality" not in values:
        return None
    assert name is not None
    return TagCategory(
        name=name,
        cardinality=values["cardinality"],
        tags=values.get("tags", ()),
        pos=block.pos,
        description=values.get("description", ""),
        associable_types=values.get("associable_types", (VM_TYPE,)),
    )


def check_vm_tags(
    vms: Sequence[DesiredVM], categories: Sequence[TagCategory], diags: list[Diagnostic]
) -> None:
    """A VM names at most one tag of a declared "single" category."""
    single = {c.name for c in categories if c.cardinality == "single"}
    for vm in vms:
        for category, names in (vm.tags or {}).items():
            if category in single and len(names) > 1:
                diags.append(single_violation(vm, category, names))


def single_violation(vm: DesiredVM, category: str, names: Sequence[str]) -> Diagnostic:
    """The error for more than one tag of a "single" category (here and in the plan)."""
    listed = ", ".join(show(n) for n in names)
    return Diagnostic(
        f"{vm.address}: tag category {show(category)} is single, so a VM carries at most one "
        f"of its tags (got {listed})",
        tag_pos(vm, category),
        'name one tag, or use a category of cardinality "multiple"',
    )


def tag_pos(vm: DesiredVM, category: str) -> Pos:
    """Where a VM's tags of `category` were written (the tags map when not literal)."""
    return vm.attr_pos.get(f"tags.{category}") or vm.attr_pos.get("tags") or vm.pos
