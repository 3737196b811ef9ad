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
//
// SOAP methods vcsim lacks or gets wrong are answered by "hook" objects registered in the
// simulator's own registry: the request's _this is pointed at the hook, so the simulator still
// checks the session, applies -delay/-method-delay, locks and encodes faults as for its own
// methods, and the hook calls the simulator's own VirtualMachine methods where they exist.
package main

import (
	"bytes"
	"crypto/tls"
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
	"strconv"
	"strings"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
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

type extension struct {
	users          credentials
	ignoreShutdown bool
}

func newExtension() *extension {
	return &extension{}
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

// ---------------------------------------------------------------------------------------------
// SOAP: which calls go to a hook, and the rewriting of _this.

// hooked says whether a method called on this object is answered by a hook.
func (x *extension) hooked(method string, this types.ManagedObjectReference) bool {
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

func (x *extension) handler(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && (r.URL.Path == vim25.Path || r.URL.Path == vim25.Path+"/vimService"):
			x.serveSOAP(inner, w, r)
		default:
			inner.ServeHTTP(w, r)
		}
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
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	var users credentials
	flag.Var(&users, "user", "user:password[,user:password...] any of which may log in (repeatable; default: any non-empty)")
	cert := flag.String("tls-cert", "", "PEM server certificate (with -tls-key: serve https)")
	key := flag.String("tls-key", "", "PEM server key")
	delay := flag.Int("delay", 0, "milliseconds added to every SOAP call")
	methodDelay := flag.String("method-delay", "", "per-method delays, e.g. PowerOnVM_Task=300,PowerOffVM_Task=300")
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
		}
	}

	x := newExtension()
	x.users = users
	x.ignoreShutdown = *hung

	model.Service.Listen = &url.URL{Host: *listen}
	if *cert != "" || *key != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}

	server := model.Service.NewServer()
	defer server.Close()
	// Logins are checked by the Login hook against every -user; the SessionManager accepts any.
	model.Service.Listen.User = simulator.DefaultLogin
	server.Config.Handler = x.handler(server.Config.Handler)

	u := *server.URL
	u.User = nil
	fmt.Printf("VCSIM_URL=%s\n", u.String())
	os.Stdout.Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
