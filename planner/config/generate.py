"""Live VMs -> a configuration whose plan is nothing but adoption (docs/generate.md).

Takes the Inventory read from vCenter and returns file name -> HCL text in `vcplan fmt`'s layout:
`vcplan.hcl` (the workspace, and the URL when given) and one file per datacenter. Every value
written is the live value exactly as planner/attributes.py compares it. The layout is written
directly (indentation, aligned `=`), never by re-parsing the text through fmt, which takes seconds
on a large fleet. Pure: must not import pyVmomi, rich or typer.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from planner.config.check import MAX_CPUS, MAX_DISK_GB, MAX_MEMORY_MB
from planner.model import MARKER_PREFIX, Inventory, LiveVM
from planner.model.names import (
    annotation_problem,
    folder_problem,
    resource_pool_problem,
    tag_name_problem,
    vm_name_problem,
)

SETTINGS_FILE = "vcplan.hcl"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endif", "endfor", "else"})
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_INDENT = "  "  # fmt's: two spaces a level
_VM_INDENT = _INDENT * 2  # datacenter > cluster or host > vm


def hcl_string(value: str) -> str:
    """A quoted HCL string that evaluates to exactly `value`: escapes, and `${`/`%{` doubled so
    no template is interpolated (labels are templates too)."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + _TEMPLATE_START.sub(_literal_template_start, "".join(out)) + '"'


_TEMPLATE_START = re.compile(r"[$%]+(?=\{)")
_SIMPLE_TEMPLATE_BODY = re.compile(r'\{[^}$%"\\{]*\}')


def _literal_template_start(match: re.Match[str]) -> str:
    """`${`/`%{` as literal text. python-hcl2 only accepts `$${`/`%%{` when a `}` closes them
    (and a run like `$${` would swallow the next escape), so those become an interpolation of
    the literal characters instead: `${"$"}{`."""
    run = match.group(0)
    if len(run) == 1 and _SIMPLE_TEMPLATE_BODY.match(match.string, match.end()):
        return run * 2
    return '${"' + run + '"}'


def _key(name: str) -> str:
    return name if _IDENT.match(name) and name not in _KEYWORDS else hcl_string(name)


def _safe_name(name: str) -> str:
    """An identifier-like label or file stem: letters, digits, `_` and `-`, not starting with a
    digit or `-`."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_")
    if not safe:
        return "_"
    return safe if safe[0].isalpha() or safe[0] == "_" else f"_{safe}"


def _unique(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3`... not in `taken` (compared case-insensitively: labels and
    file names must not collide on case-insensitive file systems either)."""
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate.lower())
    return candidate


@dataclass(frozen=True, slots=True)
class _Container:
    """Where a VM block goes: a cluster, or a standalone host (cluster None)."""

    cluster: str | None
    host: str | None

    def sort_key(self) -> tuple[int, str]:
        return (0, self.cluster or "") if self.cluster is not None else (1, self.host or "")

    def header(self) -> str:
        if self.cluster is not None:
            return f"cluster {hcl_string(self.cluster)} {{"
        return f"host {hcl_string(self.host or '')} {{"


def _skip_reason(vm: LiveVM, workspace: str, sharing_its_name: int) -> str | None:
    if vm.template:
        return "a template: vcplan manages VMs; name it in a VM's template attribute to clone it"
    if sharing_its_name > 1:
        return (
            f"{sharing_its_name} VMs and templates of this datacenter share this name, and a "
            "VM's identity is its name; rename them in vCenter, then generate again"
        )
    if vm.workspace not in (None, workspace):
        return f"belongs to workspace {hcl_string(vm.workspace)}; it stays that workspace's"
    problem = vm_name_problem(vm.name)  # e.g. vCenter shows a '/' in a name as '%2f'
    return f"its name cannot be declared: {problem}" if problem else None


def _whole(value: int, low: int, high: int) -> bool:
    return low <= value <= high


def _aligned(pairs: Sequence[tuple[str, str]], indent: str) -> list[str]:
    """A run of one-line `key = value` attributes as `vcplan fmt` lays it out (fmt.py's _align):
    every `=` one space after the run's longest key."""
    width = max((len(key) for key, _ in pairs), default=0)
    return [f"{indent}{key.ljust(width)} = {value}" for key, value in pairs]


def _map(name: str, pairs: Sequence[tuple[str, str]], indent: str) -> list[str]:
    """`name = {`, its keys one level deeper, `}`. fmt ends a run of aligned attributes at a
    line that opens a multi-line value and aligns the keys inside as a run of their own."""
    return [f"{indent}{name} = {{", *_aligned(pairs, indent + _INDENT), f"{indent}}}"]


def _declared(
    attrs: list[tuple[str, str]], notes: list[str], key: str, value: str, problem: str | None
) -> None:
    """`key = value`, or, when the language would refuse the value (vCenter shows a `/` in a
    folder's or pool's name as `%2f`), a comment saying why it is not managed."""
    if problem is None:
        attrs.append((key, hcl_string(value)))
    else:
        notes.append(f"{key}: {problem}: not managed")


def _vm_lines(
    vm: LiveVM, label: str, inventory: Inventory, pin_host: bool, refused: Mapping[str, str]
) -> list[str]:
    """One vm block. A value the language would refuse (vcsim and old VMs have some) is left
    out, so unmanaged, with a comment saying why."""
    indent = _VM_INDENT
    notes: list[str] = []
    attrs: list[tuple[str, str]] = []
    if label != vm.name:
        attrs.append(("name", hcl_string(vm.name)))
    if pin_host:
        attrs.append(("host", hcl_string(vm.host)))
    cpus_ok = _whole(vm.cpus, 1, MAX_CPUS)
    if cpus_ok:
        attrs.append(("cpus", str(vm.cpus)))
    else:
        notes.append(f"cpus = {vm.cpus} is outside 1..{MAX_CPUS}: not managed")
    if cpus_ok and _whole(vm.cores_per_socket, 1, MAX_CPUS) and vm.cpus % vm.cores_per_socket == 0:
        attrs.append(("cores_per_socket", str(vm.cores_per_socket)))
    else:
        notes.append(f"cores_per_socket = {vm.cores_per_socket} does not divide cpus: not managed")
    if _whole(vm.memory_mb, 4, MAX_MEMORY_MB) and vm.memory_mb % 4 == 0:
        attrs.append(("memory_mb", str(vm.memory_mb)))
    else:
        notes.append(f"memory_mb = {vm.memory_mb} is not a multiple of 4 MB: not managed")
    attrs.append(("power", hcl_string(vm.power.value)))
    if vm.folder:
        _declared(attrs, notes, "folder", vm.folder, folder_problem(vm.folder))
    owner = vm.cluster if vm.cluster is not None else vm.host
    if vm.resource_pool and vm.resource_pool in inventory.resource_pools.get(
        (vm.datacenter, owner), frozenset()
    ):
        pool = vm.resource_pool
        _declared(attrs, notes, "resource_pool", pool, resource_pool_problem(pool))
    if vm.annotation:
        _declared(attrs, notes, "annotation", vm.annotation, annotation_problem(vm.annotation))
    tags = {}
    for category, names in sorted((vm.tags or {}).items()):
        problem = _tag_problem(category, names, refused)
        if problem is None:
            tags[category] = names
        else:
            notes.append(f"tags of category {hcl_string(category)}: {problem}: not managed")
    custom = {k: v for k, v in vm.attributes.items() if not k.startswith(MARKER_PREFIX)}
    inner = indent + _INDENT
    blocks: list[tuple[str, str, str]] = []
    if all(_whole(d.size_gb, 1, MAX_DISK_GB) for d in vm.disks):
        blocks += [("disk", "size_gb", str(d.size_gb)) for d in vm.disks]
    else:
        notes.append("a disk's size is outside what the language accepts: disks not managed")
    networks = inventory.networks.get(vm.datacenter, frozenset())
    if all(n.network.strip() and n.network in networks for n in vm.nics):
        blocks += [("network_interface", "network", hcl_string(n.network)) for n in vm.nics]
    else:
        notes.append("a network adapter has no known network: network interfaces not managed")
    lines = [f"{indent}# {note}" for note in notes]
    lines.append(f"{indent}vm {hcl_string(label)} {{")
    lines += _aligned(attrs, inner)
    if custom:
        pairs = [(_key(k), hcl_string(v)) for k, v in sorted(custom.items())]
        lines += _map("attributes", pairs, inner)
    if tags:
        lines += _map("tags", [(_key(k), _tag_value(v)) for k, v in tags.items()], inner)
    for kind, key, value in blocks:
        lines += ["", f"{inner}{kind} {{", f"{inner}{_INDENT}{key} = {value}", f"{inner}}}"]
    lines.append(f"{indent}}}")
    return lines


@functools.lru_cache(maxsize=4096)  # the same few (category, names) recur on every VM
def _first_problem(category: str, names: tuple[str, ...]) -> str | None:
    return tag_name_problem(category, "category") or next(
        (why for why in map(tag_name_problem, names) if why), None
    )


def _refused_categories(inventory: Inventory) -> dict[str, str]:
    """Category -> why a configuration could not declare its tag_category block, which lists
    all of its tags; read once, not for each VM that carries the category."""
    refused = {}
    for name, category in (inventory.tag_categories or {}).items():
        problem = _first_problem(name, tuple(category.tags))
        if problem is not None:
            refused[name] = problem
    return refused


def _tag_problem(category: str, names: Sequence[str], refused: Mapping[str, str]) -> str | None:
    """Why a configuration could not declare a VM's tags of `category`, or None."""
    return refused.get(category) or _first_problem(category, tuple(names))


def _tag_value(names: Sequence[str]) -> str:
    """One tag as a string, several as a list (docs/language.md#tags)."""
    if len(names) == 1:
        return hcl_string(names[0])
    return "[" + ", ".join(hcl_string(n) for n in names) + "]"


def _tag_category_lines(inventory: Inventory, used: set[str]) -> list[str]:
    """A tag_category block for each category a generated VM carries, as vCenter has it, so
    the configuration states the tags it relies on (docs/generate.md)."""
    lines: list[str] = []
    for name in sorted(used):
        category = (inventory.tag_categories or {}).get(name)
        if category is None:
            continue
        attrs = [("cardinality", hcl_string(category.cardinality))]
        if category.description:
            attrs.append(("description", hcl_string(category.description)))
        attrs.append(("tags", _tag_list(sorted(category.tags))))
        lines += ["", f"tag_category {hcl_string(name)} {{", *_aligned(attrs, _INDENT), "}"]
    return lines


def _tag_list(names: Sequence[str]) -> str:
    return "[" + ", ".join(hcl_string(n) for n in names) + "]"


def _container_of(vm: LiveVM) -> _Container:
    if vm.cluster is not None:
        return _Container(vm.cluster, None)
    return _Container(None, vm.host)


def left_out(inventory: Inventory, workspace: str) -> dict[str, str]:
    """moref -> why generate leaves that VM out (a template, another workspace's, a name shared
    in its datacenter...); every other VM gets a block."""
    names = Counter((vm.datacenter, vm.name) for vm in inventory.vms)
    reasons = {}
    for vm in inventory.vms:
        reason = _skip_reason(vm, workspace, names[(vm.datacenter, vm.name)])
        if reason is not None:
            reasons[vm.moref] = reason
    return reasons


def _datacenter_text(
    dc: str,
    vms: Iterable[LiveVM],
    inventory: Inventory,
    reasons: dict[str, str],
    refused: Mapping[str, str],
) -> str:
    vms = sorted(vms, key=lambda v: (v.name, v.moref))
    # A URL scoped to one host of a cluster reads only that host's VMs; `plan` with that URL
    # needs them pinned there, or they would fall outside its scope.
    pin_host = inventory.scope.host is not None
    by_container: dict[_Container, list[list[str]]] = {}
    skipped: dict[_Container, list[str]] = {}
    labels: set[str] = set()
    for vm in vms:
        container = _container_of(vm)
        by_container.setdefault(container, [])
        reason = reasons.get(vm.moref)
        if reason is not None:
            skipped.setdefault(container, []).append(
                f"{_VM_INDENT}# skipped {hcl_string(vm.name)}: {reason}"
            )
            continue
        label = _unique(_safe_name(vm.name), labels)
        pinned = pin_host and vm.cluster is not None
        by_container[container].append(_vm_lines(vm, label, inventory, pinned, refused))
    lines = [
        f"# Generated by `vcplan generate` from the live VMs of datacenter {hcl_string(dc)}.",
        f"datacenter {hcl_string(dc)} {{",
    ]
    for n, container in enumerate(sorted(by_container, key=_Container.sort_key)):
        if n:
            lines.append("")
        lines.append(_INDENT + container.header())
        lines += skipped.get(container, [])
        for i, block in enumerate(by_container[container]):
            if i or skipped.get(container):
                lines.append("")
            lines += block
        lines.append(_INDENT + "}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _settings_text(workspace: str, url: str | None, categories: list[str] | None = None) -> str:
    lines = [
        "# Generated by `vcplan generate`. `vcplan plan` on this directory adopts these VMs:",
        "# it only marks them as this workspace's. Review the files, then plan and apply.",
        "vcplan {",
        f"{_INDENT}workspace = {hcl_string(workspace)}",
        "}",
    ]
    if url:
        lines += ["", "vcenter {", f"{_INDENT}url = {hcl_string(url)}", "}"]
    lines += categories or []
    return "\n".join(lines) + "\n"


def generate_config(inventory: Inventory, workspace: str, url: str | None = None) -> dict[str, str]:
    """File name -> HCL text for every VM of the inventory; templates, VMs of another workspace
    and VMs whose name is not unique in their datacenter are left out with a comment saying why.
    `url` (no credential in it) goes into a vcenter block, so `plan` reads the same scope."""
    if url and inventory.is_esx:  # an esx:// URL takes no path, though a plan shows one
        url = url.split("://", 1)[0] + "://" + url.split("://", 1)[-1].split("/", 1)[0]
    reasons = left_out(inventory, workspace)
    refused = _refused_categories(inventory)
    used = {
        category
        for vm in inventory.vms
        if vm.moref not in reasons
        for category, names in (vm.tags or {}).items()
        if _tag_problem(category, names, refused) is None
    }
    files = {SETTINGS_FILE: _settings_text(workspace, url, _tag_category_lines(inventory, used))}
    taken = {SETTINGS_FILE.removesuffix(".hcl").lower()}
    by_dc: dict[str, list[LiveVM]] = {}
    for vm in inventory.vms:
        by_dc.setdefault(vm.datacenter, []).append(vm)
    for dc in sorted(by_dc):
        stem = _unique(_safe_name(dc), taken)
        files[f"{stem}.hcl"] = _datacenter_text(dc, by_dc[dc], inventory, reasons, refused)
    return files
