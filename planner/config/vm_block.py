"""One instance of a `vm` block -> a DesiredVM: each attribute and nested block evaluated and
checked against planner/config/schema.py, then the checks between attributes (cores_per_socket
divides cpus, ignore_changes names known attributes).

Every problem goes to the diagnostics list and checking goes on, so one run reports them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.config.context import AlreadyReported, Context, EvalError, did_you_mean
from planner.config.customize_block import CUSTOMIZE_SCHEMA, Partial, check_with_vm, read_customize
from planner.config.schema import (
    DISK_SCHEMA,
    IGNORABLE,
    LIFECYCLE_SCHEMA,
    NIC_SCHEMA,
    VM_SCHEMA,
    BlockSchema,
    Checker,
    check_attribute,
    element_pos,
    label,
    quoted,
    vm_name,
)
from planner.config.syntax import Attribute, Block, Literal, ObjectExpr, Template, written_text
from planner.model import DesiredVM, Disk, Nic, Pos
from planner.model.diagnostics import Diagnostic

NESTED: dict[str, BlockSchema] = {
    "disk": DISK_SCHEMA,
    "network_interface": NIC_SCHEMA,
    "lifecycle": LIFECYCLE_SCHEMA,
    "customize": CUSTOMIZE_SCHEMA,
}


@dataclass(slots=True)
class _Instance:
    """What checking one vm instance has gathered so far; `ok` turns False on any error."""

    ctx: Context
    diags: list[Diagnostic]
    ok: bool = True
    fields: dict[str, Any] = field(default_factory=dict)
    attr_pos: dict[str, Pos] = field(default_factory=dict)
    disks: list[Disk] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)
    lifecycle: dict[str, tuple[Any, Attribute]] = field(default_factory=dict)
    customize: Partial | None = None

    def guarded(self, item: Attribute, checker: Checker) -> Any:
        try:
            return check_attribute(item, checker, self.ctx)
        except AlreadyReported:
            self.ok = False
        except EvalError as exc:
            self.ok = False
            if exc.diagnostic not in self.diags:
                self.diags.append(exc.diagnostic)
        return None

    def guarded_value(self, value: Any, what: str, checker: Checker, pos: Pos) -> None:
        try:
            checker(what, value, pos)
        except EvalError as exc:
            self.ok = False
            self.diags.append(exc.diagnostic)


def build_vm(
    block: Block,
    dc: str,
    cluster: str | None,
    host: str | None,
    ctx: Context,
    diags: list[Diagnostic],
) -> DesiredVM | None:
    """One instance of a vm block; None when an error makes it meaningless (reported in diags)."""
    name = label(block, ctx, diags, "NAME")
    if name is None:
        return None
    vm = _Instance(ctx, diags, attr_pos={"name": block.labels[0].pos})
    if not _attributes(block, host, vm):
        vm.guarded_value(name, "the vm name", vm_name, block.labels[0].pos)
    has_disks = has_nics = False
    for child in block.body.blocks:
        has_disks = has_disks or child.type == "disk"
        has_nics = has_nics or child.type == "network_interface"
        _nested_block(child, vm)
    _cores_divide_cpus(vm)
    ignore, prevent = _lifecycle(vm)
    customize = None
    if vm.customize is not None:
        nic_count = len(vm.nics) if has_nics else None
        customize = check_with_vm(
            vm.customize, vm.fields.get("name", name), "template" in vm.attr_pos, nic_count, diags
        )
        vm.ok = vm.ok and customize is not None
    if not vm.ok:
        return None
    fields = vm.fields
    final_name = fields.pop("name", name)
    pinned = fields.pop("host", None)
    depends = tuple(fields.pop("depends_on", ()))
    fields.pop("count", None)
    return DesiredVM(
        datacenter=dc,
        name=final_name,
        cluster=cluster,
        host=host if host is not None else pinned,
        pos=block.pos,
        disks=tuple(vm.disks) if has_disks else None,
        nics=tuple(vm.nics) if has_nics else None,
        customize=customize,
        depends_on=depends,
        prevent_destroy=prevent,
        ignore_changes=ignore,
        attr_pos=vm.attr_pos,
        **fields,
    )


def _attributes(block: Block, host: str | None, vm: _Instance) -> bool:
    """The vm block's own attributes into `vm`; True when one of them is `name`."""
    named = False
    for item in block.body.attributes:
        attr = item.name
        if attr == "name":
            named = True
        checker = VM_SCHEMA.attributes.get(attr)
        if checker is None or attr == "count" or attr == "for_each":
            continue
        value = vm.guarded(item, checker)
        vm.attr_pos[attr] = item.expr.pos
        if value is not None:
            vm.fields[attr] = value
        if attr == "depends_on":
            for i in range(len(value or ())):
                vm.attr_pos[f"depends_on[{i}]"] = element_pos(item.expr, i)
        elif attr == "tags" and isinstance(item.expr, ObjectExpr):
            for key, expr in item.expr.items:  # where each category's tags were written
                if isinstance(key, Literal | Template):
                    vm.attr_pos[f"tags.{written_text(key)}"] = expr.pos
        elif attr == "host" and host is not None:
            vm.ok = False  # reported once per block by the static shape check
    return named


def _nested_block(child: Block, vm: _Instance) -> None:
    schema = NESTED.get(child.type)
    if schema is None:
        vm.ok = False
        return
    if child.type == "customize":
        vm.customize = read_customize(child, vm.guarded, vm.diags)
        vm.ok = vm.ok and not vm.customize.failed
        return
    if child.type == "disk":
        key = f"disk[{len(vm.disks)}]"
    elif child.type == "network_interface":
        key = f"network_interface[{len(vm.nics)}]"
    else:
        key = "lifecycle"
    vm.attr_pos[key] = child.pos
    values: dict[str, tuple[Any, Attribute]] = {}
    for item in child.body.attributes:
        checker = schema.attributes.get(item.name)
        if checker is None:
            vm.ok = False
            continue
        value = vm.guarded(item, checker)
        vm.attr_pos[f"{key}.{item.name}"] = item.expr.pos
        if value is not None:
            values[item.name] = (value, item)
    if child.type == "disk":
        if "size_gb" in values:
            vm.disks.append(Disk(values["size_gb"][0]))
        else:
            vm.ok = False
    elif child.type == "network_interface":
        if "network" in values:
            vm.nics.append(Nic(values["network"][0]))
        else:
            vm.ok = False
    else:
        vm.lifecycle.update(values)


def _cores_divide_cpus(vm: _Instance) -> None:
    if "cores_per_socket" not in vm.fields or "cpus" not in vm.fields:
        return
    cps, cpus = vm.fields["cores_per_socket"], vm.fields["cpus"]
    if cpus % cps:
        vm.ok = False
        divisors = ", ".join(str(d) for d in range(1, cpus + 1) if cpus % d == 0 and d <= 64)
        vm.diags.append(
            Diagnostic(
                f"cores_per_socket ({cps}) must divide cpus ({cpus})",
                vm.attr_pos["cores_per_socket"],
                "choose a divisor of cpus, e.g. " + divisors[:60],
            )
        )


_NOTHING_IGNORED: frozenset[str] = frozenset()  # one for every VM without ignore_changes


def _lifecycle(vm: _Instance) -> tuple[frozenset[str], bool]:
    """ignore_changes (each entry a known attribute) and prevent_destroy."""
    ignore = _NOTHING_IGNORED
    if "ignore_changes" in vm.lifecycle:
        names, item = vm.lifecycle["ignore_changes"]
        for i, entry in enumerate(names):
            if entry not in IGNORABLE:
                vm.ok = False
                hint = did_you_mean(entry, IGNORABLE) or f"allowed: {', '.join(IGNORABLE)}"
                message = f"ignore_changes names an unknown attribute {quoted(entry)}"
                diag = Diagnostic(message, element_pos(item.expr, i), hint)
                if diag not in vm.diags:
                    vm.diags.append(diag)
        ignore = frozenset(names)
        vm.attr_pos["ignore_changes"] = item.expr.pos
    prevent = False
    if "prevent_destroy" in vm.lifecycle:
        prevent = bool(vm.lifecycle["prevent_destroy"][0])
        vm.attr_pos["prevent_destroy"] = vm.lifecycle["prevent_destroy"][1].expr.pos
    if "restart_timeout" in vm.lifecycle:
        vm.fields["restart_timeout"] = vm.lifecycle["restart_timeout"][0]
    return ignore, prevent
