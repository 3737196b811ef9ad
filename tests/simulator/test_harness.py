"""What our simulator (tests/vcsim/main.go) adds to govmomi's vcsim, one short test each.

docs/simulator.md says what each flag and endpoint does and how vcsim 0.24 differs. These tests
talk to the simulator directly (pyVmomi, and plain HTTP for the REST API), not through vcplan.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pyVim.connect import Disconnect, SmartConnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

from tests.vcsim import harness

MODEL = ["-dc", "1", "-cluster", "1", "-host", "2", "-standalone-host", "0", "-vm", "2"]
VM0, VM1 = "DC0_C0_RP0_VM0", "DC0_C0_RP0_VM1"


def _ssl(sim: harness.Simulator) -> ssl.SSLContext:
    assert sim.certs
    return ssl.create_default_context(cafile=str(sim.certs.ca_file))


@pytest.fixture
def login() -> Iterator[Callable[[harness.Simulator, str, str], Any]]:
    """A pyVmomi session as any user (connect_si logs in as the simulator's default user)."""
    opened: list[Any] = []

    def _login(sim: harness.Simulator, user: str, password: str) -> Any:
        si = SmartConnect(
            host=sim.host, port=sim.port, user=user, pwd=password, sslContext=_ssl(sim)
        )
        opened.append(si)
        return si

    yield _login
    for si in opened:
        with contextlib.suppress(vim.fault.NotAuthenticated):  # a test may end the session
            Disconnect(si)


def _vm(si: Any, name: str) -> Any:
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return next(v for v in view.view if v.name == name)
    finally:
        view.DestroyView()


def _events(si: Any, spec: vim.event.EventFilterSpec) -> list[Any]:
    """Every event the filter matches, oldest first, read page by page with ReadNextEvents."""
    collector = si.content.eventManager.CreateCollectorForEvents(spec)
    events: list[Any] = []
    while page := collector.ReadNextEvents(2):
        events += page
    collector.DestroyCollector()
    return events


def _about(si: Any, vm: Any, *types: str) -> vim.event.EventFilterSpec:
    return vim.event.EventFilterSpec(
        entity=vim.event.EventFilterSpec.ByEntity(entity=vm, recursion="self"),
        eventTypeId=list(types),
    )


def _http(
    sim: harness.Simulator,
    method: str,
    path: str,
    body: Any = None,
    session: str | None = None,
    basic: tuple[str, str] | None = None,
) -> tuple[int, Any]:
    req = urllib.request.Request(
        f"https://{sim.host}:{sim.port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    if session:
        req.add_header("vmware-api-session-id", session)
    if basic:
        req.add_header(
            "Authorization", "Basic " + base64.b64encode(":".join(basic).encode()).decode()
        )
    try:
        with urllib.request.urlopen(req, context=_ssl(sim)) as resp:
            status, data = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, data = err.code, err.read()
    return status, json.loads(data) if data else None


TAGGING = "/rest/com/vmware/cis/tagging"


def _rest_login(sim: harness.Simulator, user: str, password: str) -> str:
    status, body = _http(sim, "POST", "/rest/com/vmware/cis/session", basic=(user, password))
    assert status == 200, body
    return body["value"]


def test_any_listed_user_may_log_in(make_vcsim, login):
    sim = make_vcsim(*MODEL, "-user", "alice:a-pw,bob:b-pw")  # and the harness's own user
    for user, password in [("alice", "a-pw"), ("bob", "b-pw"), (sim.user, sim.password)]:
        si = login(sim, user, password)
        assert si.content.sessionManager.currentSession.userName == user
    with pytest.raises(vim.fault.InvalidLogin):
        login(sim, "alice", "b-pw")


def test_rest_tags_attach_to_two_vms_and_list_both_in_one_call(make_vcsim, connect_si):
    sim = make_vcsim(*MODEL)
    vm0, vm1 = (_vm(connect_si(sim), name) for name in (VM0, VM1))
    assert _http(sim, "POST", "/rest/com/vmware/cis/session", basic=(sim.user, "wrong"))[0] == 401
    sid = _rest_login(sim, sim.user, sim.password)
    spec = {"name": "env", "description": "", "cardinality": "SINGLE", "associable_types": []}
    _, cat = _http(sim, "POST", f"{TAGGING}/category", {"create_spec": spec}, sid)
    tag_spec = {"name": "prod", "description": "", "category_id": cat["value"]}
    _, tag = _http(sim, "POST", f"{TAGGING}/tag", {"create_spec": tag_spec}, sid)
    tag_id = tag["value"]
    objects = [{"type": "VirtualMachine", "id": vm._moId} for vm in (vm0, vm1)]
    for obj in objects:
        status, res = _http(
            sim,
            "POST",
            f"{TAGGING}/tag-association?~action=attach-multiple-tags-to-object",
            {"object_id": obj, "tag_ids": [tag_id]},
            sid,
        )
        assert (status, res["value"]) == (200, {"success": True, "error_messages": []})

    status, res = _http(
        sim,
        "POST",
        f"{TAGGING}/tag-association?~action=list-attached-tags-on-objects",
        {"object_ids": objects},
        sid,
    )
    assert status == 200
    assert sorted((r["object_id"]["id"], r["tag_ids"]) for r in res["value"]) == sorted(
        (obj["id"], [tag_id]) for obj in objects
    )

    # vcsim 0.24's detach-multiple-tags-from-object leaves the association behind: ours detaches
    detach = f"{TAGGING}/tag-association?~action=detach-multiple-tags-from-object"
    status, res = _http(sim, "POST", detach, {"object_id": objects[0], "tag_ids": [tag_id]}, sid)
    assert (status, res["value"]["success"]) == (200, True)
    by_tag = f"{TAGGING}/tag-association/id:{tag_id}"
    _, res = _http(sim, "POST", f"{by_tag}?~action=list-attached-objects", session=sid)
    assert res["value"] == [objects[1]]
    status, res = _http(
        sim,
        "POST",
        f"{by_tag}?~action=detach-tag-from-multiple-objects",
        {"object_ids": [objects[1]]},
        sid,
    )
    assert (status, res["value"]["success"]) == (200, True)
    _, res = _http(sim, "POST", f"{by_tag}?~action=list-attached-objects", session=sid)
    assert res["value"] == []


def test_reboot_guest_tools_stop_then_run_again_seen_by_wait_for_updates(make_vcsim, login):
    sim = make_vcsim(*MODEL, "-tools-running", "-reboot-ms", "800", "-user", "alice:a-pw")
    si = login(sim, "alice", "a-pw")
    vm = _vm(si, VM0)
    pc = si.content.propertyCollector.CreatePropertyCollector()
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=vm)],
        propSet=[
            vmodl.query.PropertyCollector.PropertySpec(
                type=vim.VirtualMachine, pathSet=["guest.toolsRunningStatus"]
            )
        ],
    )
    pc.CreateFilter(spec, partialUpdates=True)
    version = pc.WaitForUpdatesEx("", vmodl.query.PropertyCollector.WaitOptions()).version

    vm.RebootGuest()
    seen: list[str] = []
    deadline = time.monotonic() + 10
    while seen[-1:] != ["guestToolsRunning"] and time.monotonic() < deadline:
        update = pc.WaitForUpdatesEx(
            version, vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=1)
        )
        if update:
            version = update.version
            seen += [c.val for f in update.filterSet for o in f.objectSet for c in o.changeSet]
    assert seen == ["guestToolsNotRunning", "guestToolsRunning"]
    assert vm.runtime.powerState == "poweredOn"
    events = si.content.eventManager.QueryEvents(_about(si, vm, "VmGuestRebootEvent"))
    assert [(e.vm.name, e.userName) for e in events] == [(VM0, "alice")]


def test_a_guest_that_ignores_the_reboot_keeps_tools_down_until_reset(make_vcsim, connect_si):
    sim = make_vcsim(*MODEL, "-tools-running", "-guest-ignores-reboot", "-reboot-ms", "200")
    si = connect_si(sim)
    vm = _vm(si, VM0)
    vm.RebootGuest()
    time.sleep(1)
    assert vm.guest.toolsRunningStatus == "guestToolsNotRunning"
    with pytest.raises(vim.fault.ToolsUnavailable):
        vm.RebootGuest()  # as vCenter: no Tools, no guest reboot

    WaitForTask(vm.ResetVM_Task())  # a hard reset: the VM stays on, the guest boots again
    assert vm.runtime.powerState == "poweredOn"
    deadline = time.monotonic() + 10
    while vm.guest.toolsRunningStatus != "guestToolsRunning" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert vm.guest.toolsRunningStatus == "guestToolsRunning"
    kinds = [type(e).__name__.split(".")[-1] for e in _events(si, _about(si, vm))]
    assert kinds[-2:] == ["VmGuestRebootEvent", "VmResettingEvent"]  # no power off/on events


def test_reset_task_ms_answers_with_a_queued_task_that_runs_later(make_vcsim, connect_si):
    si = connect_si(make_vcsim(*MODEL, "-reset-task-ms", "300"))
    vm = _vm(si, VM0)
    task = vm.ResetVM_Task()
    kinds = [type(e).__name__.split(".")[-1] for e in _events(si, _about(si, vm))]
    assert task.info.state == "queued" and "VmResettingEvent" not in kinds
    WaitForTask(task)
    assert task.info.completeTime >= task.info.queueTime
    assert vm.runtime.powerState == "poweredOn"
    kinds = [type(e).__name__.split(".")[-1] for e in _events(si, _about(si, vm))]
    assert kinds[-1] == "VmResettingEvent"


def test_customize_vm_reports_hostname_and_ip_after_the_next_power_on(make_vcsim, connect_si):
    sim = make_vcsim(*MODEL, "-autostart=false")
    si = connect_si(sim)
    vm = _vm(si, VM0)
    c = vim.vm.customization
    spec = c.Specification(
        identity=c.LinuxPrep(hostName=c.FixedName(name="web01"), domain="example.com"),
        globalIPSettings=c.GlobalIPSettings(),
        nicSettingMap=[
            c.AdapterMapping(
                adapter=c.IPSettings(ip=c.FixedIp(ipAddress="10.0.0.5"), subnetMask="255.255.255.0")
            )
        ],
    )
    WaitForTask(vm.CustomizeVM_Task(spec))
    assert vm.config.tools.pendingCustomization
    assert vm.guest.hostName is None

    WaitForTask(vm.PowerOnVM_Task())
    assert (vm.guest.hostName, vm.guest.ipAddress) == ("web01", "10.0.0.5")
    assert list(vm.guest.net[0].ipAddress) == ["10.0.0.5"]
    assert (vm.summary.guest.hostName, vm.summary.guest.ipAddress) == ("web01", "10.0.0.5")
    assert not vm.config.tools.pendingCustomization
    kinds = [type(e).__name__.split(".")[-1] for e in _events(si, _about(si, vm))]
    assert kinds[-2:] == ["CustomizationStartedEvent", "CustomizationSucceeded"]


def test_clone_with_a_sysprep_customization_takes_its_computer_name(make_vcsim, connect_si):
    sim = make_vcsim(*MODEL, "-autostart=false")
    si = connect_si(sim)
    source = _vm(si, VM1)
    c = vim.vm.customization
    custom = c.Specification(
        identity=c.Sysprep(
            userData=c.UserData(
                computerName=c.FixedName(name="WIN01"), fullName="ops", orgName="ops", productId=""
            ),
            guiUnattended=c.GuiUnattended(),
            identification=c.Identification(),
        ),
        globalIPSettings=c.GlobalIPSettings(),
        nicSettingMap=[c.AdapterMapping(adapter=c.IPSettings(ip=c.FixedIp(ipAddress="10.0.0.9")))],
    )
    spec = vim.vm.CloneSpec(location=vim.vm.RelocateSpec(), customization=custom)
    task = source.CloneVM_Task(folder=source.parent, name="win-1", spec=spec)
    WaitForTask(task)
    clone = task.info.result
    WaitForTask(clone.PowerOnVM_Task())
    assert (clone.guest.hostName, clone.guest.ipAddress) == ("WIN01", "10.0.0.9")

    custom.nicSettingMap *= 2  # more NIC settings than NICs: the clone fails, as on vCenter
    task = source.CloneVM_Task(folder=source.parent, name="win-2", spec=spec)
    with pytest.raises(vim.fault.NicSettingMismatch):
        WaitForTask(task)


def test_reconfigure_by_alice_is_in_an_entity_and_time_filtered_collector(make_vcsim, login):
    sim = make_vcsim(*MODEL, "-user", "alice:a-pw,bob:b-pw")
    alice, bob = login(sim, "alice", "a-pw"), login(sim, "bob", "b-pw")
    vm = _vm(alice, VM0)
    start = alice.CurrentTime()
    time.sleep(0.01)
    WaitForTask(vm.ReconfigVM_Task(vim.vm.ConfigSpec(numCPUs=4)))
    WaitForTask(_vm(bob, VM0).ReconfigVM_Task(vim.vm.ConfigSpec(annotation="bob was here")))
    WaitForTask(_vm(bob, VM1).ReconfigVM_Task(vim.vm.ConfigSpec(numCPUs=2)))  # another VM

    spec = _about(alice, vm, "VmReconfiguredEvent")
    spec.time = vim.event.EventFilterSpec.ByTime(beginTime=start)
    events = _events(alice, spec)
    assert [(e.userName, e.configSpec.numCPUs) for e in events] == [("alice", 4), ("bob", None)]
    assert events[1].configSpec.annotation == "bob was here"
    spec.time.beginTime = alice.CurrentTime() + datetime.timedelta(seconds=1)
    assert _events(alice, spec) == []


def test_rename_relocate_migrate_and_custom_values_are_events_with_the_user(make_vcsim, login):
    sim = make_vcsim(*MODEL, "-user", "carol:c-pw")
    si = login(sim, "carol", "c-pw")
    vm = _vm(si, VM0)
    WaitForTask(vm.Rename_Task("db-1"))
    hosts = [h for h in vm.runtime.host.parent.host if h != vm.runtime.host]
    WaitForTask(vm.RelocateVM_Task(vim.vm.RelocateSpec(host=hosts[0])))
    WaitForTask(vm.MigrateVM_Task(host=vm.runtime.host.parent.host[0], priority="defaultPriority"))
    field = si.content.customFieldsManager.AddCustomFieldDef(
        name="owner", moType=vim.VirtualMachine
    )
    vm.SetCustomValue("owner", "team-a")
    vm.SetCustomValue("owner", "team-b")
    assert [(v.key, v.value) for v in vm.customValue] == [(field.key, "team-b")]  # one per key

    events = [(type(e).__name__.split(".")[-1], e.userName) for e in _events(si, _about(si, vm))]
    assert [kind for kind, _ in events[-7:]] == [
        "VmRenamedEvent",
        "VmBeingRelocatedEvent",
        "VmRelocatedEvent",
        "VmBeingMigratedEvent",
        "VmMigratedEvent",
        "CustomFieldValueChangedEvent",
        "CustomFieldValueChangedEvent",
    ]
    assert {user for _, user in events[-7:]} == {"carol"}
    changed = si.content.eventManager.QueryEvents(_about(si, vm, "CustomFieldValueChangedEvent"))
    assert (changed[0].value, changed[0].prevState) == ("team-b", "team-a")  # newest first


def test_sessions_end_by_terminate_session_or_all_at_once(make_vcsim, connect_si, login):
    sim = make_vcsim(*MODEL, "-user", "watcher:w-pw")
    admin, watcher = connect_si(sim), login(sim, "watcher", "w-pw")
    keys = [s.key for s in admin.content.sessionManager.sessionList]
    mine = admin.content.sessionManager.currentSession.key
    admin.content.sessionManager.TerminateSession([k for k in keys if k != mine])
    with pytest.raises(vim.fault.NotAuthenticated):
        _vm(watcher, VM0)

    rest = _rest_login(sim, "watcher", "w-pw")
    assert _http(sim, "DELETE", "/vcsim/sessions", basic=("watcher", "nope"))[0] == 401
    status, ended = _http(sim, "DELETE", "/vcsim/sessions", basic=("watcher", "w-pw"))
    assert (status, ended) == (200, {"soap": 1, "rest": 1})
    with pytest.raises(vim.fault.NotAuthenticated):
        _vm(admin, VM0)
    assert _http(sim, "GET", f"{TAGGING}/tag", session=rest)[0] == 401


def test_method_delay_slows_the_methods_we_added(make_vcsim, connect_si):
    delays = "RebootGuest=300,ResetVM_Task=300,CustomizeVM_Task=300"
    sim = make_vcsim(*MODEL, "-tools-running", "-method-delay", delays)
    vm = _vm(connect_si(sim), VM0)
    c = vim.vm.customization
    spec = c.Specification(
        identity=c.LinuxPrep(hostName=c.FixedName(name="x"), domain="example.com"),
        globalIPSettings=c.GlobalIPSettings(),
    )
    calls = [vm.RebootGuest, vm.ResetVM_Task, lambda: vm.CustomizeVM_Task(spec)]  # VM on: fails
    for call in calls:
        started = time.monotonic()
        call()
        assert time.monotonic() - started >= 0.3


# --- paged retrieval (docs/simulator.md#paged-retrieval) ---------------------------------------


def _vm_names_spec(si: Any) -> Any:
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    pc = vmodl.query.PropertyCollector
    return pc.FilterSpec(
        objectSet=[
            pc.ObjectSpec(
                obj=view,
                skip=True,
                selectSet=[pc.TraversalSpec(type=vim.view.ContainerView, path="view")],
            )
        ],
        propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])],
    )


def _pages(collector: Any, spec: Any, max_objects: int | None) -> list[list[str]]:
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=max_objects)
    result = collector.RetrievePropertiesEx([spec], options)
    pages = []
    while result is not None:
        pages.append([o.propSet[0].val for o in result.objects])
        result = collector.ContinueRetrievePropertiesEx(result.token) if result.token else None
    return pages


@pytest.fixture(scope="module")
def ten_vms(make_module_vcsim):
    return make_module_vcsim("-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "10")


def test_retrieve_properties_pages_by_max_objects_and_the_last_page_has_no_token(
    ten_vms, connect_si
):
    si = connect_si(ten_vms)
    collector = si.RetrieveContent().propertyCollector
    spec = _vm_names_spec(si)
    pages = _pages(collector, spec, 4)
    assert [len(p) for p in pages] == [4, 4, 2]
    assert sum(pages, []) == _pages(collector, spec, None)[0]  # unset: one page, same order


def test_a_page_token_is_good_for_one_call(ten_vms, connect_si):
    si = connect_si(ten_vms)
    collector = si.RetrieveContent().propertyCollector
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=3)
    token = collector.RetrievePropertiesEx([_vm_names_spec(si)], options).token
    collector.ContinueRetrievePropertiesEx(token)
    with pytest.raises(vmodl.fault.InvalidArgument):
        collector.ContinueRetrievePropertiesEx(token)


def test_a_cancelled_retrieval_cannot_be_continued(ten_vms, connect_si):
    si = connect_si(ten_vms)
    collector = si.RetrieveContent().propertyCollector
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=3)
    token = collector.RetrievePropertiesEx([_vm_names_spec(si)], options).token
    collector.CancelRetrievePropertiesEx(token)
    with pytest.raises(vmodl.fault.InvalidArgument):
        collector.ContinueRetrievePropertiesEx(token)


def test_a_token_belongs_to_the_session_that_got_it(ten_vms, connect_si):
    first, second = connect_si(ten_vms), connect_si(ten_vms)
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=3)
    token = (
        first.RetrieveContent()
        .propertyCollector.RetrievePropertiesEx([_vm_names_spec(first)], options)
        .token
    )
    with pytest.raises(vmodl.fault.InvalidArgument):
        second.RetrieveContent().propertyCollector.ContinueRetrievePropertiesEx(token)


def test_a_collector_the_session_created_pages_too(ten_vms, connect_si):
    si = connect_si(ten_vms)
    own = si.RetrieveContent().propertyCollector.CreatePropertyCollector()
    assert [len(p) for p in _pages(own, _vm_names_spec(si), 6)] == [6, 4]


def _destroy(si: Any, name: str) -> None:
    vm = _vm(si, name)
    WaitForTask(vm.PowerOffVM_Task())
    WaitForTask(vm.Destroy_Task())


def test_a_vm_deleted_between_pages_of_a_view_is_left_out_not_a_fault(make_vcsim, connect_si):
    sim = make_vcsim("-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "4")
    si = connect_si(sim)
    collector = si.RetrieveContent().propertyCollector
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=2)
    first = collector.RetrievePropertiesEx([_vm_names_spec(si)], options)
    later = {f"DC0_C0_RP0_VM{i}" for i in range(4)} - {o.propSet[0].val for o in first.objects}
    gone = sorted(later)[0]
    _destroy(si, gone)
    rest = collector.ContinueRetrievePropertiesEx(first.token)
    assert [o.propSet[0].val for o in rest.objects] == sorted(later - {gone})


@pytest.mark.parametrize("report", [True, False])
def test_a_named_vm_deleted_between_pages_follows_report_missing_objects(
    make_vcsim, connect_si, report
):
    sim = make_vcsim("-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "4")
    si = connect_si(sim)
    names = [f"DC0_C0_RP0_VM{i}" for i in range(4)]
    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=_vm(si, n)) for n in names],
        propSet=[pc.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])],
        reportMissingObjectsInResults=report,
    )
    collector = si.RetrieveContent().propertyCollector
    first = collector.RetrievePropertiesEx([spec], pc.RetrieveOptions(maxObjects=2))
    later = sorted(set(names) - {o.propSet[0].val for o in first.objects})
    _destroy(si, later[0])
    if report:
        rest = collector.ContinueRetrievePropertiesEx(first.token)
        assert [o.propSet[0].val for o in rest.objects] == later[1:]
    else:
        with pytest.raises(vmodl.fault.ManagedObjectNotFound):
            collector.ContinueRetrievePropertiesEx(first.token)


def test_the_page_limit_cuts_pages_below_max_objects(make_vcsim, connect_si):
    sim = make_vcsim(
        "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "5", "-page-limit", "2"
    )
    si = connect_si(sim)
    collector, spec = si.RetrieveContent().propertyCollector, _vm_names_spec(si)
    assert [len(p) for p in _pages(collector, spec, None)] == [2, 2, 1]
    assert [len(p) for p in _pages(collector, spec, 4)] == [2, 2, 1]
