"""The schema of `datacenter` / `cluster` / `host` / `vm` blocks: evaluated, type- and range-checked
values -> DesiredVM, Container. Then the checks across VMs: duplicate names, `depends_on`.

Every problem is appended to a diagnostics list and checking goes on, so one run reports them all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from planner.config.durations import duration_seconds
from planner.config.evaluate import AlreadyReported, Context, EvalError, did_you_mean, evaluate
from planner.config.expand import instances
from planner.config.syntax import Attribute, Block, Expr, TupleExpr
from planner.config.values import ConversionError, describe, is_number, show, to_string
from planner.model import MARKER_PREFIX, Container, DesiredVM, Disk, Nic, Pos, Power
from planner.model.attributes import ignorable_names
from planner.model.diagnostics import Diagnostic

# ---------------------------------------------------------------------------------------------
# Attribute checkers: (value, pos) -> checked value, or an EvalError
# ---------------------------------------------------------------------------------------------

Checker = Callable[[str, Any, Pos], Any]

# vSphere 8's limits for one VM: past these a value is a typo, not a wish.
MAX_CPUS = 768
MAX_MEMORY_MB = 24 * 1024 * 1024
MAX_DISK_GB = 62 * 1024


def whole(minimum: int, maximum: int | None = None) -> Checker:
    def check(name: str, value: Any, pos: Pos) -> int:
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


def duration(minimum: int, maximum: int) -> Checker:
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
    if isinstance(value, list | dict | frozenset) or value is None:
        raise EvalError(f"{name} must be a string (got {describe(value)})", pos)
    return to_string(value)


def nonempty(name: str, value: Any, pos: Pos) -> str:
    result = text(name, value, pos)
    if not result.strip():
        raise EvalError(f"{name} must not be empty", pos)
    return result


def vm_name(name: str, value: Any, pos: Pos) -> str:
    result = nonempty(name, value, pos)
    if len(result) > 80:
        raise EvalError(f"{name} is longer than vCenter's 80 characters ({len(result)})", pos)
    return result


def path(name: str, value: Any, pos: Pos) -> str:
    """Folder and resource pool paths: "prod/web", with no empty segment."""
    result = text(name, value, pos).strip("/")
    if any(not part.strip() for part in result.split("/")) and result:
        raise EvalError(f"{name} has an empty path segment ({show(result)})", pos)
    return result


def boolean(name: str, value: Any, pos: Pos) -> bool:
    if value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise EvalError(f"{name} must be true or false (got {describe(value)})", pos)
    return value


def power(name: str, value: Any, pos: Pos) -> Power:
    choices = [p.value for p in Power]
    if not isinstance(value, str) or value not in choices:
        hint = did_you_mean(value, choices) if isinstance(value, str) else None
        raise EvalError(
            f'{name} must be one of "on", "off", "suspended" (got {describe(value)})', pos, hint
        )
    return Power(value)


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
        "folder": path,
        "resource_pool": path,
        "datastore": nonempty,
        "template": nonempty,
        "annotation": text,
        "attributes": string_map,
        "depends_on": string_list,
        "shutdown_timeout": whole(0, 86_400),
    },
    blocks=("disk", "network_interface", "lifecycle"),
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

# What `lifecycle { ignore_changes }` may name: the attribute table says.
IGNORABLE = ignorable_names()


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
    base = replace(ctx, where=f"in vm {show(_label_text(block))}")
    _check_static_shape(block, host, diags)
    try:
        contexts = instances(block, base)
    except AlreadyReported:
        return
    except EvalError as exc:
        diags.append(exc.diagnostic)
        return
    for instance in contexts:
        vm = build_vm(block, dc, cluster, host, instance, diags, out)
        if vm is not None:
            out.vms.append(vm)


def _label_text(block: Block) -> str:
    from planner.config.syntax import Literal, Template

    if block.labels and isinstance(block.labels[0], Template):
        return "".join(p if isinstance(p, str) else "${...}" for p in block.labels[0].parts)
    if block.labels and isinstance(block.labels[0], Literal):
        return str(block.labels[0].value)
    return "?"


def _check_static_shape(block: Block, host: str | None, diags: list[Diagnostic]) -> None:
    """Schema errors that do not depend on values: reported once per block, not per instance."""
    seen: dict[str, Pos] = {}
    for item in block.body.attributes:
        if item.name in seen:
            diags.append(
                Diagnostic(
                    f"{item.name} is set twice", item.name_pos, f"first set at {seen[item.name]}"
                )
            )
        seen[item.name] = item.name_pos
        if item.name not in VM_SCHEMA.attributes:
            diags.append(unknown_attribute(item, "a vm block", VM_SCHEMA))
        elif item.name == "host" and host is not None:
            diags.append(
                Diagnostic(
                    f"this vm is on standalone host {show(host)} already",
                    item.name_pos,
                    "host = ... pins a VM to one host of its cluster; remove it here",
                )
            )
    lifecycles = 0
    for child in block.body.blocks:
        schema = {
            "disk": DISK_SCHEMA,
            "network_interface": NIC_SCHEMA,
            "lifecycle": LIFECYCLE_SCHEMA,
        }.get(child.type)
        if schema is None:
            diags.append(unknown_block(child, "a vm block", VM_SCHEMA.blocks))
            continue
        if child.labels:
            diags.append(Diagnostic(f"a {child.type} block takes no name", child.labels[0].pos))
        if child.type == "lifecycle":
            lifecycles += 1
            if lifecycles > 1:
                diags.append(Diagnostic("a vm block has at most one lifecycle block", child.pos))
        for item in child.body.attributes:
            if item.name not in schema.attributes:
                diags.append(unknown_attribute(item, f"a {child.type} block", schema))
        for nested in child.body.blocks:
            diags.append(unknown_block(nested, f"a {child.type} block", ()))
        names = {a.name for a in child.body.attributes}
        for required in schema.required:
            if required not in names:
                diags.append(
                    Diagnostic(
                        f"a {child.type} block needs {required}",
                        child.pos,
                        f"e.g. {child.type} {{ {required} = ... }}",
                    )
                )


def build_vm(
    block: Block,
    dc: str,
    cluster: str | None,
    host: str | None,
    ctx: Context,
    diags: list[Diagnostic],
    out: Collected,
) -> DesiredVM | None:
    """One instance of a vm block; None when an error makes it meaningless (reported in diags)."""
    name = label(block, ctx, diags, "NAME")
    if name is None:
        return None
    fields: dict[str, Any] = {}
    attr_pos: dict[str, Pos] = {"name": block.labels[0].pos}
    ok = True

    def guarded(item: Attribute, checker: Checker) -> Any:
        nonlocal ok
        try:
            return check_attribute(item, checker, ctx)
        except AlreadyReported:
            ok = False
        except EvalError as exc:
            ok = False
            if exc.diagnostic not in diags:
                diags.append(exc.diagnostic)
        return None

    for item in block.body.attributes:
        checker = VM_SCHEMA.attributes.get(item.name)
        if checker is None or item.name in ("count", "for_each"):
            continue
        value = guarded(item, checker)
        attr_pos[item.name] = item.expr.pos
        if value is not None:
            fields[item.name] = value
        if item.name == "depends_on":
            for i in range(len(value or ())):
                attr_pos[f"depends_on[{i}]"] = element_pos(item.expr, i)
        if item.name == "host" and host is not None:
            ok = False  # reported by _check_static_shape

    disks: list[Disk] = []
    nics: list[Nic] = []
    lifecycle: dict[str, Any] = {}
    for child in block.body.blocks:
        values = {}
        schema = {
            "disk": DISK_SCHEMA,
            "network_interface": NIC_SCHEMA,
            "lifecycle": LIFECYCLE_SCHEMA,
        }.get(child.type)
        if schema is None:
            ok = False
            continue
        key = {
            "disk": f"disk[{len(disks)}]",
            "network_interface": f"network_interface[{len(nics)}]",
            "lifecycle": "lifecycle",
        }[child.type]
        attr_pos[key] = child.pos
        for item in child.body.attributes:
            checker = schema.attributes.get(item.name)
            if checker is None:
                ok = False
                continue
            value = guarded(item, checker)
            attr_pos[f"{key}.{item.name}"] = item.expr.pos
            if value is not None:
                values[item.name] = (value, item)
        if child.type == "disk":
            if "size_gb" in values:
                disks.append(Disk(values["size_gb"][0]))
            else:
                ok = False
        elif child.type == "network_interface":
            if "network" in values:
                nics.append(Nic(values["network"][0]))
            else:
                ok = False
        else:
            lifecycle.update(values)

    if "cores_per_socket" in fields and "cpus" in fields:
        cps, cpus = fields["cores_per_socket"], fields["cpus"]
        if cpus % cps:
            ok = False
            diags.append(
                Diagnostic(
                    f"cores_per_socket ({cps}) must divide cpus ({cpus})",
                    attr_pos["cores_per_socket"],
                    "choose a divisor of cpus, e.g. "
                    + ", ".join(str(d) for d in range(1, cpus + 1) if cpus % d == 0 and d <= 64)[
                        :60
                    ],
                )
            )

    ignore: frozenset[str] = frozenset()
    if "ignore_changes" in lifecycle:
        names, item = lifecycle["ignore_changes"]
        for i, entry in enumerate(names):
            if entry not in IGNORABLE:
                ok = False
                hint = did_you_mean(entry, IGNORABLE) or f"allowed: {', '.join(IGNORABLE)}"
                message = f"ignore_changes names an unknown attribute {quoted(entry)}"
                diag = Diagnostic(message, element_pos(item.expr, i), hint)
                if diag not in diags:
                    diags.append(diag)
        ignore = frozenset(names)
        attr_pos["ignore_changes"] = item.expr.pos
    prevent = bool(lifecycle["prevent_destroy"][0]) if "prevent_destroy" in lifecycle else False
    if "prevent_destroy" in lifecycle:
        attr_pos["prevent_destroy"] = lifecycle["prevent_destroy"][1].expr.pos
    if "restart_timeout" in lifecycle:
        fields["restart_timeout"] = lifecycle["restart_timeout"][0]

    if not ok:
        return None
    final_name = fields.pop("name", name)
    pinned = fields.pop("host", None)
    depends = tuple(fields.pop("depends_on", ()))
    fields.pop("count", None)
    if "shutdown_timeout" not in fields:
        fields.pop("shutdown_timeout", None)
    vm = DesiredVM(
        datacenter=dc,
        name=final_name,
        cluster=cluster,
        host=host if host is not None else pinned,
        pos=block.pos,
        disks=tuple(disks) if any(c.type == "disk" for c in block.body.blocks) else None,
        nics=tuple(nics) if any(c.type == "network_interface" for c in block.body.blocks) else None,
        depends_on=depends,
        prevent_destroy=prevent,
        ignore_changes=ignore,
        attr_pos=attr_pos,
        **fields,
    )
    return vm


# ---------------------------------------------------------------------------------------------
# Across VMs
# ---------------------------------------------------------------------------------------------


def check_across(vms: Sequence[DesiredVM], diags: list[Diagnostic]) -> list[DesiredVM]:
    """Duplicate names in a datacenter, and depends_on naming unknown VMs or forming a cycle."""
    by_address: dict[tuple[str, str], DesiredVM] = {}
    for vm in vms:
        key = (vm.datacenter, vm.name)
        if key in by_address:
            first = by_address[key]
            diags.append(
                Diagnostic(
                    f"two VMs are named {quoted(vm.name)} in datacenter {vm.datacenter}",
                    vm.attr_pos.get("name", vm.pos),
                    f"first declared at {first.attr_pos.get('name', first.pos)}; "
                    "a VM's name must be unique in its datacenter",
                )
            )
            continue
        by_address[key] = vm
    names_by_dc: dict[str, list[str]] = {}
    for dc, name in by_address:
        names_by_dc.setdefault(dc, []).append(name)
    for vm in by_address.values():
        for i, dep in enumerate(vm.depends_on):
            pos = vm.attr_pos.get(f"depends_on[{i}]", vm.attr_pos.get("depends_on", vm.pos))
            if dep == vm.name:
                diags.append(Diagnostic(f"{vm.name} depends on itself", pos))
            elif (vm.datacenter, dep) not in by_address:
                hint = did_you_mean(dep, names_by_dc.get(vm.datacenter, ()))
                diags.append(
                    Diagnostic(
                        f"depends_on names {quoted(dep)}, which is not a VM of datacenter "
                        f"{vm.datacenter}",
                        pos,
                        hint or "depends_on takes the names of VMs declared in the same datacenter",
                    )
                )
    diags.extend(_cycles(by_address))
    return list(by_address.values())


def _cycles(by_address: dict[tuple[str, str], DesiredVM]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    state: dict[tuple[str, str], int] = {}  # 1 visiting, 2 done
    reported: set[frozenset[tuple[str, str]]] = set()

    def visit(key: tuple[str, str], trail: list[tuple[str, str]]) -> None:
        state[key] = 1
        trail.append(key)
        vm = by_address[key]
        for dep in vm.depends_on:
            nxt = (vm.datacenter, dep)
            if nxt not in by_address or nxt == key:
                continue
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    start = by_address[cycle[0]]
                    i = start.depends_on.index(cycle[1][1]) if len(cycle) > 1 else 0
                    path_text = " -> ".join(f"{dc}/{name}" for dc, name in cycle)
                    found.append(
                        Diagnostic(
                            f"depends_on forms a cycle: {path_text}",
                            start.attr_pos.get(f"depends_on[{i}]", start.pos),
                            "remove one of these dependencies",
                        )
                    )
            elif state.get(nxt) is None:
                visit(nxt, trail)
        trail.pop()
        state[key] = 2

    for key in by_address:
        if key not in state:
            visit(key, [])
    return found
