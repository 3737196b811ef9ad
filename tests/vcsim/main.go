// vcsim-vcplan: VMware's govmomi vCenter simulator, configured for vcplan's tests and demo.
//
// It builds a simulator.VPX() (or simulator.ESX()) inventory of the requested size, serves it on
// the requested address (https when -tls-cert/-tls-key are given), checks logins against -user
// when given, and prints one line "VCSIM_URL=<url>" (without credentials) once it is ready.
// It runs until SIGINT/SIGTERM.
//
// On top of govmomi 0.24's simulator (called, never copied) it adds what vCenter does and vcsim
// does not; docs/simulator.md lists each addition:
//   - logins as several users (-user u1:p1,u2:p2);
//   - the events vcsim does not post (rename, relocate, migrate, custom field value changed), and
//     an EventHistoryCollector with vCenter's filters and paging;
//   - RebootGuest, and a ResetVM_Task that keeps the VM on (-reboot-ms, -guest-ignores-reboot);
//   - guest customization events, and customization of clones;
//   - the vSphere Automation REST API (govmomi's vapi/simulator) on the same listener, with
//     logins checked and the tagging bulk actions vCenter has;
//   - an endpoint that ends every session;
//   - paged RetrievePropertiesEx (options.maxObjects, -page-limit), ContinueRetrievePropertiesEx
//     and CancelRetrievePropertiesEx (paging.go).
//
// SOAP methods vcsim lacks or gets wrong are answered by "hook" objects registered in the
// simulator's own registry: the request's _this is pointed at the hook, so the simulator still
// checks the session, applies -delay/-method-delay, locks and encodes faults as for its own
// methods, and the hook calls the simulator's own VirtualMachine methods where they exist.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator" // registers the /rest endpoints (RegisterEndpoints)
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func parseDelays(spec string) (map[string]int, error) {
	delays := map[string]int{}
	if spec == "" {
		return delays, nil
	}
	for _, item := range strings.Split(spec, ",") {
		parts := strings.SplitN(item, "=", 2)
		if len(parts) != 2 {
			return nil, fmt.Errorf("-method-delay: want Method=ms, got %q", item)
		}
		ms, err := strconv.Atoi(parts[1])
		if err != nil {
			return nil, fmt.Errorf("-method-delay: %q is not a number of milliseconds", parts[1])
		}
		delays[strings.TrimSpace(parts[0])] = ms
	}
	return delays, nil
}

// credentials is -user: "user:password[,user:password...]", and the flag may be repeated.
// Any listed user may log in (SOAP and REST); with none listed any non-empty login is accepted.
type credentials []struct{ user, password string }

func (c *credentials) String() string {
	names := make([]string, 0, len(*c))
	for _, u := range *c {
		names = append(names, u.user)
	}
	return strings.Join(names, ",")
}

func (c *credentials) Set(value string) error {
	for _, item := range strings.Split(value, ",") {
		parts := strings.SplitN(item, ":", 2)
		if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			return fmt.Errorf("want user:password[,user:password...], got %q", item)
		}
		*c = append(*c, struct{ user, password string }{parts[0], parts[1]})
	}
	return nil
}

func (c credentials) valid(user, password string) bool {
	if user == "" || password == "" {
		return false
	}
	if len(c) == 0 {
		return true
	}
	for _, u := range c {
		if u.user == user && u.password == password {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------------------------
// The extension: state shared by the hooks, the HTTP handlers and the registry observer.

type guestState struct {
	generation int  // bumped by every reboot, reset and power change: stale timers do nothing
	down       bool // we took Tools down (reboot, reset) and they have not come back yet
}

type extension struct {
	users          credentials
	rebootDelay    time.Duration
	resetTaskDelay time.Duration
	ignoreReboot   bool
	ignoreShutdown bool
	internal       *simulator.Context // for calls no client made (events nobody caused)
	vapi           http.Handler       // govmomi's vapi/simulator handler, for its REST sessions
	pager          *pager             // paged RetrievePropertiesEx (paging.go)

	mu          sync.Mutex
	guests      map[types.ManagedObjectReference]*guestState
	customizing map[types.ManagedObjectReference]bool // customization pending, events to post
	history     []types.BaseEvent                     // every event, oldest first
	lastKey     int32
	tap         *simulator.EventHistoryCollector
	collectors  map[*eventCollector]bool
}

func newExtension() *extension {
	return &extension{
		internal: &simulator.Context{
			Context: context.Background(),
			Session: &simulator.Session{
				UserSession: types.UserSession{Key: "vcsim-vcplan-internal"},
				Registry:    simulator.NewRegistry(),
			},
			Map: simulator.Map,
		},
		guests:      map[types.ManagedObjectReference]*guestState{},
		customizing: map[types.ManagedObjectReference]bool{},
		collectors:  map[*eventCollector]bool{},
	}
}

// afterCall is the internal context in the name of ctx's user, for work that a call sets going
// and that runs after the call has ended (a queued task): ctx ends with its request, while
// vCenter still names the user who asked in the events of that work.
func (x *extension) afterCall(ctx *simulator.Context) *simulator.Context {
	session := *x.internal.Session
	if ctx.Session != nil {
		session.UserName = ctx.Session.UserName
	}
	later := *x.internal
	later.Session = &session
	return &later
}

// postEvent posts events as ctx's user, as the simulator's own methods do.
func postEvent(ctx *simulator.Context, events ...types.BaseEvent) {
	m := simulator.Map.EventManager()
	simulator.Map.WithLock(m, func() {
		for _, event := range events {
			m.PostEvent(ctx, &types.PostEvent{EventToPost: event})
		}
	})
}

func entityArg(ref types.ManagedObjectReference) (types.EntityEventArgument, bool) {
	e, ok := simulator.Map.Get(ref).(mo.Entity)
	if !ok {
		return types.EntityEventArgument{}, false
	}
	return types.EntityEventArgument{Name: e.Entity().Name}, true
}

// ancestor walks up the inventory from ref to the first entity of the given type.
func ancestor(ref types.ManagedObjectReference, kind string) *types.ManagedObjectReference {
	for i := 0; i < 100; i++ {
		if ref.Type == kind {
			return &ref
		}
		e, ok := simulator.Map.Get(ref).(mo.Entity)
		if !ok || e.Entity().Parent == nil {
			return nil
		}
		ref = *e.Entity().Parent
	}
	return nil
}

func datacenterArg(ref types.ManagedObjectReference) *types.DatacenterEventArgument {
	if dc := ancestor(ref, "Datacenter"); dc != nil {
		if arg, ok := entityArg(*dc); ok {
			return &types.DatacenterEventArgument{EntityEventArgument: arg, Datacenter: *dc}
		}
	}
	return nil
}

func hostArgs(ref types.ManagedObjectReference, ev *types.Event) {
	host, ok := simulator.Map.Get(ref).(*simulator.HostSystem)
	if !ok {
		return
	}
	ev.Host = &types.HostEventArgument{
		EntityEventArgument: types.EntityEventArgument{Name: host.Name}, Host: host.Self,
	}
	if host.Parent != nil {
		if arg, ok := entityArg(*host.Parent); ok {
			ev.ComputeResource = &types.ComputeResourceEventArgument{
				EntityEventArgument: arg, ComputeResource: *host.Parent,
			}
		}
	}
}

func datastoreArg(ref types.ManagedObjectReference) *types.DatastoreEventArgument {
	if arg, ok := entityArg(ref); ok {
		return &types.DatastoreEventArgument{EntityEventArgument: arg, Datastore: ref}
	}
	return nil
}

// vmEvent fills an event's arguments for a VM as vCenter does: the VM, its host, cluster (or
// standalone compute resource), datacenter and first datastore.
func vmEvent(vm *simulator.VirtualMachine) types.VmEvent {
	var ev types.Event
	ev.Vm = &types.VmEventArgument{EntityEventArgument: types.EntityEventArgument{Name: vm.Name}, Vm: vm.Self}
	if vm.Runtime.Host != nil {
		hostArgs(*vm.Runtime.Host, &ev)
	}
	ev.Datacenter = datacenterArg(vm.Self)
	if len(vm.Datastore) > 0 {
		ev.Ds = datastoreArg(vm.Datastore[0])
	}
	return types.VmEvent{Event: ev}
}

// entityEvent fills an event's arguments for any managed entity (CustomFieldValueChangedEvent),
// so that an EventHistoryCollector filtered on that entity finds it.
func entityEvent(ref types.ManagedObjectReference) types.Event {
	var ev types.Event
	switch ref.Type {
	case "VirtualMachine":
		if vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine); ok {
			return vmEvent(vm).Event
		}
	case "HostSystem":
		hostArgs(ref, &ev)
	case "Datastore":
		ev.Ds = datastoreArg(ref)
	case "Network", "DistributedVirtualPortgroup", "OpaqueNetwork":
		if arg, ok := entityArg(ref); ok {
			ev.Net = &types.NetworkEventArgument{EntityEventArgument: arg, Network: ref}
		}
	case "VmwareDistributedVirtualSwitch", "DistributedVirtualSwitch":
		if arg, ok := entityArg(ref); ok {
			ev.Dvs = &types.DvsEventArgument{EntityEventArgument: arg, Dvs: ref}
		}
	case "ClusterComputeResource", "ComputeResource":
		if arg, ok := entityArg(ref); ok {
			ev.ComputeResource = &types.ComputeResourceEventArgument{EntityEventArgument: arg, ComputeResource: ref}
		}
	}
	ev.Datacenter = datacenterArg(ref)
	return ev
}

// vcsim 0.24 has no description for some events we post, and two of its templates do not parse
// (the EventManager panics formatting VmMigratedEvent/VmBeingMigratedEvent): fix and add them,
// so fullFormattedMessage reads as on vCenter.
func describeEvents() {
	m := simulator.Map.EventManager()
	formats := map[string][3]string{
		"VmMigratedEvent": {"VM migrated", "info",
			"Migration of virtual machine {{.Vm.Name}} from {{.SourceHost.Name}} to {{.Host.Name}} completed"},
		"VmBeingMigratedEvent": {"VM migrating", "info",
			"Migrating {{.Vm.Name}} from {{.Host.Name}} in {{.Datacenter.Name}} to {{.DestHost.Name}}"},
		"VmBeingRelocatedEvent": {"VM relocating", "info",
			"Relocating {{.Vm.Name}} from {{.Host.Name}} in {{.Datacenter.Name}} to {{.DestHost.Name}}"},
		"VmRelocatedEvent": {"VM relocated", "info",
			"Completed the relocation of the virtual machine {{.Vm.Name}} from {{.SourceHost.Name}} to {{.Host.Name}}"},
		"VmRenamedEvent": {"VM renamed", "info",
			"Renamed {{.Vm.Name}} from {{.OldName}} to {{.NewName}} in {{.Datacenter.Name}}"},
		"CustomFieldValueChangedEvent": {"Custom field value changed", "info",
			"Changed custom field {{.Name}} on {{.Entity.Name}} to {{.Value}}"},
		"CustomizationStartedEvent": {"Started customization", "info",
			"Started customization of VM {{.Vm.Name}}. Customization log located at {{.LogLocation}} in the guest OS."},
		"CustomizationSucceeded": {"Customization succeeded", "info",
			"Customization of VM {{.Vm.Name}} succeeded. Customization log located at {{.LogLocation}} in the guest OS."},
	}
	for i := range m.Description.EventInfo {
		info := &m.Description.EventInfo[i]
		if f, ok := formats[info.Key]; ok {
			info.FullFormat = f[2]
			delete(formats, info.Key)
		}
	}
	for key, f := range formats {
		m.Description.EventInfo = append(m.Description.EventInfo, types.EventDescriptionEventDetail{
			Key: key, Description: f[0], Category: f[1], FullFormat: f[2],
		})
	}
}

// ---------------------------------------------------------------------------------------------
// Guest Tools: reboot, reset, and Tools coming back after -reboot-ms.

func setTools(vm *simulator.VirtualMachine, running bool) {
	status := string(types.VirtualMachineToolsRunningStatusGuestToolsNotRunning)
	tools := types.VirtualMachineToolsStatusToolsNotRunning
	state := "notRunning"
	if running {
		status = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
		tools = types.VirtualMachineToolsStatusToolsOk
		state = "running"
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "guest.toolsRunningStatus", Val: status},
		{Name: "guest.toolsStatus", Val: tools},
		{Name: "guest.guestState", Val: state},
		{Name: "summary.guest.toolsRunningStatus", Val: status},
		{Name: "summary.guest.toolsStatus", Val: tools},
	})
}

func (x *extension) guest(ref types.ManagedObjectReference) *guestState {
	g, ok := x.guests[ref]
	if !ok {
		g = &guestState{}
		x.guests[ref] = g
	}
	return g
}

// guestDown takes the VM's Tools down now (the caller holds the VM's lock) and, unless the
// guest hangs, brings them back after -reboot-ms.
func (x *extension) guestDown(vm *simulator.VirtualMachine, comeBack bool) {
	x.mu.Lock()
	g := x.guest(vm.Self)
	g.generation++
	g.down = true
	gen := g.generation
	x.mu.Unlock()
	setTools(vm, false)
	if comeBack {
		x.toolsBackLater(vm.Self, gen)
	}
}

func (x *extension) toolsBackLater(ref types.ManagedObjectReference, gen int) {
	time.AfterFunc(x.rebootDelay, func() {
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok {
			return
		}
		simulator.Map.WithLock(vm, func() {
			if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
				return
			}
			x.mu.Lock()
			g := x.guests[ref]
			current := g != nil && g.generation == gen && g.down
			if current {
				g.down = false
			}
			x.mu.Unlock()
			if current {
				setTools(vm, true)
			}
		})
	})
}

func (x *extension) toolsRunning(vm *simulator.VirtualMachine) bool {
	return vm.Guest != nil &&
		vm.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
}

// ---------------------------------------------------------------------------------------------
// The registry observer: sees every Map.Update, so it sees what vcsim does on its own.

type observer struct{ x *extension }

func (o *observer) Reference() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: "VcsimVcplanObserver", Value: "observer"}
}
func (o *observer) PutObject(mo.Reference)                    {}
func (o *observer) RemoveObject(types.ManagedObjectReference) {}
func (o *observer) UpdateObject(obj mo.Reference, changes []types.PropertyChange) {
	x := o.x
	ref := obj.Reference()
	switch ref.Type {
	case "EventHistoryCollector":
		if x.tap != nil && ref == x.tap.Self {
			x.eventPosted()
		}
	case "VirtualMachine":
		for _, c := range changes {
			if c.Name == "runtime.powerState" {
				x.powerChanged(ref, fmt.Sprint(c.Val))
			}
			if c.Name == "config.tools.pendingCustomization" && fmt.Sprint(c.Val) == "" {
				x.customized(ref) // vcsim applied the customization at power on
			}
		}
	}
}

// powerChanged runs inside the power task (the VM is locked). A power cycle brings back the
// Tools of a guest we took down (a hung reboot ends with a hard power off and on).
func (x *extension) powerChanged(ref types.ManagedObjectReference, state string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	g, ok := x.guests[ref]
	if !ok {
		return
	}
	g.generation++
	if state == string(types.VirtualMachinePowerStatePoweredOn) && g.down {
		x.toolsBackLater(ref, g.generation)
	}
}

// customized runs when vcsim has applied a pending customization at power on (the VM is locked):
// post the events vCenter posts and mirror the guest identity into the summary.
func (x *extension) customized(ref types.ManagedObjectReference) {
	x.mu.Lock()
	pending := x.customizing[ref]
	delete(x.customizing, ref)
	x.mu.Unlock()
	vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !pending || !ok {
		return
	}
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "summary.guest.hostName", Val: vm.Guest.HostName},
		{Name: "summary.guest.ipAddress", Val: vm.Guest.IpAddress},
	})
	event := types.CustomizationEvent{VmEvent: vmEvent(vm), LogLocation: "/var/log/vmware-imc/toolsDeployPkg.log"}
	postEvent(x.internal,
		&types.CustomizationStartedEvent{CustomizationEvent: event},
		&types.CustomizationSucceeded{CustomizationEvent: event},
	)
}

// ---------------------------------------------------------------------------------------------
// Hooks: SOAP methods answered here, dispatched by the simulator itself.

const hookPrefix = "VcsimVcplanHook."

type hook struct {
	Self types.ManagedObjectReference
	x    *extension
}

func (h *hook) Reference() types.ManagedObjectReference { return h.Self }

// target is the object the client called the method on.
func (h *hook) target() types.ManagedObjectReference {
	return types.ManagedObjectReference{Type: strings.TrimPrefix(h.Self.Type, hookPrefix), Value: h.Self.Value}
}

func notFound(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("managed object not found: %s", ref), &types.ManagedObjectNotFound{Obj: ref})
}

// withVM runs f with the target VM locked, as the simulator runs its own VM methods (ctx.Caller
// is the VM, so nested simulator calls do not lock it again).
func (h *hook) withVM(ctx *simulator.Context, f func(vm *simulator.VirtualMachine)) *soap.Fault {
	ref := h.target()
	vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	if !ok {
		return notFound(ref)
	}
	ctx.Caller = &ref
	simulator.Map.WithLock(vm, func() { f(vm) })
	return nil
}

// taskOf returns the task a simulator *_Task method body answered with, or its fault.
func taskOf(res soap.HasFault) (*simulator.Task, *soap.Fault) {
	if f := res.Fault(); f != nil {
		return nil, f
	}
	ref := reflect.ValueOf(res).Elem().FieldByName("Res").Elem().FieldByName("Returnval").Interface()
	task, _ := simulator.Map.Get(ref.(types.ManagedObjectReference)).(*simulator.Task)
	return task, nil
}

func succeeded(task *simulator.Task) bool {
	return task != nil && task.Info.State == types.TaskInfoStateSuccess
}

func invalidPowerState(vm *simulator.VirtualMachine) *soap.Fault {
	return simulator.Fault("", &types.InvalidPowerState{
		RequestedState: types.VirtualMachinePowerStatePoweredOn,
		ExistingState:  vm.Runtime.PowerState,
	})
}

// Login checks the -user list, then lets the SessionManager create the session as usual.
func (h *hook) Login(ctx *simulator.Context, req *types.Login) soap.HasFault {
	req.This = h.target()
	if !h.x.users.valid(req.UserName, req.Password) {
		return &methods.LoginBody{Fault_: simulator.Fault("Login failure", new(types.InvalidLogin))}
	}
	return simulator.Map.SessionManager().Login(ctx, req)
}

// RebootGuest (missing in vcsim): needs the VM on and Tools running; posts VmGuestRebootEvent;
// Tools stop at once and run again after -reboot-ms (never with -guest-ignores-reboot).
func (h *hook) RebootGuest(ctx *simulator.Context, req *types.RebootGuest) soap.HasFault {
	req.This = h.target()
	body := new(methods.RebootGuestBody)
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		switch {
		case vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn:
			body.Fault_ = invalidPowerState(vm)
		case !h.x.toolsRunning(vm):
			body.Fault_ = simulator.Fault("Cannot complete operation because VMware Tools is not running in this virtual machine.", new(types.ToolsUnavailable))
		default:
			postEvent(ctx, &types.VmGuestRebootEvent{VmEvent: vmEvent(vm)})
			h.x.guestDown(vm, !h.x.ignoreReboot)
			body.Res = new(types.RebootGuestResponse)
		}
	})
	if fault != nil {
		body.Fault_ = fault
	}
	return body
}

// ShutdownGuest with -guest-ignores-shutdown: accepted, and the guest stays up (a hung guest).
func (h *hook) ShutdownGuest(ctx *simulator.Context, req *types.ShutdownGuest) soap.HasFault {
	req.This = h.target()
	body := new(methods.ShutdownGuestBody)
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOff {
			body.Fault_ = invalidPowerState(vm)
			return
		}
		body.Res = new(types.ShutdownGuestResponse)
	})
	if fault != nil {
		body.Fault_ = fault
	}
	return body
}

// ResetVM_Task: vcsim powers the VM off and on (two power events, powerState flips); vCenter
// keeps it poweredOn, posts VmResettingEvent, and the guest reboots (Tools go and come back).
// With -reset-task-ms the call answers with a queued task that runs that much later.
func (h *hook) ResetVMTask(ctx *simulator.Context, req *types.ResetVM_Task) soap.HasFault {
	req.This = h.target()
	body := new(methods.ResetVM_TaskBody)
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		runs := ctx
		if h.x.resetTaskDelay > 0 {
			runs = h.x.afterCall(ctx)
		}
		task := simulator.CreateTask(vm, "reset", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
			if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
				return nil, &types.InvalidPowerState{
					RequestedState: types.VirtualMachinePowerStatePoweredOn,
					ExistingState:  vm.Runtime.PowerState,
				}
			}
			postEvent(runs, &types.VmResettingEvent{VmEvent: vmEvent(vm)})
			now := time.Now()
			simulator.Map.Update(vm, []types.PropertyChange{
				{Name: "runtime.bootTime", Val: now},
				{Name: "summary.runtime.bootTime", Val: now},
			})
			h.x.mu.Lock()
			g, known := h.x.guests[vm.Self]
			downByUs := known && g.down
			h.x.mu.Unlock()
			if downByUs || h.x.toolsRunning(vm) {
				h.x.guestDown(vm, true)
			}
			return nil, nil
		})
		if h.x.resetTaskDelay <= 0 {
			body.Res = &types.ResetVM_TaskResponse{Returnval: task.Run()}
			return
		}
		// as on vCenter: the call returns a queued task, which runs (and ends) later
		time.AfterFunc(h.x.resetTaskDelay, func() { simulator.Map.WithLock(vm, func() { task.Run() }) })
		body.Res = &types.ResetVM_TaskResponse{Returnval: task.Self}
	})
	if fault != nil {
		body.Fault_ = fault
	}
	return body
}

// markCustomizing publishes vcsim's pendingCustomization (it sets the field behind the property
// collector's back) and remembers to post the customization events at the next power on.
func (x *extension) markCustomizing(vm *simulator.VirtualMachine) {
	x.mu.Lock()
	x.customizing[vm.Self] = true
	x.mu.Unlock()
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "config.tools.pendingCustomization", Val: vm.Config.Tools.PendingCustomization},
	})
}

// CustomizeVM_Task: vcsim's own (validates, applies hostName/IP to the guest at the next power
// on), plus the pending flag published and the events posted.
func (h *hook) CustomizeVMTask(ctx *simulator.Context, req *types.CustomizeVM_Task) soap.HasFault {
	req.This = h.target()
	var res soap.HasFault
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		res = vm.CustomizeVMTask(req)
		if task, _ := taskOf(res); succeeded(task) {
			h.x.markCustomizing(vm)
		}
	})
	if fault != nil {
		return &methods.CustomizeVM_TaskBody{Fault_: fault}
	}
	return res
}

// CloneVM_Task: vcsim ignores spec.customization; apply it to the clone as CustomizeVM_Task
// would. If the spec does not fit the clone (NIC count), the clone fails and is removed, as on
// vCenter, where the spec is checked before cloning.
func (h *hook) CloneVMTask(ctx *simulator.Context, req *types.CloneVM_Task) soap.HasFault {
	req.This = h.target()
	var res soap.HasFault
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		res = vm.CloneVMTask(ctx, req)
		task, _ := taskOf(res)
		if req.Spec.Customization == nil || !succeeded(task) {
			return
		}
		clone, ok := simulator.Map.Get(task.Info.Result.(types.ManagedObjectReference)).(*simulator.VirtualMachine)
		if !ok {
			return
		}
		var failure types.BaseMethodFault
		simulator.Map.WithLock(clone, func() {
			ctask, f := taskOf(clone.CustomizeVMTask(&types.CustomizeVM_Task{This: clone.Self, Spec: *req.Spec.Customization}))
			switch {
			case f != nil:
				failure = f.VimFault().(types.BaseMethodFault)
			case !succeeded(ctask):
				failure = ctask.Info.Error.Fault
			default:
				h.x.markCustomizing(clone)
			}
		})
		if failure == nil {
			return
		}
		cctx := *ctx
		cref := clone.Self
		cctx.Caller = &cref
		simulator.Map.WithLock(clone, func() {
			_ = clone.DestroyTask(&cctx, &types.Destroy_Task{This: clone.Self})
		})
		simulator.Map.Update(task, []types.PropertyChange{
			{Name: "info.state", Val: types.TaskInfoStateError},
			{Name: "info.result", Val: nil},
			{Name: "info.error", Val: types.LocalizedMethodFault{Fault: failure, LocalizedMessage: fmt.Sprintf("%T", failure)}},
		})
	})
	if fault != nil {
		return &methods.CloneVM_TaskBody{Fault_: fault}
	}
	return res
}

// RelocateVM_Task: vcsim's own, plus VmBeingRelocatedEvent and VmRelocatedEvent (vcsim posts none).
func (h *hook) RelocateVMTask(ctx *simulator.Context, req *types.RelocateVM_Task) soap.HasFault {
	req.This = h.target()
	var res soap.HasFault
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		before := vmEvent(vm)
		being := &types.VmBeingRelocatedEvent{VmRelocateSpecEvent: types.VmRelocateSpecEvent{VmEvent: before}}
		dest := before.Host
		if req.Spec.Host != nil {
			var ev types.Event
			hostArgs(*req.Spec.Host, &ev)
			dest = ev.Host
		}
		if dest != nil {
			being.DestHost = *dest
		}
		being.DestDatacenter = before.Datacenter
		if req.Spec.Datastore != nil {
			being.DestDatastore = datastoreArg(*req.Spec.Datastore)
		}
		postEvent(ctx, being)
		res = vm.RelocateVMTask(ctx, req)
		if task, _ := taskOf(res); succeeded(task) {
			done := &types.VmRelocatedEvent{VmRelocateSpecEvent: types.VmRelocateSpecEvent{VmEvent: vmEvent(vm)}}
			if before.Host != nil {
				done.SourceHost = *before.Host
			}
			done.SourceDatacenter, done.SourceDatastore = before.Datacenter, before.Ds
			postEvent(ctx, done)
		}
	})
	if fault != nil {
		return &methods.RelocateVM_TaskBody{Fault_: fault}
	}
	return res
}

// MigrateVM_Task (missing in vcsim): a relocation to pool/host, reported as VmBeingMigratedEvent
// and VmMigratedEvent.
func (h *hook) MigrateVMTask(ctx *simulator.Context, req *types.MigrateVM_Task) soap.HasFault {
	req.This = h.target()
	body := new(methods.MigrateVM_TaskBody)
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		task := simulator.CreateTask(vm, "migrate", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
			if req.State != "" && req.State != vm.Runtime.PowerState {
				return nil, &types.InvalidPowerState{RequestedState: req.State, ExistingState: vm.Runtime.PowerState}
			}
			before := vmEvent(vm)
			being := &types.VmBeingMigratedEvent{VmEvent: before, DestDatacenter: before.Datacenter, DestDatastore: before.Ds}
			if req.Host != nil {
				var ev types.Event
				hostArgs(*req.Host, &ev)
				if ev.Host != nil {
					being.DestHost = *ev.Host
				}
			} else if before.Host != nil {
				being.DestHost = *before.Host
			}
			postEvent(ctx, being)
			inner, f := taskOf(vm.RelocateVMTask(ctx, &types.RelocateVM_Task{
				This: vm.Self,
				Spec: types.VirtualMachineRelocateSpec{Pool: req.Pool, Host: req.Host},
			}))
			if f != nil {
				return nil, f.VimFault().(types.BaseMethodFault)
			}
			if !succeeded(inner) {
				return nil, inner.Info.Error.Fault
			}
			done := &types.VmMigratedEvent{VmEvent: vmEvent(vm), SourceDatacenter: before.Datacenter, SourceDatastore: before.Ds}
			if before.Host != nil {
				done.SourceHost = *before.Host
			}
			postEvent(ctx, done)
			return nil, nil
		})
		body.Res = &types.MigrateVM_TaskResponse{Returnval: task.Run()}
	})
	if fault != nil {
		body.Fault_ = fault
	}
	return body
}

// Rename_Task on a VM: vcsim's own, plus VmRenamedEvent.
func (h *hook) RenameTask(ctx *simulator.Context, req *types.Rename_Task) soap.HasFault {
	req.This = h.target()
	var res soap.HasFault
	fault := h.withVM(ctx, func(vm *simulator.VirtualMachine) {
		old := vm.Name
		res = vm.RenameTask(req)
		if task, _ := taskOf(res); succeeded(task) {
			postEvent(ctx, &types.VmRenamedEvent{VmEvent: vmEvent(vm), OldName: old, NewName: req.NewName})
		}
	})
	if fault != nil {
		return &methods.Rename_TaskBody{Fault_: fault}
	}
	return res
}

func customValue(values []types.BaseCustomFieldValue, key int32) (string, bool) {
	for i := len(values) - 1; i >= 0; i-- {
		if v, ok := values[i].(*types.CustomFieldStringValue); ok && v.Key == key {
			return v.Value, true
		}
	}
	return "", false
}

// latestPerKey keeps one value per field key (the last set), where the key first appeared:
// vcsim appends a second value when a field is set again.
func latestPerKey(values []types.BaseCustomFieldValue) []types.BaseCustomFieldValue {
	last := map[int32]types.BaseCustomFieldValue{}
	for _, v := range values {
		last[v.GetCustomFieldValue().Key] = v
	}
	out := make([]types.BaseCustomFieldValue, 0, len(last))
	for _, v := range values {
		key := v.GetCustomFieldValue().Key
		if w, ok := last[key]; ok {
			out = append(out, w)
			delete(last, key)
		}
	}
	return out
}

func (x *extension) customFields() *simulator.CustomFieldsManager {
	si, ok := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	if !ok || si.Content.CustomFieldsManager == nil {
		return nil
	}
	return simulator.Map.CustomFieldsManager()
}

// setField sets a custom value with the simulator's own SetField, then keeps one value per key,
// publishes customValue/value to the property collector, and posts CustomFieldValueChangedEvent.
func (x *extension) setField(ctx *simulator.Context, entityRef types.ManagedObjectReference, set func() soap.HasFault) (soap.HasFault, *soap.Fault) {
	entity, ok := simulator.Map.Get(entityRef).(mo.Entity)
	if !ok {
		return nil, notFound(entityRef)
	}
	cfm := x.customFields()
	if cfm == nil {
		return nil, simulator.Fault("", new(types.NotSupported))
	}
	var res soap.HasFault
	ctx.Caller = &entityRef
	simulator.Map.WithLock(entity, func() {
		e := entity.Entity()
		before := append([]types.BaseCustomFieldValue(nil), e.CustomValue...)
		res = set()
		if res.Fault() != nil {
			return
		}
		key := e.CustomValue[len(e.CustomValue)-1].GetCustomFieldValue().Key // vcsim appends the value set
		prev, _ := customValue(before, key)
		now, _ := customValue(e.CustomValue, key)
		values := latestPerKey(e.CustomValue)
		simulator.Map.Update(entity, []types.PropertyChange{
			{Name: "customValue", Val: values},
			{Name: "value", Val: latestPerKey(e.Value)},
		})
		name := ""
		for _, f := range cfm.Field {
			if f.Key == key {
				name = f.Name
			}
		}
		postEvent(ctx, &types.CustomFieldValueChangedEvent{
			CustomFieldEvent: types.CustomFieldEvent{Event: entityEvent(entityRef)},
			Entity: types.ManagedEntityEventArgument{
				EntityEventArgument: types.EntityEventArgument{Name: e.Name}, Entity: entityRef,
			},
			FieldKey: key, Name: name, Value: now, PrevState: prev,
		})
	})
	return res, nil
}

// SetCustomValue on any managed entity (vcsim has it on VMs only).
func (h *hook) SetCustomValue(ctx *simulator.Context, req *types.SetCustomValue) soap.HasFault {
	req.This = h.target()
	res, fault := h.x.setField(ctx, req.This, func() soap.HasFault { return simulator.SetCustomValue(ctx, req) })
	if fault != nil {
		return &methods.SetCustomValueBody{Fault_: fault}
	}
	return res
}

// CustomFieldsManager.SetField.
func (h *hook) SetField(ctx *simulator.Context, req *types.SetField) soap.HasFault {
	req.This = h.target()
	cfm := h.x.customFields()
	if cfm == nil {
		return &methods.SetFieldBody{Fault_: simulator.Fault("", new(types.NotSupported))}
	}
	res, fault := h.x.setField(ctx, req.Entity, func() soap.HasFault { return cfm.SetField(ctx, req) })
	if fault != nil {
		return &methods.SetFieldBody{Fault_: fault}
	}
	return res
}

// CreateCollectorForEvents: our collector (below) instead of vcsim's.
func (h *hook) CreateCollectorForEvents(ctx *simulator.Context, req *types.CreateCollectorForEvents) soap.HasFault {
	req.This = h.target()
	body := new(methods.CreateCollectorForEventsBody)
	size, fault := pageSize(req.Filter.MaxCount)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	c := &eventCollector{x: h.x, spec: req.Filter, size: size}
	c.Self.Type = "EventHistoryCollector"
	ctx.Session.Put(c)
	h.x.mu.Lock()
	for _, ev := range h.x.history {
		if h.x.matches(&c.spec, ev) {
			c.events = append(c.events, ev)
		}
	}
	h.x.collectors[c] = true
	h.x.mu.Unlock()
	body.Res = &types.CreateCollectorForEventsResponse{Returnval: c.Self}
	return body
}

// QueryEvents: every matching event, newest first, at most filter.maxCount (default and
// maximum 1000); vcsim returns only its latest page of 10.
func (h *hook) QueryEvents(ctx *simulator.Context, req *types.QueryEvents) soap.HasFault {
	req.This = h.target()
	body := new(methods.QueryEventsBody)
	if simulator.Map.IsESX() {
		body.Fault_ = simulator.Fault("", new(types.NotImplemented))
		return body
	}
	limit := int(req.Filter.MaxCount)
	if limit < 0 || limit > 1000 {
		body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "maxCount"})
		return body
	}
	if limit == 0 {
		limit = 1000
	}
	res := []types.BaseEvent{}
	h.x.mu.Lock()
	for i := len(h.x.history) - 1; i >= 0 && len(res) < limit; i-- {
		if h.x.matches(&req.Filter, h.x.history[i]) {
			res = append(res, h.x.history[i])
		}
	}
	h.x.mu.Unlock()
	body.Res = &types.QueryEventsResponse{Returnval: res}
	return body
}

// ---------------------------------------------------------------------------------------------
// Events: a full history and an EventHistoryCollector with vCenter's filters and scrolling.
// vcsim 0.24's collector ignores the time and user filters, and ReadNextEvents only reads its
// latest page (newest first, shifting as events arrive).

// tapEvents starts the history: vcsim's events so far (its ring keeps the last 1000), then every
// new one through a one-event collector of vcsim's, whose page updates the observer sees.
func (x *extension) tapEvents() error {
	m := simulator.Map.EventManager()
	create := func(size int32) (*simulator.EventHistoryCollector, error) {
		res := m.CreateCollectorForEvents(x.internal, &types.CreateCollectorForEvents{
			This: m.Self, Filter: types.EventFilterSpec{MaxCount: size},
		})
		if f := res.Fault(); f != nil {
			return nil, fmt.Errorf("creating the event tap: %s", f.String)
		}
		ref := res.(*methods.CreateCollectorForEventsBody).Res.Returnval
		return x.internal.Session.Get(ref).(*simulator.EventHistoryCollector), nil
	}
	seed, err := create(1000)
	if err != nil {
		return err
	}
	page := seed.GetLatestPage()
	for i := len(page) - 1; i >= 0; i-- {
		x.record(page[i])
	}
	seed.DestroyCollector(x.internal, &types.DestroyCollector{This: seed.Self})
	x.tap, err = create(1)
	return err
}

func (x *extension) record(ev types.BaseEvent) bool {
	key := ev.GetEvent().Key
	if key <= x.lastKey {
		return false
	}
	x.lastKey = key
	x.history = append(x.history, ev)
	return true
}

// eventPosted runs inside EventManager.PostEvent (it holds the EventManager's and the tap's
// locks): record the event and hand it to every collector whose filter it matches.
func (x *extension) eventPosted() {
	page := x.tap.GetLatestPage()
	if len(page) == 0 {
		return
	}
	ev := page[0]
	var update []*eventCollector
	x.mu.Lock()
	if x.record(ev) {
		for c := range x.collectors {
			if x.matches(&c.spec, ev) {
				c.mu.Lock()
				c.events = append(c.events, ev)
				c.mu.Unlock()
				update = append(update, c)
			}
		}
	}
	x.mu.Unlock()
	for _, c := range update { // WaitForUpdatesEx on latestPage sees new events, as on vCenter
		simulator.Map.Update(c, []types.PropertyChange{{Name: "latestPage", Val: c.latestPage()}})
	}
}

func eventTypeMatches(ev types.BaseEvent, ids []string) bool {
	for t := reflect.TypeOf(ev).Elem(); ; {
		for _, id := range ids {
			if t.Name() == id {
				return true
			}
		}
		if t.Kind() != reflect.Struct || t.NumField() == 0 || !t.Field(0).Anonymous {
			return false
		}
		t = t.Field(0).Type
	}
}

func (x *extension) category(ev types.BaseEvent) string {
	name := reflect.TypeOf(ev).Elem().Name()
	for _, info := range simulator.Map.EventManager().Description.EventInfo {
		if info.Key == name {
			return info.Category
		}
	}
	return "info"
}

// parents is what an entity is "within" for a children filter: its inventory parent, and for a
// VM also its resource pool and host.
func parents(ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	switch obj := simulator.Map.Get(ref).(type) {
	case *simulator.VirtualMachine:
		if obj.ResourcePool != nil {
			out = append(out, *obj.ResourcePool)
		}
		if obj.Runtime.Host != nil {
			out = append(out, *obj.Runtime.Host)
		}
		if obj.Parent != nil {
			out = append(out, *obj.Parent)
		}
	case mo.Entity:
		if p := obj.Entity().Parent; p != nil {
			out = append(out, *p)
		}
	}
	return out
}

func within(ref, root types.ManagedObjectReference) bool {
	seen := map[types.ManagedObjectReference]bool{ref: true}
	queue := parents(ref)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == root {
			return true
		}
		if !seen[p] {
			seen[p] = true
			queue = append(queue, parents(p)...)
		}
	}
	return false
}

func eventEntities(ev types.BaseEvent) []types.ManagedObjectReference {
	e := ev.GetEvent()
	var refs []types.ManagedObjectReference
	if e.Vm != nil {
		refs = append(refs, e.Vm.Vm)
	}
	if e.Host != nil {
		refs = append(refs, e.Host.Host)
	}
	if e.ComputeResource != nil {
		refs = append(refs, e.ComputeResource.ComputeResource)
	}
	if e.Ds != nil {
		refs = append(refs, e.Ds.Datastore)
	}
	if e.Net != nil {
		refs = append(refs, e.Net.Network)
	}
	if e.Dvs != nil {
		refs = append(refs, e.Dvs.Dvs)
	}
	if e.Datacenter != nil {
		refs = append(refs, e.Datacenter.Datacenter)
	}
	if c, ok := ev.(*types.CustomFieldValueChangedEvent); ok {
		refs = append(refs, c.Entity.Entity)
	}
	return refs
}

// matches applies an EventFilterSpec: entity (self, children, all), time, user, event type,
// category and chain id. alarm, scheduledTask and tag are not filtered on.
func (x *extension) matches(spec *types.EventFilterSpec, ev types.BaseEvent) bool {
	e := ev.GetEvent()
	if t := spec.Time; t != nil {
		if t.BeginTime != nil && e.CreatedTime.Before(*t.BeginTime) {
			return false
		}
		if t.EndTime != nil && e.CreatedTime.After(*t.EndTime) {
			return false
		}
	}
	if u := spec.UserName; u != nil {
		ok := u.SystemUser && e.UserName == ""
		for _, name := range u.UserList {
			ok = ok || name == e.UserName
		}
		if !ok {
			return false
		}
	}
	if spec.EventChainId != 0 && spec.EventChainId != e.ChainId {
		return false
	}
	if ids := append(append([]string(nil), spec.EventTypeId...), spec.Type...); len(ids) > 0 && !eventTypeMatches(ev, ids) {
		return false
	}
	if len(spec.Category) > 0 {
		cat, ok := x.category(ev), false
		for _, c := range spec.Category {
			ok = ok || c == cat
		}
		if !ok {
			return false
		}
	}
	if f := spec.Entity; f != nil {
		if si, ok := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance); ok && f.Entity == si.Content.RootFolder &&
			f.Recursion != types.EventFilterSpecRecursionOptionChildren {
			return true // as vcsim: the root folder, self or all, is every event
		}
		self := f.Recursion == types.EventFilterSpecRecursionOptionSelf || f.Recursion == types.EventFilterSpecRecursionOptionAll
		children := f.Recursion == types.EventFilterSpecRecursionOptionChildren || f.Recursion == types.EventFilterSpecRecursionOptionAll
		for _, ref := range eventEntities(ev) {
			if (self && ref == f.Entity) || (children && within(ref, f.Entity)) {
				return true
			}
		}
		return false
	}
	return true
}

func pageSize(count int32) (int, *soap.Fault) {
	switch {
	case count == 0:
		return 10, nil // vCenter's default latest page
	case count < 0 || count > 1000:
		return 0, simulator.Fault("", &types.InvalidArgument{InvalidProperty: "maxCount"})
	}
	return int(count), nil
}

type eventCollector struct {
	mo.EventHistoryCollector // first: what the property collector reads (through Get)

	x      *extension
	mu     sync.Mutex
	spec   types.EventFilterSpec
	size   int               // latest page size
	events []types.BaseEvent // every matching event, oldest first
	pos    int               // the scrollable view: events[pos] is the next ReadNextEvents
}

func (c *eventCollector) latestPage() []types.BaseEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	page := []types.BaseEvent{}
	for i := len(c.events) - 1; i >= 0 && len(page) < c.size; i-- {
		page = append(page, c.events[i]) // newest first, as vcsim and vCenter show it
	}
	return page
}

// Get is what the property collector reads: filter and latestPage.
func (c *eventCollector) Get() mo.Reference {
	clone := c.EventHistoryCollector
	clone.Filter = c.spec
	clone.LatestPage = c.latestPage()
	return &clone
}

func (c *eventCollector) read(count int32, next bool) ([]types.BaseEvent, *soap.Fault) {
	if count <= 0 {
		return nil, simulator.Fault("", &types.InvalidArgument{InvalidProperty: "maxCount"})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	from, to := c.pos, c.pos+int(count)
	if !next {
		from, to = c.pos-int(count), c.pos
	}
	if from < 0 {
		from = 0
	}
	if to > len(c.events) {
		to = len(c.events)
	}
	if from >= to {
		return nil, nil
	}
	if next {
		c.pos = to
	} else {
		c.pos = from
	}
	return append([]types.BaseEvent(nil), c.events[from:to]...), nil // oldest first
}

func (c *eventCollector) ReadNextEvents(ctx *simulator.Context, req *types.ReadNextEvents) soap.HasFault {
	events, fault := c.read(req.MaxCount, true)
	if fault != nil {
		return &methods.ReadNextEventsBody{Fault_: fault}
	}
	return &methods.ReadNextEventsBody{Res: &types.ReadNextEventsResponse{Returnval: events}}
}

func (c *eventCollector) ReadPreviousEvents(ctx *simulator.Context, req *types.ReadPreviousEvents) soap.HasFault {
	events, fault := c.read(req.MaxCount, false)
	if fault != nil {
		return &methods.ReadPreviousEventsBody{Fault_: fault}
	}
	return &methods.ReadPreviousEventsBody{Res: &types.ReadPreviousEventsResponse{Returnval: events}}
}

// RewindCollector: the view to the oldest event (where a new collector starts).
func (c *eventCollector) RewindCollector(ctx *simulator.Context, req *types.RewindCollector) soap.HasFault {
	c.mu.Lock()
	c.pos = 0
	c.mu.Unlock()
	return &methods.RewindCollectorBody{Res: new(types.RewindCollectorResponse)}
}

// ResetCollector: the view to just before the latest page.
func (c *eventCollector) ResetCollector(ctx *simulator.Context, req *types.ResetCollector) soap.HasFault {
	c.mu.Lock()
	c.pos = len(c.events) - c.size
	if c.pos < 0 {
		c.pos = 0
	}
	c.mu.Unlock()
	return &methods.ResetCollectorBody{Res: new(types.ResetCollectorResponse)}
}

func (c *eventCollector) SetCollectorPageSize(ctx *simulator.Context, req *types.SetCollectorPageSize) soap.HasFault {
	size, fault := pageSize(req.MaxCount)
	if fault != nil {
		return &methods.SetCollectorPageSizeBody{Fault_: fault}
	}
	c.mu.Lock()
	c.size = size
	c.mu.Unlock()
	simulator.Map.Update(c, []types.PropertyChange{{Name: "latestPage", Val: c.latestPage()}})
	return &methods.SetCollectorPageSizeBody{Res: new(types.SetCollectorPageSizeResponse)}
}

func (c *eventCollector) DestroyCollector(ctx *simulator.Context, req *types.DestroyCollector) soap.HasFault {
	ctx.Session.Remove(req.This)
	c.x.mu.Lock()
	delete(c.x.collectors, c)
	c.x.mu.Unlock()
	return &methods.DestroyCollectorBody{Res: new(types.DestroyCollectorResponse)}
}

// ---------------------------------------------------------------------------------------------
// SOAP: which calls go to a hook, and the rewriting of _this.

// hooked says whether a method called on this object is answered by a hook.
func (x *extension) hooked(method string, this types.ManagedObjectReference) bool {
	if this.Type == "PropertyCollector" && pagedMethod(method) {
		return true // also a collector the session created, which only the session's registry holds
	}
	if simulator.Map.Get(this) == nil {
		return false // the simulator answers ManagedObjectNotFound
	}
	vm := this.Type == "VirtualMachine"
	if method != "" { // the WSDL spells some methods in lower case (setCustomValue); vcsim title-cases
		method = strings.ToUpper(method[:1]) + method[1:]
	}
	switch method {
	case "Login":
		return this.Type == "SessionManager"
	case "ShutdownGuest":
		return vm && x.ignoreShutdown
	case "RelocateVM_Task", "MigrateVM_Task", "Rename_Task":
		return vm
	case "SetCustomValue":
		_, ok := simulator.Map.Get(this).(mo.Entity)
		return ok
	case "SetField":
		return this.Type == "CustomFieldsManager"
	case "CreateCollectorForEvents", "QueryEvents":
		return this.Type == "EventManager"
	case "RebootGuest", "ResetVM_Task":
		return vm
	case "CustomizeVM_Task", "CloneVM_Task":
		return vm
	}
	return false
}

func (x *extension) hookFor(this types.ManagedObjectReference) {
	ref := types.ManagedObjectReference{Type: hookPrefix + this.Type, Value: this.Value}
	if simulator.Map.Get(ref) == nil {
		simulator.Map.Put(&hook{Self: ref, x: x})
	}
}

// soapCall finds the method of a SOAP request and its _this, and where the _this start tag is.
func soapCall(body []byte) (method string, this types.ManagedObjectReference, start, end int64) {
	d := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		offset := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return "", this, -1, -1
		}
		el, ok := tok.(xml.StartElement)
		switch {
		case !ok:
			continue
		case !inBody:
			inBody = el.Name.Local == "Body"
		case method == "":
			method = el.Name.Local
		default:
			if el.Name.Local != "_this" {
				return method, this, -1, -1
			}
			for _, a := range el.Attr {
				if a.Name.Local == "type" && a.Name.Space == "" {
					this.Type = a.Value
				}
			}
			end = d.InputOffset()
			if text, err := d.Token(); err == nil {
				if cd, ok := text.(xml.CharData); ok {
					this.Value = strings.TrimSpace(string(cd))
				}
			}
			return method, this, offset, end
		}
	}
}

func (x *extension) serveSOAP(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	body, err := ioutil.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	method, this, start, end := soapCall(body)
	if start < 0 || !x.hooked(method, this) {
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		inner.ServeHTTP(w, r)
		return
	}
	x.hookFor(this)
	tag := body[start:end]
	for _, q := range []string{`"`, `'`} {
		tag = bytes.Replace(tag, []byte("type="+q+this.Type+q), []byte("type="+q+hookPrefix+this.Type+q), 1)
	}
	rewritten := append(append(append([]byte{}, body[:start]...), tag...), body[end:]...)
	r.Body = ioutil.NopCloser(bytes.NewReader(rewritten))
	r.ContentLength = int64(len(rewritten))
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	// A fault (NotAuthenticated, ...) names the object called: the client's, not the hook.
	_, _ = w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(hookPrefix), nil))
}

// ---------------------------------------------------------------------------------------------
// REST (vSphere Automation API, govmomi's vapi/simulator): logins checked against -user, the
// tagging bulk actions vCenter has, and vCenter's JSON shapes.

const (
	restSession     = "/rest/com/vmware/cis/session"
	restTagging     = "/rest/com/vmware/cis/tagging/"
	restAssociation = "/rest/com/vmware/cis/tagging/tag-association"
)

// The tag-association actions served (vcsim's, plus detach-tag-from-multiple-objects and a
// working detach-multiple-tags-from-object from here).
var associationActions = map[string]bool{
	"list-attached-tags": true, "list-attached-objects-on-tags": true,
	"list-attached-tags-on-objects": true, "attach-multiple-tags-to-object": true,
	"detach-multiple-tags-from-object": true,
}
var associationIDActions = map[string]bool{
	"attach": true, "detach": true, "list-attached-objects": true,
	"attach-tag-to-multiple-objects": true, "detach-tag-from-multiple-objects": true,
}

// knownAction says whether a tagging ~action is served (vcsim's, or ours).
func knownAction(p, action string) bool {
	switch {
	case p == restAssociation:
		return associationActions[action]
	case strings.HasPrefix(p, restAssociation+"/id:"):
		return associationIDActions[action]
	case strings.HasPrefix(p, restTagging+"tag/id:"):
		return action == "list-tags-for-category"
	}
	return false
}

func vapiError(w http.ResponseWriter, status int, kind, message string) {
	writeJSON(w, status, map[string]interface{}{
		"type": kind,
		"value": map[string]interface{}{"messages": []interface{}{map[string]interface{}{
			"args": []string{}, "default_message": message, "id": kind,
		}}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type batchError struct {
	ID      string   `json:"id"`
	Message string   `json:"default_message"`
	Args    []string `json:"args"`
}

func batchResult(errs []batchError) map[string]interface{} {
	if errs == nil {
		errs = []batchError{}
	}
	return map[string]interface{}{"value": map[string]interface{}{"success": len(errs) == 0, "error_messages": errs}}
}

// restCall makes a request to the simulator's own REST handler with the client's credentials.
func restCall(inner http.Handler, orig *http.Request, method, target string, body []byte) *httptest.ResponseRecorder {
	if method == http.MethodPost && len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}") // vcsim decodes a body even for actions that take none (list-attached-objects)
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for _, h := range []string{"vmware-api-session-id", "Cookie", "Authorization"} {
		if v := orig.Header.Values(h); len(v) > 0 {
			req.Header[http.CanonicalHeaderKey(h)] = v
		}
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, req)
	return rec
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	if rec.Code == http.StatusUnauthorized && rec.Body.Len() == 0 {
		vapiError(w, http.StatusUnauthorized, "com.vmware.vapi.std.errors.unauthenticated", "Authentication required.")
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (x *extension) serveREST(inner http.Handler, w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	action := r.URL.Query().Get("~action")
	if p == restSession && r.Method == http.MethodPost && action == "" {
		if user, password, ok := r.BasicAuth(); ok && !x.users.valid(user, password) {
			vapiError(w, http.StatusUnauthorized, "com.vmware.vapi.std.errors.unauthenticated", "Authentication required.")
			return
		}
	}
	if !strings.HasPrefix(p, restTagging) {
		inner.ServeHTTP(w, r)
		return
	}
	body, err := ioutil.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields)
	byID := strings.HasPrefix(p, restAssociation+"/id:")
	needsObject := map[string]bool{"list-attached-tags": !byID, "attach-multiple-tags-to-object": !byID,
		"detach-multiple-tags-from-object": !byID, "attach": byID, "detach": byID}
	if r.Method == http.MethodPost && needsObject[action] && fields["object_id"] == nil {
		vapiError(w, http.StatusBadRequest, "com.vmware.vapi.std.errors.invalid_argument", "object_id is required")
		return
	}
	if r.Method == http.MethodPost && action != "" && !knownAction(p, action) {
		// vcsim ignores an unknown ~action, or worse: POST /tag?~action=x creates a nameless tag.
		if rec := restCall(inner, r, http.MethodGet, restSession, nil); rec.Code != http.StatusOK {
			copyResponse(w, rec) // not logged in
			return
		}
		vapiError(w, http.StatusNotFound, "com.vmware.vapi.std.errors.operation_not_found", "Unknown operation: "+action)
		return
	}
	switch {
	case p == restAssociation && action == "detach-multiple-tags-from-object":
		// vcsim's marks the association false but keeps it, so list-attached-objects still lists it.
		var tags []string
		_ = json.Unmarshal(fields["tag_ids"], &tags)
		detach, _ := json.Marshal(map[string]json.RawMessage{"object_id": fields["object_id"]})
		var calls []batchCall
		for _, id := range tags {
			calls = append(calls, batchCall{restAssociation + "/id:" + id + "?~action=detach", detach, id})
		}
		x.batch(inner, w, r, calls)
	case byID && action == "detach-tag-from-multiple-objects":
		if rec := restCall(inner, r, http.MethodPost, p+"?~action=list-attached-objects", nil); rec.Code != http.StatusOK {
			x.normalize(w, r, action, rec) // not logged in, or no such tag
			return
		}
		var objects []json.RawMessage
		_ = json.Unmarshal(fields["object_ids"], &objects)
		var calls []batchCall
		for _, object := range objects {
			var id struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(object, &id)
			detach, _ := json.Marshal(map[string]json.RawMessage{"object_id": object})
			calls = append(calls, batchCall{p + "?~action=detach", detach, id.ID})
		}
		x.batch(inner, w, r, calls)
	default:
		x.normalize(w, r, action, restCall(inner, r, r.Method, r.URL.RequestURI(), body))
	}
}

type batchCall struct {
	target string
	body   []byte
	item   string // the tag or object, for the error message
}

// batch makes one simulator call per item and answers vCenter's BatchResult.
func (x *extension) batch(inner http.Handler, w http.ResponseWriter, r *http.Request, calls []batchCall) {
	if rec := restCall(inner, r, http.MethodGet, restSession, nil); rec.Code != http.StatusOK {
		copyResponse(w, rec) // not logged in
		return
	}
	var errs []batchError
	for _, call := range calls {
		rec := restCall(inner, r, http.MethodPost, call.target, call.body)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusNotFound:
			errs = append(errs, batchError{"cis.tagging.objectNotFound.error",
				fmt.Sprintf("Tagging object %s not found", call.item), []string{call.item}})
		default:
			copyResponse(w, rec)
			return
		}
	}
	writeJSON(w, http.StatusOK, batchResult(errs))
}

// normalize answers as vCenter does: lists are [] rather than null, objects carry every field,
// a bulk attach answers a BatchResult, a missing object a vAPI not_found, an unknown action 404.
func (x *extension) normalize(w http.ResponseWriter, r *http.Request, action string, rec *httptest.ResponseRecorder) {
	p := r.URL.Path
	switch {
	case rec.Code == http.StatusNotFound && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json"):
		vapiError(w, http.StatusNotFound, "com.vmware.vapi.std.errors.not_found", "The object was not found: "+p)
		return
	case rec.Code != http.StatusOK:
		copyResponse(w, rec)
		return
	case action == "attach-tag-to-multiple-objects":
		writeJSON(w, http.StatusOK, batchResult(nil))
		return
	}
	var doc map[string]interface{}
	if rec.Body.Len() == 0 || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
		copyResponse(w, rec)
		return
	}
	list := strings.HasPrefix(action, "list-") || (r.Method == http.MethodGet &&
		(p == restTagging+"category" || p == restTagging+"tag"))
	if doc["value"] == nil && list {
		doc["value"] = []interface{}{}
	}
	defaults := map[string]interface{}{}
	switch {
	case strings.HasPrefix(p, restTagging+"category/id:") && r.Method == http.MethodGet:
		defaults = map[string]interface{}{"description": "", "associable_types": []interface{}{}, "used_by": []interface{}{}}
	case strings.HasPrefix(p, restTagging+"tag/id:") && r.Method == http.MethodGet && action == "":
		defaults = map[string]interface{}{"description": "", "used_by": []interface{}{}}
	}
	fill := func(v interface{}) {
		obj, ok := v.(map[string]interface{})
		if !ok {
			return
		}
		for k, d := range defaults {
			if obj[k] == nil {
				obj[k] = d
			}
		}
		for _, k := range []string{"tag_ids", "object_ids"} {
			if val, present := obj[k]; present && val == nil {
				obj[k] = []interface{}{}
			}
		}
		if _, batch := obj["success"]; batch && obj["error_messages"] == nil {
			obj["error_messages"] = []interface{}{}
		}
	}
	if items, ok := doc["value"].([]interface{}); ok {
		for _, item := range items {
			fill(item)
		}
	} else {
		fill(doc["value"])
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	writeJSON(w, http.StatusOK, doc)
}

// ---------------------------------------------------------------------------------------------
// DELETE /vcsim/sessions (basic auth, any -user): ends every SOAP and REST session, as a vCenter
// restart would; clients must log in again.

func (x *extension) serveSessions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodDelete {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if user, password, ok := r.BasicAuth(); !ok || !x.users.valid(user, password) {
		w.Header().Set("WWW-Authenticate", `Basic realm="vcsim"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	sm := simulator.Map.SessionManager()
	view := x.internal.Session.Get(sm.Reference()).(*simulator.SessionManager)
	soapSessions := 0
	for _, s := range view.SessionList {
		res := sm.TerminateSession(x.internal, &types.TerminateSession{This: sm.Self, SessionId: []string{s.Key}})
		if res.Fault() == nil {
			soapSessions++
		}
	}
	restSessions := 0
	if lock, ok := x.vapi.(sync.Locker); ok {
		if v := reflect.ValueOf(x.vapi).Elem().FieldByName("Session"); v.IsValid() && v.Kind() == reflect.Map && v.CanSet() {
			lock.Lock()
			restSessions = v.Len()
			v.Set(reflect.MakeMap(v.Type()))
			lock.Unlock()
		}
	}
	writeJSON(w, http.StatusOK, map[string]int{"soap": soapSessions, "rest": restSessions})
}

func (x *extension) handler(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/vcsim/sessions":
			x.serveSessions(w, r)
		case strings.HasPrefix(r.URL.Path, "/rest/"):
			x.serveREST(inner, w, r)
		case r.Method == http.MethodPost && (r.URL.Path == vim25.Path || r.URL.Path == vim25.Path+"/vimService"):
			x.serveSOAP(inner, w, r)
		default:
			inner.ServeHTTP(w, r)
		}
	})
}

// vcsim changes a VM's configuration in place on ReconfigVM_Task (and custom values on SetField)
// without telling its property collectors, so a WaitForUpdatesEx never sees the change; vCenter
// does report it. After every call naming a VM, this re-announces the configuration properties
// vcplan watches (docs/simulator.md).
var vmArgument = regexp.MustCompile(`<(?:_this|entity)[^>]*type="VirtualMachine"[^>]*>([^<]+)</`)

func announceVMChanges(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Method == http.MethodPost {
			var err error
			body, err = ioutil.ReadAll(r.Body)
			_ = r.Body.Close()
			if err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			r.Body = ioutil.NopCloser(bytes.NewReader(body))
		}
		inner.ServeHTTP(w, r)
		match := vmArgument.FindSubmatch(body)
		if match == nil || !bytes.Contains(body, []byte("ReconfigVM_Task")) && !bytes.Contains(body, []byte("<SetField")) {
			return
		}
		ref := types.ManagedObjectReference{Type: "VirtualMachine", Value: string(match[1])}
		vm, ok := simulator.Map.Get(ref).(*simulator.VirtualMachine)
		if !ok || vm.Config == nil {
			return
		}
		simulator.Map.WithLock(vm, func() {
			simulator.Map.Update(vm, []types.PropertyChange{
				{Name: "config.hardware.numCPU", Val: vm.Config.Hardware.NumCPU},
				{Name: "config.hardware.numCoresPerSocket", Val: vm.Config.Hardware.NumCoresPerSocket},
				{Name: "config.hardware.memoryMB", Val: vm.Config.Hardware.MemoryMB},
				{Name: "config.hardware.device", Val: vm.Config.Hardware.Device},
				{Name: "config.annotation", Val: vm.Config.Annotation},
				{Name: "config.extraConfig", Val: vm.Config.ExtraConfig},
				{Name: "customValue", Val: vm.CustomValue},
			})
		})
	})
}

func main() {
	dc := flag.Int("dc", 1, "datacenters")
	cluster := flag.Int("cluster", 1, "clusters per datacenter")
	host := flag.Int("host", 3, "hosts per cluster")
	standalone := flag.Int("standalone-host", 1, "standalone hosts per datacenter")
	vm := flag.Int("vm", 2, "VMs per resource pool (each cluster and each standalone host has one)")
	pool := flag.Int("pool", 0, "extra resource pools per cluster")
	ds := flag.Int("ds", 1, "datastores per datacenter")
	pg := flag.Int("pg", 1, "distributed portgroups per datacenter")
	folder := flag.Int("folder", 0, "datacenter folders")
	esx := flag.Bool("esx", false, "simulate a standalone ESXi host instead of a vCenter")
	autostart := flag.Bool("autostart", true, "power on the VMs the model creates")
	tools := flag.Bool("tools-running", false, "the model's VMs report VMware Tools running (guest shutdown)")
	hung := flag.Bool("guest-ignores-shutdown", false, "ShutdownGuest succeeds but the guest never powers off")
	rebootMs := flag.Int("reboot-ms", 1000, "milliseconds a guest takes to reboot (RebootGuest, ResetVM_Task) before Tools run again")
	ignoreReboot := flag.Bool("guest-ignores-reboot", false, "after RebootGuest the guest's Tools never come back")
	resetTaskMs := flag.Int("reset-task-ms", 0, "ResetVM_Task answers with a queued task that runs this many milliseconds later (0: it has run when the call returns)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	var users credentials
	flag.Var(&users, "user", "user:password[,user:password...] any of which may log in (repeatable; default: any non-empty)")
	cert := flag.String("tls-cert", "", "PEM server certificate (with -tls-key: serve https)")
	key := flag.String("tls-key", "", "PEM server key")
	delay := flag.Int("delay", 0, "milliseconds added to every SOAP call")
	methodDelay := flag.String("method-delay", "", "per-method delays, e.g. PowerOnVM_Task=300,PowerOffVM_Task=300")
	pageLimit := flag.Int("page-limit", 0, "PropertyCollector policy: at most this many objects a RetrievePropertiesEx page, whatever maxObjects asks (0: maxObjects alone; unset maxObjects: one page)")
	flag.Parse()

	model := simulator.VPX()
	if *esx {
		model = simulator.ESX()
	} else {
		model.Datacenter = *dc
		model.Cluster = *cluster
		model.ClusterHost = *host
		model.Host = *standalone
		model.Pool = *pool
		model.Portgroup = *pg
		model.Folder = *folder
	}
	model.Datastore = *ds
	model.Machine = *vm
	model.Autostart = *autostart
	delays, err := parseDelays(*methodDelay)
	if err != nil {
		log.Fatal(err)
	}
	model.DelayConfig.Delay = *delay
	model.DelayConfig.MethodDelay = delays

	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	if *tools {
		for _, entity := range simulator.Map.All("VirtualMachine") {
			vm := entity.(*simulator.VirtualMachine)
			vm.Guest.ToolsRunningStatus = string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
			vm.Guest.ToolsStatus = types.VirtualMachineToolsStatusToolsOk
			vm.Summary.Guest.ToolsRunningStatus = vm.Guest.ToolsRunningStatus
			vm.Summary.Guest.ToolsStatus = vm.Guest.ToolsStatus
		}
	}

	x := newExtension()
	x.users = users
	x.rebootDelay = time.Duration(*rebootMs) * time.Millisecond
	x.resetTaskDelay = time.Duration(*resetTaskMs) * time.Millisecond
	x.ignoreReboot = *ignoreReboot
	x.ignoreShutdown = *hung
	x.pager = newPager(*pageLimit)
	describeEvents()
	if err := x.tapEvents(); err != nil {
		log.Fatal(err)
	}
	simulator.Map.AddHandler(&observer{x})

	model.Service.Listen = &url.URL{Host: *listen}
	if len(users) > 0 {
		// The vapi simulator's own SOAP client logs in as the first user.
		model.Service.Listen.User = url.UserPassword(users[0].user, users[0].password)
	}
	if *cert != "" || *key != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}
	model.Service.RegisterEndpoints = true // govmomi's vapi/simulator: /rest on the same listener

	server := model.Service.NewServer()
	defer server.Close()
	// Logins are checked by the Login hook against every -user; the SessionManager accepts any.
	model.Service.Listen.User = simulator.DefaultLogin
	x.vapi, _ = model.Service.ServeMux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: restSession}})
	server.Config.Handler = x.handler(server.Config.Handler)
	server.Config.Handler = announceVMChanges(server.Config.Handler)

	u := *server.URL
	u.User = nil
	fmt.Printf("VCSIM_URL=%s\n", u.String())
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
