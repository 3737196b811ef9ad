"""The calls whose answers vcplan reads itself (providers/vsphere/soap.py) answer as the same
pyVmomi calls do, against the simulator: the task vCenter created, nothing for a method without
a result, and vCenter's fault raised as pyVmomi raises it; a wave's read asks for what pyVmomi
would have serialized."""

from __future__ import annotations

from typing import Any

import pytest
from pyVmomi import vim, vmodl

from providers.vsphere.readback import _wave_request
from providers.vsphere.soap import invoke, retrieve_leaves
from tests.support.apply import live_vms, provider_for

ONE_HOST = ["-dc", "1", "-cluster", "1", "-host", "1", "-standalone-host", "0", "-vm", "3"]


def _vms(si: Any) -> list[Any]:
    view = si.content.viewManager.CreateContainerView(
        si.content.rootFolder, [vim.VirtualMachine], True
    )
    return sorted(view.view, key=lambda vm: vm.name)


def _spec(objects: list[Any], task_paths: list[str], vm_paths: list[str]) -> Any:
    pc = vmodl.query.PropertyCollector
    return pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=o) for o in objects],
        propSet=[
            pc.PropertySpec(type=vim.Task, pathSet=task_paths),
            pc.PropertySpec(type=vim.VirtualMachine, pathSet=vm_paths),
        ],
    )


def _fault_of(fn: Any) -> BaseException:
    with pytest.raises(vmodl.MethodFault) as caught:
        fn()
    return caught.value


@pytest.fixture
def si(make_vcsim: Any, connect_si: Any) -> Any:
    return connect_si(make_vcsim(*ONE_HOST))


def test_a_task_method_answers_with_the_task_vcenter_created(si: Any) -> None:
    vm = _vms(si)[0]
    task = invoke(vm, "ResetVM_Task")
    assert isinstance(task, vim.Task)
    assert task.info.entity == vm and task.info.descriptionId == "VirtualMachine.reset"


def test_a_method_without_a_result_answers_none(si: Any) -> None:
    vm = _vms(si)[0]
    assert invoke(vm, "ShutdownGuest") is None


def test_a_fault_is_raised_as_pyvmomi_raises_it(si: Any) -> None:
    gone = vim.VirtualMachine("vm-gone", si._stub)
    lean = _fault_of(lambda: invoke(gone, "ResetVM_Task"))
    ours = _fault_of(gone.ResetVM_Task)
    assert type(lean) is type(ours) is vmodl.fault.ManagedObjectNotFound
    assert lean.obj == ours.obj


def test_a_call_after_the_session_ended_is_not_authenticated(si: Any) -> None:
    vm = _vms(si)[0]
    si.content.sessionManager.Logout()
    with pytest.raises(vim.fault.NotAuthenticated):
        invoke(vm, "ResetVM_Task")


def test_leaf_values_read_lean_equal_pyvmomis(si: Any) -> None:
    vms = _vms(si)
    paths = ["name", "runtime.powerState", "runtime.host", "guest.toolsRunningStatus"]
    spec = _spec(vms, [], paths)
    values, structured = retrieve_leaves(si.content.propertyCollector, spec)
    result = si.content.propertyCollector.RetrievePropertiesEx(
        [spec], vmodl.query.PropertyCollector.RetrieveOptions()
    )
    expected = {o.obj._moId: {p.name: p.val for p in o.propSet} for o in result.objects}
    assert structured == [] and values == expected
    assert isinstance(values[vms[0]._moId]["runtime.host"], vim.HostSystem)


def test_an_object_with_a_structured_value_is_left_to_pyvmomi(si: Any) -> None:
    vm = _vms(si)[0]
    vm.PowerOffVM_Task()
    failed = vm.PowerOffVM_Task()  # already off: vCenter's task ends in an error
    spec = _spec([failed, vm], ["info.state", "info.error"], ["runtime.powerState"])
    values, structured = retrieve_leaves(si.content.propertyCollector, spec)
    assert structured == [failed._moId]
    assert values == {vm._moId: {"runtime.powerState": "poweredOff"}}


def test_leaf_values_over_several_pages_are_all_read(si: Any) -> None:
    vms = _vms(si)
    spec = _spec(vms, [], ["name"])
    one_a_page = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1)
    values, structured = retrieve_leaves(si.content.propertyCollector, spec, one_a_page)
    assert structured == [] and values == {vm._moId: {"name": vm.name} for vm in vms}


def test_a_wave_read_asks_for_what_pyvmomi_would_serialize(make_vcsim: Any) -> None:
    provider = provider_for(make_vcsim(*ONE_HOST))
    morefs = sorted(vm.moref for vm in live_vms(provider).values())
    readback = provider._parts()[0].readback
    stub, collector = provider.session.si._stub, provider.session.content.propertyCollector
    assert readback._request(stub, collector, morefs) == _wave_request(stub, collector, morefs)
    provider.close()
