"""The attribute table: what each VM attribute *is*, said once.

For every attribute the configuration can manage: how its live value is read, how it compares,
which apply step changes it, whether the change needs a power cycle (and when), whether it moves
the VM, whether `ignore_changes` may name it. One pure function, `changed`, reads the table;
plan, drift, the executor's re-check after a create and the provider's operations all take its
answer and never decide again. Adding an attribute is a row here, a reader, an operation and a
paragraph in docs/language.md.

Must not import anything of ours outside planner/model, nor pyVmomi, rich or typer.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from planner.model.vm import Customization, DesiredVM, LiveVM, Power


class StepKind(enum.Enum):
    """The apply steps, in the order they run for one VM (docs/apply.md)."""

    FOLDER = "folder"
    TAG_CATEGORY = "tag_category"  # a declared tag category and its tags, before any VM's tags
    CREATE = "create"
    MOVE = "move"
    POWER_OFF = "power_off"
    RESTART = "restart"  # a guest reboot (a reset without VMware Tools), then back up
    RECONFIGURE = "reconfigure"
    TAGS = "tags"  # attach and detach vSphere tags: never a power cycle
    POWER = "power"
    MARKERS = "markers"
    DELETE = "delete"


class Compare(enum.Enum):
    """How a desired value is held against the live one."""

    SCALAR = "scalar"  # equal or not
    ANY_OF = "any_of"  # the desired value is one of the live values (a VM on several datastores)
    DECLARED_KEYS = "declared_keys"  # only the keys the configuration names are managed
    ORDERED_LIST = "ordered_list"  # element by element, in order (disks, NICs)
    CREATE_ONLY = "create_only"  # used when the VM is created, never a change afterwards


PowerCycleRule = Callable[[Any, Any, LiveVM], bool]


def _always(_before: Any, _after: Any, _vm: LiveVM) -> bool:
    return True


def _cpu_cycle(before: Any, after: Any, vm: LiveVM) -> bool:
    """vCenter refuses a CPU decrease on a running VM, and an increase without CPU hot-add."""
    return bool(after < before or not vm.cpu_hot_add)


def _memory_cycle(before: Any, after: Any, vm: LiveVM) -> bool:
    """Likewise for memory: no decrease, and an increase only with memory hot-add."""
    return bool(after < before or not vm.memory_hot_add)


GUESTINFO_PREFIX = "guestinfo."


def _extra_config_cycle(before: Any, after: Any, _vm: LiveVM) -> bool:
    """A running VM accepts any extraConfig change, but only `guestinfo.*` keys are read live
    (by the guest, through VMware Tools); the VMX reads every other key at power-on, so such a
    change takes effect only after a power cycle (docs/language.md#extra_config)."""
    return any(
        not key.startswith(GUESTINFO_PREFIX) and (before or {}).get(key) != value
        for key, value in (after or {}).items()
    )


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str  # as the configuration, the model, the JSON plan and the docs spell it
    compare: Compare
    step: StepKind  # the apply step that changes it
    live: Callable[[LiveVM], Any]  # the live value, in the configuration's shape
    power_cycle: PowerCycleRule | None = None  # a change needs the running VM powered off when
    moves: bool = False  # a change relocates the VM
    ignorable: bool = True  # `lifecycle { ignore_changes }` may name it
    always_managed: bool = False  # compared even when the configuration leaves it out
    power_cycle_reason: str = ""  # how a plan explains the power cycle
    absent: Any = None  # a declared key the VM does not have, as the configuration would say it
    # the live value is None when the run did not read it (tags): unknown, so never compared
    may_be_unread: bool = False


def _live_folder(vm: LiveVM) -> str:
    return vm.folder


def _live_tags(vm: LiveVM) -> dict[str, list[str]] | None:
    return None if vm.tags is None else {k: list(v) for k, v in vm.tags.items()}


def _live_workspace(vm: LiveVM) -> str | None:
    """The marker as written in the custom attribute: a VM owned only through its create spec's
    copy still needs it written, so it reads as unmarked here (docs/language.md#ownership)."""
    return None if vm.markers_pending else vm.workspace


ATTRIBUTES: tuple[Attribute, ...] = (
    # a standalone host's VM has cluster None, so `cluster` is compared even when unset
    Attribute("cluster", Compare.SCALAR, StepKind.MOVE, lambda vm: vm.cluster, moves=True,
              always_managed=True, ignorable=False),
    Attribute("host", Compare.SCALAR, StepKind.MOVE, lambda vm: vm.host, moves=True),
    Attribute("resource_pool", Compare.SCALAR, StepKind.MOVE, lambda vm: vm.resource_pool,
              moves=True),
    Attribute("datastore", Compare.ANY_OF, StepKind.MOVE, lambda vm: vm.datastores, moves=True),
    Attribute("folder", Compare.SCALAR, StepKind.MOVE, _live_folder, moves=True),
    Attribute("template", Compare.CREATE_ONLY, StepKind.CREATE, lambda vm: None),
    # the guest owns its identity after the first boot: never read, never a change
    Attribute("customize", Compare.CREATE_ONLY, StepKind.CREATE, lambda vm: None,
              ignorable=False),
    Attribute("cpus", Compare.SCALAR, StepKind.RECONFIGURE, lambda vm: vm.cpus,
              power_cycle=_cpu_cycle, power_cycle_reason="CPU change without CPU hot-add"),
    Attribute("cores_per_socket", Compare.SCALAR, StepKind.RECONFIGURE,
              lambda vm: vm.cores_per_socket, power_cycle=_always,
              power_cycle_reason="cores per socket change only while powered off"),
    Attribute("memory_mb", Compare.SCALAR, StepKind.RECONFIGURE, lambda vm: vm.memory_mb,
              power_cycle=_memory_cycle,
              power_cycle_reason="memory change without memory hot-add"),
    Attribute("annotation", Compare.SCALAR, StepKind.RECONFIGURE, lambda vm: vm.annotation),
    Attribute("attributes", Compare.DECLARED_KEYS, StepKind.RECONFIGURE,
              lambda vm: dict(vm.attributes)),
    Attribute("extra_config", Compare.DECLARED_KEYS, StepKind.RECONFIGURE,
              lambda vm: dict(vm.extra_config), power_cycle=_extra_config_cycle,
              power_cycle_reason="extra_config keys other than guestinfo.* apply at power-on"),
    Attribute("disk", Compare.ORDERED_LIST, StepKind.RECONFIGURE,
              lambda vm: [{"size_gb": d.size_gb} for d in vm.disks]),
    Attribute("network_interface", Compare.ORDERED_LIST, StepKind.RECONFIGURE,
              lambda vm: [{"network": n.network} for n in vm.nics]),
    # a category the VM has no tag in reads as []: `team = []` means "no tag of team"
    Attribute("tags", Compare.DECLARED_KEYS, StepKind.TAGS, _live_tags, absent=[],
              may_be_unread=True),
    Attribute("power", Compare.SCALAR, StepKind.POWER, lambda vm: vm.power.value),
    Attribute("workspace", Compare.SCALAR, StepKind.MARKERS, _live_workspace, ignorable=False),
    Attribute("prevent_destroy", Compare.SCALAR, StepKind.MARKERS,
              lambda vm: vm.prevent_destroy, ignorable=False),
)  # fmt: skip
BY_NAME: Mapping[str, Attribute] = {a.name: a for a in ATTRIBUTES}

# Settings that are not attributes of the VM but may still be named by ignore_changes.
IGNORABLE_SETTINGS = ("shutdown_timeout",)


def ignorable_names() -> tuple[str, ...]:
    """What `lifecycle { ignore_changes }` may name."""
    return tuple(a.name for a in ATTRIBUTES if a.ignorable) + IGNORABLE_SETTINGS


def normalize_folder(path: str | None) -> str | None:
    if path is None:
        return None
    return "/".join(p for p in path.split("/") if p)


def desired_attributes(vm: DesiredVM, workspace: str) -> dict[str, Any]:
    """A plan's `after`: what apply should bring the VM to. None means "not managed"; a
    standalone host's VM has `cluster` None."""
    return {
        "datacenter": vm.datacenter,
        "name": vm.name,
        "cluster": vm.cluster,
        "host": vm.host,
        "resource_pool": vm.resource_pool,
        "datastore": vm.datastore,
        "folder": normalize_folder(vm.folder),
        "template": vm.template,
        "customize": customize_after(vm.customize),
        "cpus": vm.cpus,
        "cores_per_socket": vm.cores_per_socket,
        "memory_mb": vm.memory_mb,
        "power": vm.power.value if vm.power is not None else None,
        "annotation": vm.annotation,
        "attributes": dict(vm.attributes) if vm.attributes is not None else None,
        "extra_config": dict(vm.extra_config) if vm.extra_config is not None else None,
        "tags": {k: list(v) for k, v in vm.tags.items()} if vm.tags is not None else None,
        "disk": [{"size_gb": d.size_gb} for d in vm.disks] if vm.disks is not None else None,
        "network_interface": (
            [{"network": n.network} for n in vm.nics] if vm.nics is not None else None
        ),
        "depends_on": [f"{vm.datacenter}/{d}" for d in vm.depends_on],
        "workspace": workspace,
        "prevent_destroy": vm.prevent_destroy,
        "shutdown_timeout": vm.shutdown_timeout,
        "restart_timeout": vm.restart_timeout,
    }


def customize_after(spec: Customization | None) -> dict[str, Any] | None:
    """A customization as a plan's `after.customize`: plain JSON, the password's variable
    name but never the password (docs/plan-format.md)."""
    if spec is None:
        return None
    windows = spec.windows
    return {
        "hostname": spec.hostname,
        "domain": spec.domain,
        "dns_servers": list(spec.dns_servers),
        "dns_suffixes": list(spec.dns_suffixes),
        "time_zone": spec.time_zone,
        "network_interface": [
            None
            if nic is None
            else {
                "ipv4_address": nic.address,
                "ipv4_prefix": nic.prefix,
                "ipv4_gateway": nic.gateway,
            }
            for nic in spec.interfaces
        ],
        "windows": None
        if windows is None
        else {
            "computer_name": windows.computer_name,
            "workgroup": windows.workgroup,
            "join_domain": windows.join_domain,
            "domain_admin": windows.domain_admin,
            "domain_password_env": windows.domain_password_env,
        },
    }


def _shown(attribute: Attribute) -> Callable[[LiveVM], Any]:
    """How a plan's `before` reads the attribute: its live value, but one datastore, not the
    VM's list."""
    read = attribute.live
    if attribute.compare is not Compare.ANY_OF:
        return read

    def first(vm: LiveVM) -> Any:
        values = read(vm)
        return values[0] if values else None

    return first


# resolved once from the table: a plan reads every VM of the fleet
_SHOWN = tuple((a.name, _shown(a)) for a in ATTRIBUTES)
_COMPARED = tuple(a for a in ATTRIBUTES if a.compare is not Compare.CREATE_ONLY)
_POWER_CYCLE_RULES = {a.name: a.power_cycle for a in ATTRIBUTES if a.power_cycle is not None}
_MOVING = frozenset(a.name for a in ATTRIBUTES if a.moves)


def live_attributes(vm: LiveVM) -> dict[str, Any]:
    """A plan's `before`: the VM as vCenter has it, in the shape of `desired_attributes`."""
    shown: dict[str, Any] = {"datacenter": vm.datacenter, "name": vm.name}
    for name, read in _SHOWN:
        shown[name] = read(vm)
    return shown


def unread(attribute: Attribute, vm: LiveVM) -> bool:
    """Whether this run did not read the attribute's live value (tags read only when the
    configuration uses them): then it is unknown, not empty, and nothing is compared."""
    return attribute.may_be_unread and attribute.live(vm) is None


def comparable(attribute: Attribute, want: Any, vm: LiveVM) -> Any:
    """The live value as the configuration would state it, given what it wants; None when it
    was not read (`unread`)."""
    value = attribute.live(vm)
    if value is None and attribute.may_be_unread:
        return None
    if attribute.compare is Compare.ANY_OF:
        return want if want in value else (value[0] if value else None)
    if attribute.compare is Compare.DECLARED_KEYS:
        return {key: value.get(key, attribute.absent) for key in want}
    return value


def changed(
    after: Mapping[str, Any],
    vm: LiveVM,
    ignore: Collection[str] = (),
    before: Mapping[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """The attributes that differ, as name -> (live, desired), in the table's order.

    `after` is a plan's `after` (desired_attributes); an attribute left out there (None) is not
    managed, unless the table says it always is. Create-only attributes never differ, nor do
    attributes this run did not read (`unread`). `before` is `live_attributes(vm)` when the
    caller has it already.

    A shown value equal to the desired one means no change whatever the compare kind (the
    first datastore is one of the VM's, a live map equal to the declared one has its keys), so
    `comparable` is asked only about the few that differ.
    """
    shown = live_attributes(vm) if before is None else before
    found: dict[str, tuple[Any, Any]] = {}
    for attribute in _COMPARED:
        name = attribute.name
        want = after.get(name)
        if (want is None and not attribute.always_managed) or name in ignore:
            continue
        if shown[name] == want or unread(attribute, vm):
            continue
        have = comparable(attribute, want, vm)
        if have != want:
            found[name] = (have, want)
    return found


def needs_power_cycle(diffs: Mapping[str, tuple[Any, Any]], vm: LiveVM) -> bool:
    """Whether applying `diffs` needs the VM powered off first (only a running VM can)."""
    if vm.power is Power.OFF:
        return False
    for name, (before, after) in diffs.items():
        rule = _POWER_CYCLE_RULES.get(name)
        if rule is not None and rule(before, after, vm):
            return True
    return False


def power_cycle_reasons(names: Collection[str]) -> list[str]:
    """How a plan explains a power cycle: the reasons of the changed attributes that need one."""
    return [
        BY_NAME[n].power_cycle_reason
        for n in names
        if n in BY_NAME and BY_NAME[n].power_cycle is not None
    ]


def moves(names: Collection[str]) -> bool:
    return not _MOVING.isdisjoint(names)


def steps_for(names: Collection[str]) -> set[StepKind]:
    """The apply steps that change these attributes."""
    return {BY_NAME[n].step for n in names if n in BY_NAME}
