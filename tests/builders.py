"""Test data, built one way: VMs both ways, inventories and plans, from plain dataclasses."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from planner.model import ClusterInfo, DesiredVM, Disk, HostInfo, Inventory, LiveVM, Nic, Pos, Power
from planner.model.plan import Action, AttributeChange, Plan, VMChange
from planner.plan.fingerprint import fingerprint

WS = "test-ws"


def after(name: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "datacenter": "DC0",
        "cluster": "C0",
        "host": None,
        "resource_pool": None,
        "datastore": None,
        "folder": None,
        "template": None,
        "cpus": 1,
        "cores_per_socket": None,
        "memory_mb": 1024,
        "power": None,
        "annotation": None,
        "attributes": None,
        "extra_config": None,
        "disk": None,
        "network_interface": None,
        "workspace": WS,
        "prevent_destroy": False,
        "shutdown_timeout": 300,
    }
    base.update(kw)
    return base


def create(name: str, depends_on: tuple[str, ...] = (), **kw: Any) -> VMChange:
    return VMChange(
        f"DC0/{name}",
        Action.CREATE,
        None,
        after(name, **kw),
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )


def update(
    name: str,
    diffs: dict[str, tuple[Any, Any]],
    depends_on: tuple[str, ...] = (),
    restart: bool = False,
    moves: bool = False,
    power: str = "on",
) -> VMChange:
    before = after(
        name, **{"power": power, "workspace": None, **{k: v[0] for k, v in diffs.items()}}
    )
    aft = after(name, **{k: v[1] for k, v in diffs.items()})
    return VMChange(
        f"DC0/{name}",
        Action.UPDATE,
        before,
        aft,
        tuple(AttributeChange(k, b, a) for k, (b, a) in diffs.items()),
        restart=restart,
        moves=moves,
        fingerprint=fingerprint(planned(name)),
        moref=f"vm-{name}",
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )


def delete(name: str, power: str = "on", depends_on: tuple[str, ...] = ()) -> VMChange:
    return VMChange(
        f"DC0/{name}",
        Action.DELETE,
        after(name, power=power),
        None,
        fingerprint=fingerprint(planned(name)),
        moref=f"vm-{name}",
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )


def planned(name: str) -> LiveVM:
    """The live VM `update(name)` and `delete(name)` were planned against (their fingerprint's):
    what a fake provider returns for `vm-<name>` unless a test says otherwise."""
    return live(name, f"vm-{name}")


def plan(*changes: VMChange) -> Plan:
    return Plan(
        workspace=WS, url="vpx://vc", created_at="2024-01-01T00:00:00Z", changes=tuple(changes)
    )


def live(name: str, moref: str, **kw: Any) -> LiveVM:
    """A powered-off, one-CPU VM of workspace WS, as the executor's tests expect."""
    base: dict[str, Any] = dict(
        host="H0",
        folder="",
        datastores=("ds",),
        power=Power.OFF,
        cpus=1,
        memory_mb=1024,
        attributes={},
        tools_running=False,
        disks=(Disk(10),),
        workspace=WS,
    )
    base.update(kw)
    return live_vm(name=name, moref=moref, **base)


POS = Pos("main.hcl", 10, 5)


def live_vm(**kw: Any) -> LiveVM:
    """The one LiveVM builder: a running, unmarked-by-default VM; override any field."""
    base: dict[str, Any] = {
        "datacenter": "DC0",
        "name": "web",
        "cluster": "C0",
        "host": "H1",
        "resource_pool": "",
        "folder": "apps",
        "datastores": ("DS0", "DS1"),
        "power": Power.ON,
        "cpus": 2,
        "cores_per_socket": 1,
        "memory_mb": 2048,
        "annotation": "",
        "attributes": {"owner": "a", "cost": "1"},
        "template": False,
        "cpu_hot_add": False,
        "memory_hot_add": False,
        "tools_running": True,
        "disks": (Disk(20), Disk(40)),
        "nics": (Nic("VM Network"),),
        "instance_uuid": "u",
        "moref": "vm-1",
        "workspace": "ws",
        "prevent_destroy": False,
        "extra_config": {"guestinfo.userdata": "a", "svga.present": "TRUE"},
        "tags": {"env": ("dev",), "team": ("ops", "web")},
    }
    base.update(kw)
    return LiveVM(**base)


def desired_vm(**kw: Any) -> DesiredVM:
    base: dict[str, Any] = {"datacenter": "DC0", "name": "web", "cluster": "C0", "host": None}
    base.update(kw)
    return DesiredVM(pos=POS, **base)


def inventory(*vms: LiveVM, **kw: Any) -> Inventory:
    """One datacenter DC0 with cluster C0 of hosts H1 and H2; override any field."""
    base: dict[str, Any] = dict(
        vms=tuple(vms),
        datacenters=("DC0",),
        clusters=(ClusterInfo("DC0", "C0", ("H1", "H2")),),
        hosts=(HostInfo("DC0", "H1", "C0"), HostInfo("DC0", "H2", "C0")),
        networks={"DC0": frozenset({"VM Network"})},
        datastores={"DC0": frozenset({"DS0"})},
        folders={"DC0": frozenset({""})},
        resource_pools={("DC0", "C0"): frozenset({""})},
    )
    base.update(kw)
    return Inventory(**base)


# --- hypothesis: plans with random dependencies -----------------------------------------

NAMES = [f"vm{i}" for i in range(6)]


@st.composite
def plans(draw):
    changes = []
    for i, name in enumerate(NAMES):
        earlier = st.sampled_from(NAMES[:i] or ["-"])
        deps = tuple(draw(st.lists(earlier, unique=True, max_size=2 if i else 0)))
        kind = draw(st.sampled_from(["create", "update", "restart", "off", "delete", "reboot"]))
        if kind == "create":
            changes.append(create(name, depends_on=deps, folder=draw(st.sampled_from([None, "f"]))))
        elif kind == "update":
            changes.append(update(name, {"memory_mb": (1, 2)}, depends_on=deps))
        elif kind == "restart":
            changes.append(update(name, {"cpus": (1, 2)}, depends_on=deps, restart=True))
        elif kind == "reboot":
            changes.append(restart(name, depends_on=deps))
        elif kind == "off":
            changes.append(update(name, {"power": ("on", "off")}, depends_on=deps))
        else:
            changes.append(delete(name, depends_on=deps))
    return plan(*draw(st.permutations(changes)))


def restart(name: str, depends_on: tuple[str, ...] = (), **kw: Any) -> VMChange:
    """A running VM that --restart matched and nothing else changes."""
    return VMChange(
        f"DC0/{name}",
        Action.RESTART,
        after(name, power="on"),
        after(name, **kw),
        restart=True,
        restart_requested=True,
        fingerprint=fingerprint(planned(name)),
        moref=f"vm-{name}",
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )
