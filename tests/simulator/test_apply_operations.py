"""Apply against the simulator: creates, power, reconfigure, moves, deletes, ordering.

Each test runs hand-built plans through the real VSphereProvider and executor, checks vCenter
independently, and ends by checking that nothing is left to apply.
"""

from __future__ import annotations

from pyVmomi import vim

from planner.apply.events import StepStatus
from planner.model import Disk, Nic, Power
from planner.report.apply import ApplyReport
from tests.support.apply import (
    SMALL,
    WS,
    create,
    delete,
    leftover,
    live_vms,
    plan,
    provider_for,
    run,
    update,
)


def test_create_by_clone_in_a_cluster_and_new_on_a_standalone_host_converges(
    make_vcsim, connect_si
):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    p = plan(
        create(
            "web-1",
            template="DC0_C0_RP0_VM0",
            cluster="DC0_C0",
            host="DC0_C0_H0",
            cpus=2,
            memory_mb=2048,
            annotation="web",
            attributes={"owner": "team-web"},
            folder="prod/web",
            disk=[{"size_gb": 20}, {"size_gb": 5}],
            network_interface=[{"network": "VM Network"}, {"network": "DC0_DVPG0"}],
        ),
        create(
            "db-1",
            host="DC0_H0",
            cpus=4,
            memory_mb=1024,
            disk=[{"size_gb": 3}],
            network_interface=[{"network": "VM Network"}],
            power="off",
        ),
    )
    result = run(provider, p)
    assert ApplyReport(result.result, p).exit_code == 0, ApplyReport(result.result, p).lines()
    vms = live_vms(provider)
    web, db = vms["web-1"], vms["db-1"]
    assert (web.host, web.folder, web.cpus, web.memory_mb, web.power) == (
        "DC0_C0_H0",
        "prod/web",
        2,
        2048,
        Power.ON,
    )
    assert web.disks == (Disk(20), Disk(5))
    assert web.nics == (Nic("VM Network"), Nic("DC0_DVPG0"))
    assert (web.attributes["owner"], web.workspace) == ("team-web", WS)
    assert (db.cluster, db.host, db.cpus, db.power, db.disks) == (
        None,
        "DC0_H0",
        4,
        Power.OFF,
        (Disk(3),),
    )
    si = connect_si(sim)  # independently: the folder exists and holds the VM
    folder = si.content.searchIndex.FindByInventoryPath("DC0/vm/prod/web")
    assert [c.name for c in folder.childEntity] == ["web-1"]
    assert leftover(provider, p) == []
    provider.close()


def test_all_six_power_transitions(make_vcsim):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    assert vm.power is Power.ON
    for target in ["suspended", "on", "off", "suspended", "off", "on"]:
        vm = live_vms(provider)["DC0_C0_RP0_VM0"]
        p = plan(update(vm, power=target))
        assert ApplyReport(run(provider, p).result, p).exit_code == 0
        assert live_vms(provider)["DC0_C0_RP0_VM0"].power.value == target
        assert leftover(provider, p) == []
    provider.close()


def _events(si, *types: str) -> list[tuple[str, str]]:
    """(event type, VM name) of vCenter's own events, oldest first."""
    collector = si.content.eventManager.CreateCollectorForEvents(
        vim.event.EventFilterSpec(eventTypeId=list(types))
    )
    collector.SetCollectorPageSize(1000)
    page = sorted((e for e in collector.latestPage if e.vm), key=lambda e: e.key)
    return [(type(e).__name__.split(".")[-1], e.vm.name) for e in page]


def test_power_off_is_a_guest_shutdown_when_tools_run(make_vcsim, connect_si):
    sim = make_vcsim(*SMALL, "-tools-running")
    provider = provider_for(sim)
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    assert vm.tools_running and vm.power is Power.ON
    p = plan(update(vm, power="off"))
    assert ApplyReport(run(provider, p).result, p).exit_code == 0
    events = _events(connect_si(sim), "VmGuestShutdownEvent", "VmPoweredOffEvent")
    assert ("VmGuestShutdownEvent", vm.name) in events
    assert leftover(provider, p) == []
    provider.close()


def test_a_guest_that_ignores_the_shutdown_is_powered_off_hard_after_its_timeout(
    make_vcsim, connect_si
):
    sim = make_vcsim(*SMALL, "-tools-running", "-guest-ignores-shutdown")
    provider = provider_for(sim)
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    p = plan(update(vm, power="off"))  # shutdown_timeout 5 s in these plans
    outcome = run(provider, p)
    assert ApplyReport(outcome.result, p).exit_code == 0
    power = next(e for e in outcome.final if e.step.kind.value == "power")
    assert "did not shut down in time" in power.message  # how long it waited: bench/, not here
    events = _events(connect_si(sim), "VmGuestShutdownEvent", "VmPoweredOffEvent")
    assert events == [("VmPoweredOffEvent", vm.name)]  # by PowerOffVM_Task, not the guest
    assert leftover(provider, p) == []
    provider.close()


def test_power_off_is_hard_at_once_without_tools(make_vcsim, connect_si):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    assert not vm.tools_running
    p = plan(update(vm, power="off"))
    outcome = run(provider, p)
    assert ApplyReport(outcome.result, p).exit_code == 0
    events = _events(connect_si(sim), "VmGuestShutdownEvent", "VmPoweredOffEvent")
    assert events == [("VmPoweredOffEvent", vm.name)]
    power = next(e for e in outcome.final if e.step.kind.value == "power")
    assert "hard power off" in power.message
    assert leftover(provider, p) == []
    provider.close()


def test_reconfigure_without_restart_keeps_the_vm_running(make_vcsim):
    provider = provider_for(make_vcsim(*SMALL))
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    p = plan(update(vm, annotation="hello", memory_mb=64, disk=[{"size_gb": 4}]))
    result = run(provider, p)
    kinds = [e.step.kind.value for e in result.events if e.status is StepStatus.STARTED]
    assert "power_off" not in kinds
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    assert (vm.annotation, vm.memory_mb, vm.disks, vm.power) == ("hello", 64, (Disk(4),), Power.ON)
    assert leftover(provider, p) == []
    provider.close()


def test_reconfigure_with_restart_powers_off_then_on_again(make_vcsim):
    provider = provider_for(make_vcsim(*SMALL))
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    p = plan(update(vm, restart=True, cpus=4))
    result = run(provider, p)
    kinds = [e.step.kind.value for e in result.events if e.status is StepStatus.APPLIED]
    assert kinds == ["power_off", "reconfigure", "power", "markers"]
    vm = live_vms(provider)["DC0_C0_RP0_VM0"]
    assert (vm.cpus, vm.power) == (4, Power.ON)
    assert leftover(provider, p) == []
    provider.close()


def test_migration_between_hosts_and_clusters(make_vcsim):
    provider = provider_for(
        make_vcsim("-dc", "1", "-cluster", "2", "-host", "2", "-standalone-host", "0", "-vm", "1")
    )
    vms = live_vms(provider)
    a, b = vms["DC0_C0_RP0_VM0"], vms["DC0_C1_RP0_VM0"]
    other_host = next(h for h in ("DC0_C0_H0", "DC0_C0_H1") if h != a.host)
    p = plan(update(a, host=other_host), update(b, cluster="DC0_C0"))
    assert ApplyReport(run(provider, p).result, p).exit_code == 0
    vms = live_vms(provider)
    assert vms["DC0_C0_RP0_VM0"].host == other_host
    assert vms["DC0_C1_RP0_VM0"].cluster == "DC0_C0"
    assert leftover(provider, p) == []
    provider.close()


def test_delete_of_an_owned_running_vm_powers_it_off_first(make_vcsim, connect_si):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    provider.set_markers(live_vms(provider)["DC0_H0_VM0"].moref, WS, False)
    vm = live_vms(provider)["DC0_H0_VM0"]
    p = plan(delete(vm))
    result = run(provider, p)
    assert [e.step.kind.value for e in result.final] == ["power_off", "delete"]
    assert "DC0_H0_VM0" not in live_vms(provider)
    si = connect_si(sim)
    assert si.content.searchIndex.FindByInventoryPath("DC0/vm/DC0_H0_VM0") is None
    assert leftover(provider, p) == []
    provider.close()


def test_dependencies_are_powered_on_first_as_vcenter_events_show(make_vcsim, connect_si):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    p = plan(
        create("app", depends_on=("db",), cluster="DC0_C0", template="DC0_C0_RP0_VM0"),
        create("db", cluster="DC0_C0", template="DC0_C0_RP0_VM0"),
        create("cache", depends_on=("app",), cluster="DC0_C0", template="DC0_C0_RP0_VM0"),
    )
    assert ApplyReport(run(provider, p).result, p).exit_code == 0
    si = connect_si(sim)
    spec = vim.event.EventFilterSpec(eventTypeId=["VmPoweredOnEvent", "VmClonedEvent"])
    collector = si.content.eventManager.CreateCollectorForEvents(spec)
    collector.SetCollectorPageSize(1000)
    at = {
        (type(e).__name__.split(".")[-1], e.vm.name): e.createdTime
        for e in collector.latestPage
        if e.vm
    }
    assert at[("VmPoweredOnEvent", "db")] < at[("VmClonedEvent", "app")]
    assert at[("VmPoweredOnEvent", "app")] < at[("VmClonedEvent", "cache")]
    assert leftover(provider, p) == []
    provider.close()


def test_a_vm_removed_behind_the_tools_back_fails_alone(make_vcsim, connect_si):
    sim = make_vcsim(*SMALL)
    provider = provider_for(sim)
    vms = live_vms(provider)
    gone, other = vms["DC0_H0_VM0"], vms["DC0_C0_RP0_VM0"]
    p = plan(
        update(gone, annotation="x"),
        create("after-gone", depends_on=(gone.name,), host="DC0_H0"),
        update(other, annotation="y"),
    )
    si = connect_si(sim)  # removed after planning
    vm_obj = si.content.searchIndex.FindByInventoryPath("DC0/vm/DC0_H0_VM0")
    vm_obj.PowerOffVM_Task()
    vm_obj.Destroy_Task()
    result = run(provider, p)
    report = ApplyReport(result.result, p)
    statuses = {e.step.id: e.status for e in result.final}
    assert statuses["DC0/DC0_H0_VM0 reconfigure"] is StepStatus.FAILED
    assert statuses["DC0/after-gone create"] is StepStatus.SKIPPED
    assert statuses["DC0/DC0_C0_RP0_VM0 reconfigure"] is StepStatus.APPLIED
    assert report.exit_code == 1
    assert leftover(provider, plan(p.changes[2])) == []
    provider.close()
