"""The configuration's tags against vCenter's: every tag a VM names exists or is declared, and the
declared categories and tags that apply must create (docs/language.md#tags).

Pure; must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.config.context import did_you_mean
from planner.config.tag_blocks import single_violation, tag_pos
from planner.model import DesiredConfig, Inventory, LiveTagCategory, TagCategory
from planner.model.diagnostics import Diagnostic
from planner.model.plan import TagCategoryChange


def _known(
    declared: Mapping[str, TagCategory], live: Mapping[str, LiveTagCategory]
) -> dict[str, tuple[str, frozenset[str]]]:
    """category -> (cardinality, tag names), what vCenter has and what apply will create."""
    known = {name: (c.cardinality, c.tags) for name, c in live.items()}
    for name, decl in declared.items():
        cardinality, tags = known.get(name, (decl.cardinality, frozenset()))
        known[name] = (cardinality, tags | frozenset(decl.tags))
    return known


def _hint(word: str, names: list[str], what: str) -> str:
    close = did_you_mean(word, names)
    if close:
        return close
    shown = ", ".join(f'"{n}"' for n in sorted(names)[:8]) + (", ..." if len(names) > 8 else "")
    return f"known {what}: {shown}" if names else "declare it in a tag_category block"


def check_tags(config: DesiredConfig, inventory: Inventory) -> list[Diagnostic]:
    """An error for every tag or category a VM names that neither vCenter has nor a
    tag_category block declares, for a "single" category given two tags, and for a declared
    category whose cardinality differs from vCenter's."""
    live = inventory.tag_categories
    if live is None:
        return []
    declared = {c.name: c for c in config.tag_categories}
    errors = [
        Diagnostic(
            f'tag category "{c.name}" is {live[c.name].cardinality} in vCenter, '
            f"not {c.cardinality}",
            c.pos,
            "vcplan never changes an existing category: declare it as vCenter has it",
        )
        for c in config.tag_categories
        if c.name in live and live[c.name].cardinality != c.cardinality
    ]
    known = _known(declared, live)
    for vm in config.vms:
        for category, names in (vm.tags or {}).items():
            pos = tag_pos(vm, category)
            if category not in known:
                errors.append(
                    Diagnostic(
                        f'{vm.address}: tag category "{category}" does not exist in vCenter '
                        "and no tag_category block declares it",
                        pos,
                        _hint(category, list(known), "categories"),
                    )
                )
                continue
            cardinality, tags = known[category]
            for name in names:
                if name not in tags:
                    errors.append(
                        Diagnostic(
                            f'{vm.address}: tag "{name}" does not exist in category '
                            f'"{category}" and no tag_category block declares it',
                            pos,
                            _hint(name, sorted(tags), f'tags of "{category}"'),
                        )
                    )
            if cardinality == "single" and len(names) > 1 and category not in declared:
                errors.append(single_violation(vm, category, names))
    return errors


def tag_category_changes(
    config: DesiredConfig, inventory: Inventory
) -> tuple[TagCategoryChange, ...]:
    """The declared categories missing from vCenter, and the declared tags missing from the
    categories that exist; nothing is ever deleted."""
    live = inventory.tag_categories
    if live is None:
        return ()
    changes = []
    for decl in config.tag_categories:
        have = live.get(decl.name)
        missing = tuple(t for t in decl.tags if have is None or t not in have.tags)
        if have is None or missing:
            changes.append(
                TagCategoryChange(
                    name=decl.name,
                    cardinality=decl.cardinality,
                    create_category=have is None,
                    tags=missing,
                    description=decl.description,
                    associable_types=decl.associable_types,
                )
            )
    return tuple(changes)
