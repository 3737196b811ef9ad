"""Plans built by hand for the executor's unit tests."""

from __future__ import annotations

from typing import Any

from planner.model import Disk, LiveVM, Nic, Power
from planner.plan import Action, AttributeChange, Plan, VMChange

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
        "disk": None,
        "network_interface": None,
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
    before = after(name, **{"power": power, **{k: v[0] for k, v in diffs.items()}})
    aft = after(name, **{k: v[1] for k, v in diffs.items()})
    return VMChange(
        f"DC0/{name}",
        Action.UPDATE,
        before,
        aft,
        tuple(AttributeChange(k, b, a) for k, (b, a) in diffs.items()),
        restart=restart,
        moves=moves,
        fingerprint="f",
        moref=f"vm-{name}",
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )


def delete(name: str, power: str = "on", depends_on: tuple[str, ...] = ()) -> VMChange:
    return VMChange(
        f"DC0/{name}",
        Action.DELETE,
        after(name, power=power),
        None,
        fingerprint="f",
        moref=f"vm-{name}",
        depends_on=tuple(f"DC0/{d}" for d in depends_on),
    )


def plan(*changes: VMChange) -> Plan:
    return Plan(
        workspace=WS, url="vpx://vc", created_at="2024-01-01T00:00:00Z", changes=tuple(changes)
    )


def live(name: str, moref: str, **kw: Any) -> LiveVM:
    base: dict[str, Any] = dict(
        datacenter="DC0",
        name=name,
        cluster="C0",
        host="H0",
        resource_pool="",
        folder="",
        datastores=("ds",),
        power=Power.OFF,
        cpus=1,
        cores_per_socket=1,
        memory_mb=1024,
        annotation="",
        attributes={},
        template=False,
        cpu_hot_add=False,
        memory_hot_add=False,
        tools_running=False,
        disks=(Disk(10),),
        nics=(Nic("VM Network"),),
        instance_uuid="u",
        moref=moref,
        workspace=WS,
        prevent_destroy=False,
    )
    base.update(kw)
    return LiveVM(**base)
