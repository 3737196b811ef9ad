"""The `datacenter` / `cluster` / `host` / `vm` block structure -> DesiredVMs and Containers.

The schema of each attribute is in planner/config/schema.py, one vm instance is built by
planner/config/vm_block.py, the checks across VMs are in planner/config/across.py. Every problem
is appended to a diagnostics list and checking goes on, so one run reports them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from planner.config.across import check_across
from planner.config.context import AlreadyReported, Context, EvalError
from planner.config.customize_block import CUSTOMIZE_CHILDREN
from planner.config.expand import instances
from planner.config.schema import (
    MAX_CPUS,
    MAX_DISK_GB,
    MAX_MEMORY_MB,
    VM_SCHEMA,
    BlockSchema,
    check_attributes,
    label,
    quoted,
    unknown_attribute,
    unknown_block,
)
from planner.config.syntax import Block, written_text
from planner.config.values import show
from planner.config.vm_block import NESTED, build_vm
from planner.model import Container, DesiredVM, Pos
from planner.model.diagnostics import Diagnostic

__all__ = [
    "MAX_CPUS",
    "MAX_DISK_GB",
    "MAX_MEMORY_MB",
    "Collected",
    "check_across",
    "collect_datacenter",
    "quoted",
]

# ---------------------------------------------------------------------------------------------
# datacenter / cluster / host / vm
# ---------------------------------------------------------------------------------------------


@dataclass
class Collected:
    vms: list[DesiredVM] = field(default_factory=list)
    containers: dict[tuple[str, str | None, str | None], Container] = field(default_factory=dict)
    depends_pos: dict[tuple[str, str], list[Pos]] = field(default_factory=dict)

    def container(self, dc: str, cluster: str | None, host: str | None, pos: Pos) -> None:
        self.containers.setdefault((dc, cluster, host), Container(dc, cluster, host, pos))


def collect_datacenter(block: Block, ctx: Context, out: Collected, diags: list[Diagnostic]) -> None:
    dc = label(block, ctx, diags, "DC0")
    for item in block.body.attributes:
        diags.append(
            Diagnostic(
                f"unknown attribute {quoted(item.name)} in a datacenter block",
                item.name_pos,
                "a datacenter block holds cluster and host blocks",
            )
        )
    if dc is None:
        return
    out.container(dc, None, None, block.pos)
    for child in block.body.blocks:
        if child.type == "vm":
            diags.append(
                Diagnostic(
                    "a vm block must be inside a cluster or host block, "
                    "not directly in a datacenter",
                    child.pos,
                    f'wrap it: datacenter "{dc}" {{ cluster "NAME" {{ vm ... }} }}',
                )
            )
        elif child.type in ("cluster", "host"):
            where = label(child, ctx, diags, "NAME")
            if where is None:
                continue
            cluster, host = (where, None) if child.type == "cluster" else (None, where)
            out.container(dc, cluster, host, child.pos)
            for item in child.body.attributes:
                diags.append(
                    Diagnostic(
                        f"unknown attribute {quoted(item.name)} in a {child.type} block",
                        item.name_pos,
                        f"a {child.type} block holds vm blocks",
                    )
                )
            for vm_block in child.body.blocks:
                if vm_block.type == "vm":
                    collect_vm(vm_block, dc, cluster, host, ctx, out, diags)
                else:
                    diags.append(unknown_block(vm_block, f"a {child.type} block", ["vm"]))
        else:
            diags.append(unknown_block(child, "a datacenter block", ["cluster", "host"]))


def collect_vm(
    block: Block,
    dc: str,
    cluster: str | None,
    host: str | None,
    ctx: Context,
    out: Collected,
    diags: list[Diagnostic],
) -> None:
    base = ctx.with_where(f"in vm {show(_label_text(block))}")
    _check_static_shape(block, host, diags)
    try:
        contexts = instances(block, base)
    except AlreadyReported:
        return
    except EvalError as exc:
        diags.append(exc.diagnostic)
        return
    for instance in contexts:
        vm = build_vm(block, dc, cluster, host, instance, diags)
        if vm is not None:
            out.vms.append(vm)


def _label_text(block: Block) -> str:
    return written_text(block.labels[0]) if block.labels else "?"


def _check_static_shape(block: Block, host: str | None, diags: list[Diagnostic]) -> None:
    """Schema errors that do not depend on values: reported once per block, not per instance."""
    check_attributes(block, "a vm block", VM_SCHEMA, diags)
    for item in block.body.attributes:
        if item.name == "host" and host is not None:
            diags.append(
                Diagnostic(
                    f"this vm is on standalone host {show(host)} already",
                    item.name_pos,
                    "host = ... pins a VM to one host of its cluster; remove it here",
                )
            )
    _check_blocks(block, "a vm block", NESTED, diags)


SINGLE_BLOCKS = ("lifecycle", "customize", "windows")  # at most one per enclosing block


def _check_blocks(
    block: Block, where: str, schemas: Mapping[str, BlockSchema], diags: list[Diagnostic]
) -> None:
    """The nested blocks of `block`: known types, no labels, known attributes, the required ones,
    and their own nested blocks (a customize block's network_interface and windows)."""
    seen: set[str] = set()
    for child in block.body.blocks:
        schema = schemas.get(child.type)
        if schema is None:
            diags.append(unknown_block(child, where, tuple(schemas)))
            continue
        if child.labels:
            diags.append(Diagnostic(f"a {child.type} block takes no name", child.labels[0].pos))
        if child.type in SINGLE_BLOCKS and child.type in seen:
            diags.append(Diagnostic(f"{where} has at most one {child.type} block", child.pos))
        seen.add(child.type)
        names = set()
        for item in child.body.attributes:
            names.add(item.name)
            if item.name not in schema.attributes:
                diags.append(unknown_attribute(item, f"a {child.type} block", schema))
        if child.body.blocks:
            children = CUSTOMIZE_CHILDREN if child.type == "customize" else {}
            _check_blocks(child, f"a {child.type} block", children, diags)
        for required in schema.required:
            if required not in names:
                diags.append(
                    Diagnostic(
                        f"a {child.type} block needs {required}",
                        child.pos,
                        f"e.g. {child.type} {{ {required} = ... }}",
                    )
                )
